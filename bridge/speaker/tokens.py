"""Local auth tokens, behind an interface; never written to Firestore or logs.

A speaker's token (header ``cast-local-authorization-token``) lives about a day and may change at
any time; a 401 is the only signal. ``HomeGraphTokens`` caches one fetch of every speaker's token
(Google's Home Graph lists them all at once) and fetches again, single-flight and at most once per
``min_interval``, when a speaker refuses the token it holds.
"""

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from bridge.errors import Unauthorized

Fetch = Callable[[], dict[str, str]]
"""Returns {speaker name or key: local token} for every speaker of the account."""


class TokenSource(Protocol):
    def token(self, key: str, name: str) -> str:
        """The token to send to the speaker ``key`` (friendly name ``name``)."""
        ...

    def refresh(self, key: str, name: str, rejected: str) -> str:
        """A token other than ``rejected``; raises Unauthorized when none is to be had."""
        ...


class HomeGraphTokens:
    """Tokens from a ``Fetch``, cached; a refused token triggers one fetch for all speakers."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        min_interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self.min_interval = min_interval
        self._clock = clock
        self._tokens: dict[str, str] | None = None
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()
        self.fetches = 0

    def _load(self) -> dict[str, str]:
        self._tokens = dict(self._fetch())
        self._fetched_at = self._clock()
        self.fetches += 1
        return self._tokens

    def token(self, key: str, name: str) -> str:
        with self._lock:
            tokens = self._tokens if self._tokens is not None else self._load()
            found = tokens.get(key) or tokens.get(name)
        if not found:
            raise Unauthorized(f"no local token known for {key}")
        return found

    def refresh(self, key: str, name: str, rejected: str) -> str:
        with self._lock:
            tokens = self._tokens or {}
            current = tokens.get(key) or tokens.get(name)
            if current == rejected and self._clock() - self._fetched_at >= self.min_interval:
                tokens = self._load()
                current = tokens.get(key) or tokens.get(name)
        if not current or current == rejected:
            raise Unauthorized(f"{key}: no fresh local token yet")
        return current


def file_fetch(path: Path) -> Fetch:
    """Tokens from a JSON file ``{name or key: token}`` that another tool keeps current."""

    def fetch() -> dict[str, str]:
        data = json.loads(path.read_text())
        return {str(k): str(v) for k, v in data.items()}

    return fetch


def glocaltokens_fetch(username: str, master_token: str) -> Fetch:  # pragma: no cover - optional
    """Tokens from Google's Home Graph with the optional ``glocaltokens`` package (pip install
    glocaltokens); the master token is a full-account credential: keep it on the box only."""
    import importlib

    module = importlib.import_module("glocaltokens.client")
    client = module.GLocalAuthenticationTokens(username=username, master_token=master_token)

    def fetch() -> dict[str, str]:
        devices = client.get_google_devices(force_homegraph_reload=True, disable_discovery=True)
        return {d.device_name: d.local_auth_token for d in devices if d.local_auth_token}

    return fetch
