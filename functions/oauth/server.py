"""The account-linking endpoints: ``/authorize`` (sign-in page) and ``/token`` (RFC 6749).

GET /authorize checks client_id and redirect_uri (an allow-list; a bad one gets an error page,
never a redirect), then shows the sign-in page. POST /authorize signs the user in and redirects
back with a short-lived, single-use code and the state, or with ``error=access_denied`` on
cancel. POST /token exchanges a code or a refresh token (client authenticated by secret).
"""

import base64
import binascii
import hashlib
import ipaddress
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from functions.core import logs, tokens
from functions.core.config import Config
from functions.oauth import grants, pages
from functions.oauth.grants import OAuthError, Replay
from functions.oauth.identity import PasswordSignIn, SignInFailed, SignInUnavailable
from functions.oauth.records import OAuthRecords

REQUEST_TTL = timedelta(minutes=15)
FAILURE_WINDOW = timedelta(minutes=15)
USER_FAILURE_LIMIT = 5
"""Password attempts per account (the email, normalised) and window, from any address: a
password guesser gets 5 tries per account per 15 minutes however many addresses it uses. The
account's owner can be locked out of linking for the window by someone who knows the email,
never every user."""
SIGN_IN_SOURCE_LIMIT = 30
"""Failed sign-ins per source address (an IPv6 /64) and window, over all accounts: bounds how
many accounts one address can probe or lock. High enough for a household behind one NAT."""
TOKEN_SOURCE_LIMIT = 20
"""Failed client authentications at /token per source address and window. A correctly
authenticated client is never refused by any counter: the client secret (384 random bits, see
docs/deployment.md) is what stops guessing; this limit only bounds what a source can cost."""
UNKNOWN_SOURCE = "unknown"

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

PRODUCT = "smart home"
# No CSP form-action: Chrome applies it to the redirect after the form, and the redirect goes to
# Google's origin.
HTML = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; "
    "style-src 'unsafe-inline'; frame-ancestors 'none'",
}
JSON = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
}
RETRY_AFTER_SECONDS = 30
MALFORMED = "This request is malformed or too large. Start again from the Google Home app."


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def flask(self) -> tuple[str, int, dict[str, str]]:
        return self.body, self.status, self.headers


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


