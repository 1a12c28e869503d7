"""GET /authorize (the sign-in page, after checking client and redirect URI; no I/O) and POST
/authorize (sign in; redirect back with a short-lived, single-use code, or
``error=access_denied``)."""

from collections.abc import Mapping
from datetime import datetime, timedelta

from functions.account_linking import grants, pages, pending
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


def authorize(linking: Linking, query: Mapping[str, str], now: datetime) -> Response:
    """The sign-in page, which carries the pending request sealed (functions/account_linking/
    pending.py): nothing is stored until the person signs in, so an unauthenticated GET costs
    no Firestore operation at all."""
    config = linking.config
    client_id, redirect_uri = query.get("client_id", ""), query.get("redirect_uri", "")
    if not config.oauth_client_id or client_id != config.oauth_client_id:
        logs.warning("authorize: unknown client")
        return Response(400, pages.error("Unknown client."), HTML)
    if not config.oauth_client_secret:
        logs.error("account linking is not configured: no OAuth client secret")
        return Response(503, pages.error("Account linking is not set up yet."), HTML)
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
    page = pending.seal(
        pending.opening(client_id, redirect_uri, state, now), config.oauth_client_secret
    )
    return Response(200, pages.sign_in(page, PRODUCT), HTML)


def expired() -> Response:
    return Response(
        400,
        pages.error("This sign-in page has expired. Start again from the Google Home app."),
        HTML,
    )


def sign_in(linking: Linking, form: Mapping[str, str], source: str, now: datetime) -> Response:
    """Open the page's sealed request, check the password, then create the code and mark the
    page used in one atomic commit (creations that fail if the page's marker exists): one page,
    one code, however many submits race. Cancel writes nothing."""
    page = form.get("request", "")
    request = pending.opened(page, linking.config.oauth_client_secret)
    if request is None or request.expires_at <= now:
        return expired()
    if form.get("action") == "cancel":
        logs.info("linking cancelled")
        return redirect(request.redirect_uri, error="access_denied", state=request.state)
    user_id = _password(linking, form, page, source, now)
    if isinstance(user_id, Response):
        return user_id
    code = grants.new_secret()
    ttl = timedelta(seconds=linking.config.auth_code_ttl_seconds)
    record = grants.code_record(user_id, request.client_id, request.redirect_uri, now, ttl)
    used = (request.page_id, request.expires_at)
    if not linking.records.issue_code(tokens.token_hash(code), record, used):
        logs.warning("sign-in page already used")
        return expired()
    logs.info("authorization code issued", user=logs.user_ref(user_id))
    return redirect(request.redirect_uri, code=code, state=request.state)


def _password(
    linking: Linking, form: Mapping[str, str], page: str, source: str, now: datetime
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
            pages.sign_in(page, PRODUCT, email, "Too many failed attempts. Try again later."),
            {**HTML, "Retry-After": str(int(FAILURE_WINDOW.total_seconds()))},
        )
    try:
        user_id = linking.identity.sign_in(email, form.get("password", ""))
    except SignInFailed:
        logs.warning("sign-in failed")
        return Response(401, pages.sign_in(page, PRODUCT, email, "Wrong email or password."), HTML)
    except SignInUnavailable as error:
        release(records, counters, now)
        logs.error("identity provider unavailable", reason=str(error))
        return Response(
            503,
            pages.sign_in(page, PRODUCT, email, "Sign-in is unavailable. Try again soon."),
            HTML,
        )
    except Exception:
        release(records, counters, now)
        raise
    release(records, counters, now)
    return user_id
