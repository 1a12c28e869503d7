"""The account-linking endpoints: ``/authorize`` (sign-in page) and ``/token`` (RFC 6749).

GET /authorize checks client_id and redirect_uri (an allow-list; a bad one gets an error page,
never a redirect), then shows the sign-in page. POST /authorize signs the user in and redirects
back with a short-lived, single-use code and the state, or with ``error=access_denied`` on
cancel. POST /token exchanges a code or a refresh token (client authenticated by secret).
"""

import base64
import binascii
import hashlib
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
CLIENT_FAILURE_LIMIT = 50
PRODUCT = "smart home"
# No CSP form-action: Chrome applies it to the redirect after the form, and the redirect goes to
# Google's origin.
HTML = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; "
    "style-src 'unsafe-inline'; frame-ancestors 'none'",
}
JSON = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}


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


@dataclass(frozen=True)
class Linking:
    """What the endpoints need."""

    records: OAuthRecords
    identity: PasswordSignIn
    config: Config


def respond(linking: Linking, request: HttpRequest, now: datetime) -> Response:
    """One account-linking request, free of any web framework."""
    logs.reset()
    route, method = request.path.rstrip("/").rsplit("/", 1)[-1], request.method
    logs.bind(endpoint=route, method=method)
    if route == "authorize" and method == "GET":
        return authorize(linking, request.query, now)
    if route == "authorize" and method == "POST":
        return sign_in(linking, request.form, now)
    if route == "token" and method == "POST":
        return token(linking, request.form, request.authorization, now)
    if route in ("authorize", "token"):
        allowed = "GET, POST" if route == "authorize" else "POST"
        return Response(405, pages.error("Method not allowed."), {**HTML, "Allow": allowed})
    return Response(404, pages.error("Not found."), HTML)


def _redirect(uri: str, **params: str) -> Response:
    separator = "&" if urllib.parse.urlsplit(uri).query else "?"
    return Response(
        302,
        "",
        {"Location": uri + separator + urllib.parse.urlencode(params), "Cache-Control": "no-store"},
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
    request_id = grants.new_secret()
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


def sign_in(linking: Linking, form: Mapping[str, str], now: datetime) -> Response:
    request_id = form.get("request", "")
    pending = linking.records.request(request_id) if request_id and "/" not in request_id else None
    if pending is None or pending["expiresAt"] <= now:
        return Response(
            400,
            pages.error("This sign-in page has expired. Start again from the Google Home app."),
            HTML,
        )
    if form.get("action") == "cancel":
        linking.records.close_request(request_id)
        logs.info("linking cancelled")
        return _redirect(pending["redirectUri"], error="access_denied", state=pending["state"])
    email = form.get("email", "")
    user_key, client_key = _key("user", email), _key("client", pending["clientId"])
    records = linking.records
    if (
        records.failures(user_key, now, FAILURE_WINDOW) >= USER_FAILURE_LIMIT
        or records.failures(client_key, now, FAILURE_WINDOW) >= CLIENT_FAILURE_LIMIT
    ):
        logs.warning("sign-in refused: too many failed attempts")
        return Response(
            429,
            pages.sign_in(request_id, PRODUCT, email, "Too many failed attempts. Try again later."),
            HTML,
        )
    try:
        user_id = linking.identity.sign_in(email, form.get("password", ""))
    except SignInFailed:
        records.add_failure(user_key, now, FAILURE_WINDOW)
        records.add_failure(client_key, now, FAILURE_WINDOW)
        logs.warning("sign-in failed")
        return Response(
            401, pages.sign_in(request_id, PRODUCT, email, "Wrong email or password."), HTML
        )
    except SignInUnavailable as error:
        logs.error("identity provider unavailable", reason=str(error))
        return Response(
            503,
            pages.sign_in(request_id, PRODUCT, email, "Sign-in is unavailable. Try again soon."),
            HTML,
        )
    code = grants.new_secret()
    ttl = timedelta(seconds=linking.config.auth_code_ttl_seconds)
    records.save_code(
        tokens.token_hash(code),
        grants.code_record(user_id, pending["clientId"], pending["redirectUri"], now, ttl),
    )
    records.close_request(request_id)
    logs.info("authorization code issued", user=logs.user_ref(user_id))
    return _redirect(pending["redirectUri"], code=code, state=pending["state"])


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


def token(
    linking: Linking, form: Mapping[str, str], authorization: str | None, now: datetime
) -> Response:
    records, config = linking.records, linking.config
    client_key = _key("client", form.get("client_id", "") or config.oauth_client_id)
    if records.failures(client_key, now, FAILURE_WINDOW) >= CLIENT_FAILURE_LIMIT:
        logs.warning("token refused: too many failed attempts")
        return _json(
            429,
            {
                "error": "invalid_request",
                "error_description": "too many failed attempts; retry later",
            },
            {"Retry-After": str(int(FAILURE_WINDOW.total_seconds()))},
        )
    try:
        client_id, secret = _client(form, authorization)
        grants.check_client(client_id, secret, config.oauth_client_id, config.oauth_client_secret)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            issued = _exchange_code(linking, form, client_id, now)
        elif grant_type == "refresh_token":
            issued = _refresh(linking, form, client_id, now)
        elif not grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        else:
            raise OAuthError("unsupported_grant_type", f"{grant_type} is not supported")
    except OAuthError as error:
        if isinstance(error, Replay):
            revoked = records.revoke_grant(error.grant_id)
            logs.warning("replayed grant revoked", revokedTokens=revoked)
        if error.error in ("invalid_client", "invalid_grant"):
            records.add_failure(client_key, now, FAILURE_WINDOW)
        logs.warning("token request refused", error=error.error, reason=error.description)
        basic = (
            {"WWW-Authenticate": 'Basic realm="account linking"'} if (error.status == 401) else {}
        )
        return _json(
            error.status, {"error": error.error, "error_description": error.description}, basic
        )
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
    )
    logs.info("token refreshed", user=logs.user_ref(found["userId"]))
    return issued