@dataclass(frozen=True)
class Linking:
    """What the endpoints need."""

    records: OAuthRecords
    identity: PasswordSignIn
    config: Config


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
            return _json(
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
        return _json(400, {"error": "invalid_request", "error_description": "unreadable request"})
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
            return _json(400, {"error": "invalid_request", "error_description": problem})
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


def _redirect(uri: str, **params: str) -> Response:
    separator = "&" if urllib.parse.urlsplit(uri).query else "?"
    return Response(
        302,
        "",
        {
            "Location": uri + separator + urllib.parse.urlencode(params),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def authorize(linking: Linking, query: Mapping[str, str], now: datetime) -> Response:
    config = linking.config
    client_id, redirect_uri = query.get("client_id", ""), query.get("redirect_uri", "")
    if not config.oauth_client_id or client_id != config.oauth_client_id:
        logs.warning("authorize: unknown client")
        return Response(400, pages.error("Unknown client."), HTML)
    if redirect_uri not in config.redirect_uris():
        logs.warning("authorize: redirect_uri not allowed", redirectUri=redirect_uri)
        return Response(400, pages.error("This redirect address is not allowed."), HTML)
    state = query.get("state", "")
    if query.get("response_type") != "code":
        return _redirect(redirect_uri, error="unsupported_response_type", state=state)
    if not state:
        return _redirect(
            redirect_uri, error="invalid_request", error_description="state is required"
        )
    request_id = grants.new_request_id()
    linking.records.open_request(
        request_id,
        {
            "clientId": client_id,
            "redirectUri": redirect_uri,
            "state": state,
            "expiresAt": now + REQUEST_TTL,
        },
    )
    return Response(200, pages.sign_in(request_id, PRODUCT), HTML)


def _key(kind: str, value: str) -> str:
    return f"{kind}-" + hashlib.sha256(value.strip().lower().encode()).hexdigest()


def _expired() -> Response:
    return Response(
        400,
        pages.error("This sign-in page has expired. Start again from the Google Home app."),
        HTML,
    )


def sign_in(linking: Linking, form: Mapping[str, str], source: str, now: datetime) -> Response:
    """Check the password, then use the page up and create the code in one atomic commit (a
    precondition on the page's deletion): one page, one code, however many submits race."""
    records = linking.records
    request_id = form.get("request", "")
    pending = records.request(request_id) if grants.is_request_id(request_id) else None
    if pending is None or pending["expiresAt"] <= now:
        return _expired()
    if form.get("action") == "cancel":
        if not records.claim_request(request_id):
            return _expired()
        logs.info("linking cancelled")
        return _redirect(pending["redirectUri"], error="access_denied", state=pending["state"])
    user_id = _password(linking, form, request_id, source, now)
    if isinstance(user_id, Response):
        return user_id
    code = grants.new_secret()
    ttl = timedelta(seconds=linking.config.auth_code_ttl_seconds)
    record = grants.code_record(user_id, pending["clientId"], pending["redirectUri"], now, ttl)
    if not records.claim_request(request_id, (tokens.token_hash(code), record)):
        logs.warning("sign-in page already used")
        return _expired()
    logs.info("authorization code issued", user=logs.user_ref(user_id))
    return _redirect(pending["redirectUri"], code=code, state=pending["state"])


def _password(
    linking: Linking, form: Mapping[str, str], request_id: str, source: str, now: datetime
) -> str | Response:
    """The signed-in user's id, or the page to answer. Each check is counted first against the
    account's and the source's limits in one atomic step (concurrent guesses cannot overtake
    the count); a check that did not fail is taken back."""
    records, email = linking.records, form.get("email", "")
    counters = {
        _key("account", email): USER_FAILURE_LIMIT,
        _key("signin-source", source): SIGN_IN_SOURCE_LIMIT,
    }
    if not records.reserve(counters, now, FAILURE_WINDOW):
        logs.warning("sign-in refused: too many failed attempts")
        return Response(
            429,
            pages.sign_in(request_id, PRODUCT, email, "Too many failed attempts. Try again later."),
            {**HTML, "Retry-After": str(int(FAILURE_WINDOW.total_seconds()))},
        )
    try:
        user_id = linking.identity.sign_in(email, form.get("password", ""))
    except SignInFailed:
        logs.warning("sign-in failed")
        return Response(
            401, pages.sign_in(request_id, PRODUCT, email, "Wrong email or password."), HTML
        )
    except SignInUnavailable as error:
        _release(records, counters, now)
        logs.error("identity provider unavailable", reason=str(error))
        return Response(
            503,
            pages.sign_in(request_id, PRODUCT, email, "Sign-in is unavailable. Try again soon."),
            HTML,
        )
    except Exception:
        _release(records, counters, now)
        raise
    _release(records, counters, now)
    return user_id


def _release(records: OAuthRecords, counters: Mapping[str, int], now: datetime) -> None:
    """Take back attempts that did not fail; a leftover count only delays, so never raise."""
    try:
        records.release(list(counters), now, FAILURE_WINDOW)
    except Exception as error:
        logs.warning("sign-in counter not released", error=type(error).__name__)


def _client(form: Mapping[str, str], authorization: str | None) -> tuple[str, str]:
    """Client credentials from HTTP Basic (RFC 6749 2.3.1) or the form, not both."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "basic":
        if form.get("client_secret"):
            raise OAuthError("invalid_request", "client authenticated twice")
        try:
            pair = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "malformed Basic credentials", 401) from None
        client_id, _, secret = pair.partition(":")
        return urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def _json(status: int, body: dict[str, Any], extra: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(body), {**JSON, **(extra or {})})


def _error(error: OAuthError) -> Response:
    logs.warning("token request refused", error=error.error, reason=error.description)
    basic = {"WWW-Authenticate": 'Basic realm="account linking"'} if error.status == 401 else {}
    return _json(
        error.status, {"error": error.error, "error_description": error.description}, basic
    )


def token(
    linking: Linking,
    form: Mapping[str, str],
    authorization: str | None,
    source: str,
    now: datetime,
) -> Response:
    """Authenticate the client first (constant time, no I/O). A failure is counted against the
    source address only, whatever client id the request names; a correctly authenticated
    client is never throttled, so nobody without the secret can deny Google service."""
    records, config = linking.records, linking.config
    try:
        client_id, secret = _client(form, authorization)
        grants.check_client(client_id, secret, config.oauth_client_id, config.oauth_client_secret)
    except OAuthError as error:
        counters = {_key("token-source", source): TOKEN_SOURCE_LIMIT}
        if not records.reserve(counters, now, FAILURE_WINDOW):
            logs.warning("token refused: too many failed client authentications")
            return _json(
                429,
                {
                    "error": "invalid_client",
                    "error_description": "too many failed attempts; retry later",
                },
                {"Retry-After": str(int(FAILURE_WINDOW.total_seconds()))},
            )
        return _error(error)
    try:
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            issued = _exchange_code(linking, form, client_id, now)
        elif grant_type == "refresh_token":
            issued = _refresh(linking, form, client_id, now)
        elif not grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        else:
            raise OAuthError("unsupported_grant_type", "this grant_type is not supported")
    except OAuthError as error:
        if isinstance(error, Replay):
            revoked = records.revoke_grant(error.grant_id)
            logs.warning("replayed grant revoked", revokedTokens=revoked)
        return _error(error)
    return _json(200, issued.answer())


def _issue(config: Config, record: dict[str, Any], client_id: str, now: datetime) -> grants.Issued:
    """Fresh tokens for the grant a code or refresh token belongs to."""
    return grants.issue(
        record["userId"],
        client_id,
        record["grantId"],
        now=now,
        access_ttl=timedelta(seconds=config.access_token_ttl_seconds),
        refresh_ttl=timedelta(days=config.refresh_token_ttl_days),
    )


def _exchange_code(
    linking: Linking, form: Mapping[str, str], client_id: str, now: datetime
) -> grants.Issued:
    code, redirect_uri = form.get("code", ""), form.get("redirect_uri", "")
    if not code:
        raise OAuthError("invalid_request", "code is required")
    code_hash = tokens.token_hash(code)
    found = linking.records.code(code_hash)
    if found is None:
        raise OAuthError("invalid_grant", "unknown authorization code")
    issued = _issue(linking.config, found, client_id, now)
    linking.records.exchange_code(
        code_hash, lambda record: grants.check_code(record, client_id, redirect_uri, now), issued
    )
    logs.info("code exchanged", user=logs.user_ref(found["userId"]))
    return issued


def _refresh(
    linking: Linking, form: Mapping[str, str], client_id: str, now: datetime
) -> grants.Issued:
    refresh_token = form.get("refresh_token", "")
    if not refresh_token:
        raise OAuthError("invalid_request", "refresh_token is required")
    refresh_hash = tokens.token_hash(refresh_token)
    found = linking.records.token(refresh_hash)
    if found is None or found.get("kind") != grants.REFRESH:
        raise OAuthError("invalid_grant", "unknown refresh token")
    issued = _issue(linking.config, found, client_id, now)
    linking.records.rotate_refresh(
        refresh_hash,
        lambda record, successor: grants.check_refresh(record, successor, client_id, now),
        issued,
        tokens.token_hash(issued.refresh_token),
        now,
    )
    logs.info("token refreshed", user=logs.user_ref(found["userId"]))
    return issued
