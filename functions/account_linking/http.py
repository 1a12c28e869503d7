"""The account-linking HTTP edge: ``/authorize`` (sign-in page), ``/token`` (RFC 6749) and
``/appflip`` (App Flip).

Routes, methods and request bounds are checked here, and a parameter given twice is refused
(RFC 6749 section 3.1), all before any I/O; then the request goes to ``authorize``, ``token`` or
``appflip``. GET /authorize checks client_id and redirect_uri (an allow-list; a bad one gets an
error page, never a redirect), then shows the sign-in page. POST /authorize signs the user in and
redirects back with a short-lived, single-use code and the state, or with
``error=access_denied`` on cancel. POST /token exchanges a code or a refresh token (client
authenticated by secret). POST /appflip gives the maker's app a code for its signed-in user.
"""

import ipaddress
from collections.abc import Mapping, Sequence
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
from functions.account_linking.appflip import app_flip
from functions.account_linking.authorize import authorize, sign_in
from functions.account_linking.linking import Linking
from functions.account_linking.throttle import UNKNOWN_SOURCE
from functions.account_linking.token import token
from functions.core import logs

__all__ = ["HttpRequest", "Linking", "Parameters", "respond", "source_address", "unreadable"]

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
    "request": 8192,
    "scope": 1024,
    "grant_type": 64,
    "response_type": 64,
    "action": 16,
    "user_locale": 64,
}
"""Longest accepted value per parameter, in characters (``state``: Google's is a short opaque
string; carried by the sign-in page and echoed in a Location header, it must stay far below common
header limits; ``request``: the sealed pending request, which holds ``state`` and
``redirect_uri``). Longer values get a 400."""
MAX_AUTHORIZATION = 4096
"""HTTP Basic at /token, and the Firebase ID token App Flip sends (about 1 KB, up to 2 KB with
custom claims)."""

Parameters = Mapping[str, str] | Sequence[tuple[str, str]]
"""A query or form: every (name, value) pair as sent, so that a repeated name is seen (main.py
passes Flask's ``items(multi=True)``), or a mapping, whose names cannot repeat."""


@dataclass(frozen=True)
class HttpRequest:
    """What the endpoints read of an HTTP request."""

    method: str
    path: str
    query: Parameters
    form: Parameters
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
        if route in JSON_ROUTES:
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
    if _route(path) in JSON_ROUTES:
        return json_answer(
            400, {"error": "invalid_request", "error_description": "unreadable request"}
        )
    return Response(400, pages.error(MALFORMED), HTML)


def _route(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


JSON_ROUTES = frozenset({"token", "appflip"})
"""Routes that answer RFC 6749 JSON errors; /authorize answers pages."""


def _dispatch(linking: Linking, request: HttpRequest, route: str, now: datetime) -> Response:
    unrouted = _unrouted(route, request.method)
    if unrouted:
        return unrouted
    query, form = _pairs(request.query), _pairs(request.form)
    problem = _oversized(query + form, request.authorization) or _repeated(query, form)
    if problem:
        logs.warning("request refused", reason=problem)
        if route in JSON_ROUTES:
            return json_answer(400, {"error": "invalid_request", "error_description": problem})
        return Response(400, pages.error(MALFORMED), HTML)
    return _endpoint(linking, request, route, now)


def _endpoint(linking: Linking, request: HttpRequest, route: str, now: datetime) -> Response:
    """The endpoint's answer to a request within every bound (no name repeats: as mappings)."""
    form, authorization, source = dict(_pairs(request.form)), request.authorization, request.source
    if route == "token":
        return token(linking, form, authorization, source, now)
    if route == "appflip":
        return app_flip(linking, form, authorization, source, now)
    if request.method == "GET":
        return authorize(linking, dict(_pairs(request.query)), now)
    return sign_in(linking, form, source, now)


def _pairs(parameters: Parameters) -> list[tuple[str, str]]:
    if isinstance(parameters, Mapping):
        return list(parameters.items())
    return list(parameters)


def _repeated(*parameters: list[tuple[str, str]]) -> str:
    """A parameter named twice in the query or in the form, or "": RFC 6749 section 3.1, "Request
    and response parameters MUST NOT be included more than once"."""
    for pairs in parameters:
        names = [name for name, _ in pairs]
        if len(set(names)) != len(names):
            repeated = next(name for name in names if names.count(name) > 1)
            shown = repeated if repeated in LIMITS else "a parameter"
            return f"{shown} is given more than once"
    return ""


def _unrouted(route: str, method: str) -> Response | None:
    """404 or 405, or None for GET/POST /authorize, POST /token and POST /appflip."""
    if route not in ("authorize", "token", "appflip"):
        return Response(404, pages.error("Not found."), HTML)
    allowed = ("GET", "POST") if route == "authorize" else ("POST",)
    if method not in allowed:
        return Response(
            405, pages.error("Method not allowed."), {**HTML, "Allow": ", ".join(allowed)}
        )
    return None


def _oversized(parameters: list[tuple[str, str]], authorization: str | None) -> str:
    """What is too long or too many in the request, or "" when every bound holds."""
    if len(parameters) > MAX_PARAMETERS:
        return "too many parameters"
    for name, value in parameters:
        if len(name) > MAX_NAME or len(value) > LIMITS.get(name, MAX_VALUE):
            return f"{name if name in LIMITS else 'a parameter'} is too long"
    if len(authorization or "") > MAX_AUTHORIZATION:
        return "Authorization header is too long"
    return ""
