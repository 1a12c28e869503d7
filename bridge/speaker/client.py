"""HTTPS to one speaker's local API: IP literals, certificate pinning, an allowlist of the adapter's
endpoints, the budget, and one token refresh on a 401. Tokens never reach a log line or an
exception message."""

import hashlib
import http.client
import json
import re
import ssl
from dataclasses import dataclass
from typing import Any

from bridge.budget import Budget
from bridge.errors import Refused, Unauthorized, Unreachable, Unsupported
from bridge.speaker.discovery import ip_literal
from bridge.speaker.pins import PinStore
from bridge.speaker.tokens import TokenSource

TOKEN_HEADER = "cast-local-authorization-token"  # noqa: S105 - a header name
ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "eureka_info"),
        ("GET", "assistant/alarms"),
        ("POST", "assistant/alarms/volume"),
        ("POST", "assistant/notifications"),
        ("POST", "assistant/alarms/delete"),
        ("POST", "reboot"),
    }
)
"""The only requests that leave the box: the ones the adapter and ``probe`` make, spelled exactly
so. Everything else is refused, however it is spelled: Wi-Fi (can strand a speaker), Bluetooth
(pairs it with strangers), ``set_eureka_info`` (renames it behind the Google Home app's back), the
night-mode and equalizer setters, and endpoints nobody has looked at."""
QUERY_ALLOWED = frozenset({"eureka_info"})
QUERY_SHAPE = re.compile(r"[A-Za-z0-9_,=&]*")
"""A query string, where one is allowed: names, commas, ``=`` and ``&``; nothing encoded."""
REBOOT_ALLOWED = {"params": "now"}
"""``reboot`` with ``"fdr"`` is a factory reset (and ``"ota foreground"`` is unverified)."""


def refuse(method: str, path: str, body: Any) -> None:
    """Raise Refused unless the request is one the adapter makes (``ALLOWED``), exactly."""
    bare, _, query = path.partition("?")
    if (method, bare) not in ALLOWED:
        raise Refused(f"{method} {path!r} is not an endpoint the bridge uses")
    if query and not (bare in QUERY_ALLOWED and QUERY_SHAPE.fullmatch(query)):
        raise Refused(f"{method} {bare}: query {query!r} refused")
    if bare == "reboot" and body != REBOOT_ALLOWED:
        raise Refused("reboot allows only {'params': 'now'} (fdr is a factory reset)")


@dataclass(frozen=True)
class Target:
    """Which speaker: stable ``key``, the ``identity`` its token and pin are bound to (never its
    name), its address, and its friendly ``name`` (display only)."""

    key: str
    identity: str
    host: str
    port: int
    name: str = ""


class SpeakerClient:
    """Speak the local API; every request passes the allowlist, the budget and the pin, and a token
    goes only to an approved certificate of the identity it belongs to."""

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
        try:
            host = ip_literal(target.host)
        except ValueError:
            raise Refused(f"{target.key}: {target.host!r} is not an IP literal") from None
        if not auth:
            return self._once(target, host, method, path, body, None)
        token = self._token(target, None)
        try:
            return self._once(target, host, method, path, body, token)
        except Unauthorized:
            return self._once(target, host, method, path, body, self._token(target, token))

    def approved(self, target: Target) -> bool:
        """Whether the owner approved the certificate the bridge pinned for ``target``."""
        pin = self.pins.get(target.identity)
        return pin is not None and pin.approved

    def _token(self, target: Target, rejected: str | None) -> str:
        """The token for ``target``: only for an approved pin, from a map fetched after the pin's
        first sight; another one than ``rejected`` after a 401."""
        if self.tokens is None:
            raise Unauthorized("no token source configured")
        pin = self.pins.get(target.identity) if target.identity else None
        if pin is None or not pin.approved:
            raise Refused(
                f"{target.key}: no approved certificate for {target.identity or 'this speaker'} "
                "(python -m bridge pins list)"
            )
        if rejected is None:
            return self.tokens.token(target.identity, pin.first_seen)
        return self.tokens.refresh(target.identity, rejected)

    def _once(  # noqa: PLR0917 - one request's parts
        self, target: Target, host: str, method: str, path: str, body: Any, token: str | None
    ) -> Any:
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
            fingerprint = hashlib.sha256(certificate).hexdigest()
            pin = self.pins.check(
                target.identity or target.key, fingerprint, name=target.name, host=host
            )
            if token is not None and not pin.approved:
                raise Refused(f"{target.key}: the certificate is not approved")
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
        except ValueError:
            # http.client quotes the offending header value (the token) in its message.
            raise Unauthorized(f"{target.key}: {method} {path}: invalid header value") from None
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
