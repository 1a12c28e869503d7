"""GET /authorize (the sign-in page, after checking client and redirect URI) and POST /authorize
(sign in; redirect back with a short-lived, single-use code, or ``error=access_denied``)."""

from collections.abc import Mapping
from datetime import datetime, timedelta

from functions.account_linking import grants, pages
from functions.account_linking.answers import HTML, PRODUCT, Response, redirect
from functions.account_linking.identity import SignInFailed, SignInUnavailable
from functions.account_linking.linking import Linking
from functions.account_linking.throttle import (
    FAILURE_WINDOW,
    SIGN_IN_SOURCE_LIMIT,
    USER_FAILURE_LIMIT,
    counter_key,
    release,
)
from functions.core import logs, tokens

REQUEST_TTL = timedelta(minutes=15)


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
        return redirect(redirect_uri, error="unsupported_response_type", state=state)
    if not state:
        return redirect(
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


def expired() -> Response:
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
        return expired()
    if form.get("action") == "cancel":
        if not records.claim_request(request_id):
            return expired()
        logs.info("linking cancelled")
        return redirect(pending["redirectUri"], error="access_denied", state=pending["state"])
    user_id = _password(linking, form, request_id, source, now)
    if isinstance(user_id, Response):
        return user_id
    code = grants.new_secret()
    ttl = timedelta(seconds=linking.config.auth_code_ttl_seconds)
    record = grants.code_record(user_id, pending["clientId"], pending["redirectUri"], now, ttl)
    if not records.claim_request(request_id, (tokens.token_hash(code), record)):
        logs.warning("sign-in page already used")
        return expired()
    logs.info("authorization code issued", user=logs.user_ref(user_id))
    return redirect(pending["redirectUri"], code=code, state=pending["state"])


def _password(
    linking: Linking, form: Mapping[str, str], request_id: str, source: str, now: datetime
) -> str | Response:
    """The signed-in user's id, or the page to answer. Each check is counted first against the
    account's and the source's limits in one atomic step (concurrent guesses cannot overtake
    the count); a check that did not fail is taken back."""
    records, email = linking.records, form.get("email", "")
    counters = {
        counter_key("account", email): USER_FAILURE_LIMIT,
        counter_key("signin-source", source): SIGN_IN_SOURCE_LIMIT,
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
        release(records, counters, now)
        logs.error("identity provider unavailable", reason=str(error))
        return Response(
            503,
            pages.sign_in(request_id, PRODUCT, email, "Sign-in is unavailable. Try again soon."),
            HTML,
        )
    except Exception:
        release(records, counters, now)
        raise
    release(records, counters, now)
    return user_id
