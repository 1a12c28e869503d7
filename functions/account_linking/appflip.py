"""POST /appflip: the server side of App Flip (https://developers.home.google.com/app-flip).

The Google Home app opens the maker's app, where the person is already signed in; the app sends
the Firebase ID token of its signed-in user (``Authorization: Bearer``) with the ``client_id`` and
``redirect_uri`` the Google Home app gave it, and gets back an authorization code, which it
returns to the Google Home app. Google exchanges the code at /token exactly like a code from the
sign-in page: the same record (bound to user, client and redirect URI, ``AUTH_CODE_TTL_SECONDS``,
single use; a reuse revokes the grant), the same limits (a failed check counts against the
source address's failed sign-ins). The Android and iOS side: docs/account_linking.md, "App Flip".
"""

from collections.abc import Mapping
from datetime import datetime, timedelta

from functions.account_linking import grants
from functions.account_linking.answers import RETRY_AFTER_SECONDS, Response, json_answer
from functions.account_linking.identity import SignInFailed, SignInUnavailable
from functions.account_linking.linking import Linking
from functions.account_linking.throttle import (
    FAILURE_WINDOW,
    SIGN_IN_SOURCE_LIMIT,
    counter_key,
    release,
)
from functions.core import logs, tokens
from functions.core.config import Config
from functions.core.documents import valid_id
from functions.core.errors import Unauthorized

GOOGLE_HOME_IOS_BUNDLE = "com.google.Chromecast"
GOOGLE_HOME_REDIRECT_URIS = frozenset(
    {
        f"https://oauth-redirect.googleusercontent.com/a/{GOOGLE_HOME_IOS_BUNDLE}",
        f"https://oauth-redirect-sandbox.googleusercontent.com/a/{GOOGLE_HOME_IOS_BUNDLE}",
    }
)
"""The Google Home app's universal links, the redirect URIs of App Flip on iOS
(https://developers.google.com/identity/account-linking/app-flip-ios: ``/a/<bundle id>``; the
production one named by
https://developers.home.google.com/cloud-to-cloud/account-linking-migration). The Android
identifiers the maker's app checks: docs/account_linking.md, "App Flip"."""


def redirect_uris(config: Config) -> frozenset[str]:
    """Where an App Flip code may be bound: the web flow's redirect URIs and the Google Home
    app's universal links."""
    return config.redirect_uris() | GOOGLE_HOME_REDIRECT_URIS


def _refused(status: int, error: str, description: str, **headers: str) -> Response:
    logs.warning("app flip refused", error=error, reason=description)
    return json_answer(status, {"error": error, "error_description": description}, headers)


def app_flip(
    linking: Linking,
    form: Mapping[str, str],
    authorization: str | None,
    source: str,
    now: datetime,
) -> Response:
    """An authorization code for the user an ID token proves. Client and redirect URI are
    checked first (no I/O); the ID token is counted against the source before it is checked,
    and taken back unless it failed (as a password is on the sign-in page)."""
    config = linking.config
    client_id, redirect_uri = form.get("client_id", ""), form.get("redirect_uri", "")
    if not config.oauth_client_id or client_id != config.oauth_client_id:
        return _refused(400, "unauthorized_client", "unknown client_id")
    if redirect_uri not in redirect_uris(config):
        return _refused(400, "invalid_request", "redirect_uri is not allowed")
    try:
        id_token = tokens.bearer_token(authorization)
    except Unauthorized:
        return _refused(401, "invalid_token", "an ID token is required", **CHALLENGE)
    user_id = _verified(linking, id_token, source, now)
    if isinstance(user_id, Response):
        return user_id
    if not valid_id(user_id):
        return _refused(400, "invalid_request", "this user id cannot be an agentUserId")
    return _issue(linking, user_id, client_id, redirect_uri, now)


CHALLENGE = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def _verified(linking: Linking, id_token: str, source: str, now: datetime) -> str | Response:
    """The uid an ID token proves, or the answer to give: the check counted first against the
    source's failed sign-ins in one atomic step, taken back when it did not fail."""
    records = linking.records
    counters = {counter_key("signin-source", source): SIGN_IN_SOURCE_LIMIT}
    if not records.reserve(counters, now, FAILURE_WINDOW):
        retry = {"Retry-After": str(int(FAILURE_WINDOW.total_seconds()))}
        return _refused(429, "temporarily_unavailable", "too many failed attempts", **retry)
    try:
        user_id = linking.identity.verify(id_token)
    except SignInFailed as failed:
        return _refused(401, "invalid_token", str(failed), **CHALLENGE)
    except SignInUnavailable as error:
        release(records, counters, now)
        logs.error("identity provider unavailable", reason=str(error))
        body = {"error": "temporarily_unavailable", "error_description": "try again soon"}
        return json_answer(503, body, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    except Exception:
        release(records, counters, now)
        raise
    release(records, counters, now)
    return user_id


def _issue(
    linking: Linking, user_id: str, client_id: str, redirect_uri: str, now: datetime
) -> Response:
    ttl = timedelta(seconds=linking.config.auth_code_ttl_seconds)
    code = grants.new_secret()
    record = grants.code_record(user_id, client_id, redirect_uri, now, ttl)
    if not linking.records.issue_code(tokens.token_hash(code), record):
        raise RuntimeError("a fresh authorization code collided")  # 256 random bits: never
    logs.info("authorization code issued", user=logs.user_ref(user_id), flow="appflip")
    return json_answer(200, {"code": code, "expires_in": int(ttl.total_seconds())})
