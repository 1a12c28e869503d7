"""Local auth tokens, behind an interface; never written to Firestore or logs.

A speaker's token (header ``cast-local-authorization-token``) lives about a day and may change at
any time; a 401 is the only signal. ``HomeGraphTokens`` caches one fetch of every speaker's token
(Google's Home Graph lists them all at once) and fetches again, single-flight and at most once per
``min_interval``, when a speaker refuses the token it holds. Tokens are bound to the identity Home
Graph gives each speaker, never to a name; a token map fetched before an endpoint was first seen
is never used for it.
"""

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from bridge import logs
from bridge.errors import Unauthorized

TOKEN_SHAPE = re.compile(r"[!-~]{1,4096}")
"""A local token as a header value may hold: visible ASCII, no whitespace or control character."""

Fetch = Callable[[], dict[str, str]]
"""Returns {identity: local token} for every speaker of the account: the identity Home Graph knows
each speaker by (mDNS TXT ``cd``), never its friendly name."""


class TokenSource(Protocol):
    def token(self, identity: str, seen_since: float) -> str:
        """The token of the speaker ``identity``, from a map fetched after ``seen_since`` (epoch
        seconds: when the bridge first saw the endpoint's certificate); raises Unauthorized."""
        ...

    def refresh(self, identity: str, rejected: str) -> str:
        """A token other than ``rejected``; raises Unauthorized when none is to be had."""
        ...


class HomeGraphTokens:
    """Tokens from a ``Fetch``, cached; a refused token, or an endpoint first seen after the last
    fetch, triggers one fetch for all speakers (at most once per ``min_interval``)."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        min_interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self.min_interval = min_interval
        self._clock = clock
        self._wall = wall
        self._tokens: dict[str, str] | None = None
        self._fetched_at = float("-inf")
        self.fetched_at = float("-inf")
        """When the map was fetched (epoch seconds)."""
        self._lock = threading.Lock()
        self.fetches = 0

    def _load(self) -> dict[str, str]:
        self.fetched_at = self._wall()
        self._tokens = checked(self._fetch())
        self._fetched_at = self._clock()
        self.fetches += 1
        return self._tokens

    def token(self, identity: str, seen_since: float) -> str:
        with self._lock:
            tokens = self._tokens
            if tokens is None or self.fetched_at < seen_since:
                if self._clock() - self._fetched_at < self.min_interval:
                    raise Unauthorized(f"{identity}: first seen after the last token fetch")
                tokens = self._load()
            found = tokens.get(identity) if identity else None
        if not found:
            raise Unauthorized(f"no local token known for {identity or 'a speaker without id'}")
        return found

    def refresh(self, identity: str, rejected: str) -> str:
        with self._lock:
            tokens = self._tokens or {}
            current = tokens.get(identity)
            if current == rejected and self._clock() - self._fetched_at >= self.min_interval:
                tokens = self._load()
                current = tokens.get(identity)
        if not current or current == rejected:
            raise Unauthorized(f"{identity}: no fresh local token yet")
        return current


def checked(tokens: Mapping[str, str]) -> dict[str, str]:
    """The tokens fit to send as a header value (visible ASCII, no space, at most 4,096 characters);
    each is registered with the log's redaction, and one that is not fit is dropped and logged by
    identity, never by value."""
    fit = {}
    for identity, token in tokens.items():
        logs.register_secret(str(token))
        if isinstance(token, str) and TOKEN_SHAPE.fullmatch(token):
            fit[str(identity)] = token
        else:
            logs.log(logging.ERROR, "token_invalid", identity=str(identity))
    return fit


def file_fetch(path: Path) -> Fetch:
    """Tokens from a JSON file ``{identity: token}`` that another tool keeps current (identity:
    the speaker's Home Graph id, or its key in a static map)."""

    def fetch() -> dict[str, str]:
        data = json.loads(path.read_text())
        return {str(k): str(v) for k, v in data.items()}

    return fetch


def tokens_by_identity(devices: Iterable[Any]) -> dict[str, str]:
    """{identity: token} from Home Graph's devices (``homegraph.home.devices``): keyed by
    ``device_info.agent_info.unique_id``, which speakers announce as mDNS TXT ``cd``; a device
    without an id or a token is left out."""
    found = {}
    for device in devices:
        identity = str(device.device_info.agent_info.unique_id or "")
        token = str(device.local_auth_token or "")
        if identity and token:
            found[identity] = token
    return found


def glocaltokens_fetch(username: str, master_token: str) -> Fetch:  # pragma: no cover - optional
    """Tokens from Google's Home Graph with the optional ``glocaltokens`` package (pip install
    glocaltokens); the master token is a full-account credential: keep it on the box only."""
    import importlib

    module = importlib.import_module("glocaltokens.client")
    client = module.GLocalAuthenticationTokens(username=username, master_token=master_token)

    def fetch() -> dict[str, str]:
        client.invalidate_homegraph()
        homegraph = client.get_homegraph()
        return tokens_by_identity(homegraph.home.devices if homegraph is not None else [])

    return fetch
