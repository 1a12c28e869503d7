"""The account-linking HTTP edge: ``/authorize`` (sign-in page) and ``/token`` (RFC 6749).

Routes, methods and request bounds are checked here, then the request goes to
``authorize`` or ``token``. GET /authorize checks client_id and redirect_uri (an allow-list; a bad
one gets an error page, never a redirect), then shows the sign-in page. POST /authorize signs the
user in and redirects back with a short-lived, single-use code and the state, or with
``error=access_denied`` on cancel. POST /token exchanges a code or a refresh token (client
authenticated by secret).
"""

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from functions.account_linking import pages
from functions.account_linking.answers import (
    HTML,
    MALFORMED,
    RETRY_AFTER_SECONDS,
    Response,
    json_answer,
)
from functions.account_linking.authorize import authorize, sign_in
from functions.account_linking.linking import Linking
from functions.account_linking.throttle import UNKNOWN_SOURCE
from functions.account_linking.token import token
from functions.core import logs

__all__ = ["HttpRequest", "Linking", "respond", "source_address", "unreadable"]

MAX_PARAMETERS = 32
MAX_NAME = 64
MAX_VALUE = 4096
"""Any parameter (a password too: Identity Platform accepts at most 4096 characters)."""
LIMITS = {
    "state": 2048,
    "redirect_uri": 2048,
    "client_id": 256,
    "client_secret": 512,
    "code": 1024,
    "refresh_token": 1024,
    "email": 320,
    "request": 64,
    "scope": 1024,
    "grant_type": 64,
    "response_type": 64,
    "action": 16,
    "user_locale": 64,
}
"""Longest accepted value per parameter, in characters (``state``: Google's is a short opaque
string; stored with the sign-in request and echoed in a Location header, it must stay far below
Firestore's 1 MiB document and common header limits). Longer values get a 400."""
MAX_AUTHORIZATION = 2048


@dataclass(frozen=True)
class HttpRequest:
    """What the endpoints read of an HTTP request."""

    method: str
    path: str
    query: Mapping[str, str]
    form: Mapping[str, str]
    authorization: str | None = None
    source: str = UNKNOWN_SOURCE
    """Who sent it, as ``source_address`` tells: what the rate limits count by."""


def source_address(forwarded_for: str | None, peer: str | None) -> str:
    """The address a request came from, one a client cannot choose: what rate limits count by.

    Every request to a deployed function passes Google's front end (GFE, the edge of Cloud Run,
    which serves Cloud Functions' URLs). The GFE appends the address of the peer it accepted the
    connection from to ``X-Forwarded-For``, after whatever that header already held. So the
    *last* entry is the only one Google vouches for; every entry before it came from the client
    and is ignored. (Behind an external Application Load Balancer the last entry would be the
    balancer's: this deployment exposes the function's own URL, terraform/functions.tf.) Without
    the header (the local stack, tests) the TCP peer is used. An IPv6 address counts as its /64,
    the block one subscriber gets; an IPv4-mapped one as the IPv4 address.
    """
    if forwarded_for and forwarded_for.strip():
        found = _address(forwarded_for.rsplit(",", 1)[-1])
        if found:
            return found
    return _address(peer or "") or UNKNOWN_SOURCE


def _address(text: str) -> str | None:
    text = text.strip()
    if not text or len(text) > 64:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def respond(linking: Linking, request: HttpRequest, now: datetime) -> Response:
    """One account-linking request, free of any web framework. Never raises: an unexpected
    failure (Firestore unreachable) gets a 503 page or RFC 6749 JSON error, logged by type."""
    logs.reset()
    route, method = _route(request.path), request.method
    logs.bind(endpoint=route, method=method)
    try:
        return _dispatch(linking, request, route, now)
    except Exception as error:  # the last line of defence; the type is logged
        logs.error("account linking failed", error=type(error).__name__)
        if route == "token":
            return json_answer(
                503,
                {"error": "temporarily_unavailable", "error_description": "try again later"},
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        return Response(
            503,
            pages.error("Account linking is unavailable right now. Try again soon."),
            {**HTML, "Retry-After": str(RETRY_AFTER_SECONDS)},
        )


def unreadable(path: str) -> Response:
    """The answer to a request whose query or body could not be parsed at all."""
    if _route(path) == "token":
        return json_answer(
            400, {"error": "invalid_request", "error_description": "unreadable request"}
        )
    return Response(400, pages.error(MALFORMED), HTML)


def _route(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _dispatch(linking: Linking, request: HttpRequest, route: str, now: datetime) -> Response:
    unrouted = _unrouted(route, request.method)
    if unrouted:
        return unrouted
    problem = _oversized(request)
    if problem:
        logs.warning("request refused", reason=problem)
        if route == "token":
            return json_answer(400, {"error": "invalid_request", "error_description": problem})
        return Response(400, pages.error(MALFORMED), HTML)
    if route == "token":
        return token(linking, request.form, request.authorization, request.source, now)
    if request.method == "GET":
        return authorize(linking, request.query, now)
    return sign_in(linking, request.form, request.source, now)


def _unrouted(route: str, method: str) -> Response | None:
    """404 or 405, or None for GET/POST /authorize and POST /token."""
    if route not in ("authorize", "token"):
        return Response(404, pages.error("Not found."), HTML)
    allowed = ("GET", "POST") if route == "authorize" else ("POST",)
    if method not in allowed:
        return Response(
            405, pages.error("Method not allowed."), {**HTML, "Allow": ", ".join(allowed)}
        )
    return None


def _oversized(request: HttpRequest) -> str:
    """What is too long or too many in the request, or "" when every bound holds."""
    parameters = [*request.query.items(), *request.form.items()]
    if len(parameters) > MAX_PARAMETERS:
        return "too many parameters"
    for name, value in parameters:
        if len(name) > MAX_NAME or len(value) > LIMITS.get(name, MAX_VALUE):
            return f"{name if name in LIMITS else 'a parameter'} is too long"
    if len(request.authorization or "") > MAX_AUTHORIZATION:
        return "Authorization header is too long"
    return ""
