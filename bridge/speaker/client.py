"""HTTPS to one speaker's local API: IP literals, certificate pinning, a denylist, the budget, and
one token refresh on a 401. Tokens never reach a log line or an exception message."""

import hashlib
import http.client
import json
import ssl
from dataclasses import dataclass
from typing import Any

from bridge.budget import Budget
from bridge.errors import Refused, Unauthorized, Unreachable, Unsupported
from bridge.speaker.discovery import ip_literal
from bridge.speaker.pins import PinStore
from bridge.speaker.tokens import TokenSource

TOKEN_HEADER = "cast-local-authorization-token"  # noqa: S105 - a header name
DENIED_PATHS = frozenset(
    {
        "forget_wifi",
        "connect_wifi",
        "scan_wifi",
        "bluetooth/bond",
        "bluetooth/connect",
        "bluetooth/discovery",
        "set_eureka_info",
        "assistant/set_night_mode_params",
        "user_eq/set_equalizer",
    }
)
"""Endpoints the kit never calls: they can strand a speaker (Wi-Fi), pair it with strangers
(Bluetooth) or rename it behind the Google Home app's back."""
REBOOT_ALLOWED = frozenset({"now"})
"""``reboot`` with ``"fdr"`` is a factory reset (and ``"ota foreground"`` is unverified)."""


def refuse(method: str, path: str, body: Any) -> None:
    """Raise Refused for a denylisted request."""
    bare = path.split("?", 1)[0].strip("/")
    if bare in DENIED_PATHS:
        raise Refused(f"{method} {bare} is denylisted")
    if bare == "reboot" and not (isinstance(body, dict) and body.get("params") in REBOOT_ALLOWED):
        raise Refused("reboot allows only {'params': 'now'} (fdr is a factory reset)")


@dataclass(frozen=True)
class Target:
    """Which speaker: stable ``key``, its friendly ``name`` (for token look-up) and address."""

    key: str
    name: str
    host: str
    port: int


class SpeakerClient:
    """Speak the local API; every request passes the denylist, the budget and the pin."""

    def __init__(
        self,
        budget: Budget,
        pins: PinStore,
        tokens: TokenSource | None,
        *,
        timeout: float = 3.0,
    ) -> None:
        self.budget = budget
        self.pins = pins
        self.tokens = tokens
        self.timeout = timeout

    def call(
        self, target: Target, method: str, path: str, body: Any = None, *, auth: bool = True
    ) -> Any:
        """The decoded JSON answer (``{}`` for an empty or text answer)."""
        refuse(method, path, body)
        if not auth:
            return self._once(target, method, path, body, None)
        if self.tokens is None:
            raise Unauthorized("no token source configured")
        token = self.tokens.token(target.key, target.name)
        try:
            return self._once(target, method, path, body, token)
        except Unauthorized:
            token = self.tokens.refresh(target.key, target.name, token)
            return self._once(target, method, path, body, token)

    def _once(self, target: Target, method: str, path: str, body: Any, token: str | None) -> Any:
        try:
            host = ip_literal(target.host)
        except ValueError:
            raise Refused(f"{target.key}: {target.host!r} is not an IP literal") from None
        self.budget.acquire(target.key)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # self-signed: the pin below is the check
        connection = http.client.HTTPSConnection(
            host, target.port, timeout=self.timeout, context=context
        )
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers[TOKEN_HEADER] = token
        data = json.dumps(body).encode() if body is not None else b""
        try:
            connection.connect()
            sock = connection.sock
            assert isinstance(sock, ssl.SSLSocket)
            certificate = sock.getpeercert(binary_form=True) or b""
            self.pins.check(target.key, hashlib.sha256(certificate).hexdigest())
            connection.request(
                method,
                f"/setup/{path}",
                body=data if method == "POST" else None,
                headers=headers,
            )
            response = connection.getresponse()
            raw = response.read()
            status, content_type = response.status, response.getheader("Content-Type", "")
        except (OSError, http.client.HTTPException) as error:
            raise Unreachable(f"{target.key}: {method} {path}: {type(error).__name__}") from None
        finally:
            connection.close()
        if status == 401:
            raise Unauthorized(f"{target.key}: {path} answered 401")
        if status == 404:
            raise Unsupported(f"{target.key}: {path} answered 404")
        if status != 200:
            raise Unreachable(f"{target.key}: {path} answered {status}")
        if not raw or "json" not in (content_type or ""):
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise Unreachable(f"{target.key}: {path}: malformed JSON") from None
