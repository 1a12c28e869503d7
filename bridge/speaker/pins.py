"""Trust on first use: each speaker's certificate SHA-256, stored locally, checked on every
connection. Speakers present self-signed certificates, so the first one seen is trusted; a later
change (another box took the address, or a spoof) is refused until the owner forgets the pin."""

import json
import threading
from pathlib import Path

from bridge.errors import Refused


class PinStore:
    """``{device key: sha256 hex}`` in a JSON file (or memory, with ``path=None``)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.pins: dict[str, str] = {}
        if path is not None and path.exists():
            self.pins = json.loads(path.read_text())

    def check(self, key: str, fingerprint: str) -> None:
        """Pin ``fingerprint`` on first sight of ``key``; raise Refused when it changed."""
        with self._lock:
            pinned = self.pins.get(key)
            if pinned is None:
                self.pins[key] = fingerprint
                if self.path is not None:
                    self.path.write_text(json.dumps(self.pins, indent=1, sort_keys=True))
                return
        if pinned != fingerprint:
            raise Refused(
                f"{key}: certificate changed (pinned {pinned[:16]}..., got {fingerprint[:16]}...); "
                "if the speaker was reset, remove its pin"
            )

    def forget(self, key: str) -> None:
        with self._lock:
            self.pins.pop(key, None)
            if self.path is not None:
                self.path.write_text(json.dumps(self.pins, indent=1, sort_keys=True))
