"""Certificate pins, approved by the owner: each speaker identity's certificate SHA-256, stored
locally and checked on every connection.

Speakers present self-signed certificates, so nothing but the owner can tell a speaker from a box
that announces its name or id. A certificate seen for the first time is recorded as **pending**:
token-free requests (``eureka_info``) may go on, so ``inventory`` can show it, but no token is sent
and no device document is created until the owner approves it (``python -m bridge pins approve``),
comparing the host with the speaker's address in the Google Home app. A later change of
certificate (a reset speaker, another box on the address, a spoof) is refused until the owner
forgets the pin. ``first_seen`` is when the bridge first met the certificate: a token map fetched
before it is never used for it (bridge/speaker/client.py).
"""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from bridge.errors import Refused
from bridge.files import write_atomically


@dataclass(frozen=True)
class Pin:
    """One identity's certificate: its SHA-256, when first seen (epoch seconds), approved or not,
    and where it was seen (for the owner's decision)."""

    sha256: str
    first_seen: float
    approved: bool = False
    name: str = ""
    host: str = ""


class PinStore:
    """``{identity: pin}`` in a JSON file (or memory, with ``path=None``). ``approve_new``: trust
    a certificate on first use (the owner's one-off tools, such as ``probe`` on a given host)."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        approve_new: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.approve_new = approve_new
        self._clock = clock
        self._lock = threading.Lock()
        self.pins: dict[str, Pin] = {}
        if path is not None and path.exists():
            self.pins = {str(k): _pin(v) for k, v in json.loads(path.read_text()).items()}

    def get(self, identity: str) -> Pin | None:
        """The pin of ``identity``, or None."""
        with self._lock:
            return self.pins.get(identity)

    def check(self, identity: str, fingerprint: str, *, name: str = "", host: str = "") -> Pin:
        """The pin ``fingerprint`` matches; a first sight is recorded (pending unless
        ``approve_new``); raise Refused when the certificate changed."""
        with self._lock:
            pinned = self.pins.get(identity)
            if pinned is None:
                pinned = Pin(fingerprint, self._clock(), self.approve_new, name, host)
                self.pins[identity] = pinned
                self._save()
                return pinned
        if pinned.sha256 != fingerprint:
            raise Refused(
                f"{identity}: certificate changed (pinned {pinned.sha256[:16]}..., got "
                f"{fingerprint[:16]}...); if the speaker was reset, forget its pin"
            )
        return pinned

    def approve(self, identity: str, fingerprint: str = "") -> Pin:
        """The owner approves the pending pin of ``identity`` (whose SHA-256 starts with
        ``fingerprint``, when given); raises KeyError or ValueError otherwise."""
        with self._lock:
            pinned = self.pins[identity]
            if not pinned.sha256.startswith(fingerprint.lower()):
                raise ValueError(f"{identity}: pinned certificate is {pinned.sha256}")
            self.pins[identity] = replace(pinned, approved=True)
            self._save()
            return self.pins[identity]

    def trust(self, identity: str, fingerprint: str, *, name: str = "", host: str = "") -> Pin:
        """Pin and approve ``fingerprint`` at once (the owner knows it: tests, the local stack)."""
        with self._lock:
            self.pins[identity] = Pin(fingerprint, self._clock(), True, name, host)
            self._save()
            return self.pins[identity]

    def forget(self, identity: str) -> None:
        with self._lock:
            self.pins.pop(identity, None)
            self._save()

    def _save(self) -> None:
        if self.path is not None:
            body = {k: asdict(v) for k, v in sorted(self.pins.items())}
            write_atomically(self.path, json.dumps(body, indent=1, sort_keys=True))


def _pin(raw: Any) -> Pin:
    """A stored pin; a bare fingerprint (an older pins.json, trusted on first use) is pending."""
    if isinstance(raw, str):
        return Pin(raw, 0.0)
    return Pin(
        str(raw["sha256"]),
        float(raw.get("first_seen", 0.0)),
        raw.get("approved") is True,
        str(raw.get("name", "")),
        str(raw.get("host", "")),
    )
