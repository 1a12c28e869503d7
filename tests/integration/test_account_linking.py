"""Account linking over the real Firestore emulator, with a stand-in identity provider:
the authorization-code flow, refresh rotation, and every error path."""

import base64
import json
import uuid
from datetime import timedelta

import pytest

from functions.account_linking.http import Linking
from functions.account_linking.throttle import TOKEN_SOURCE_LIMIT, USER_FAILURE_LIMIT
from functions.fulfillment.firestore_store import FirestoreStore
from functions.fulfillment.webhook import respond as fulfillment_respond
from tests.support.linking import (
    GOOGLE,
    NOW,
    PROJECT,
    SECRET,
    authorize_query,
    call,
    error_of,
    exchange,
    linked,
    location,
    refresh,
    request_id,
    sign_in,
    sync_status,
)
from tests.support.world import intent

# --- the authorization endpoint -------------------------------------------------------------


def test_sign_in_page_says_the_account_is_linked_to_google(linking: Linking) -> None:
    page = call(linking, "GET", "/authorize", query=authorize_query())
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Link your smart home account to Google" in page.body
    assert 'value="cancel"' in page.body and 'type="password"' in page.body
    assert page.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "changes",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": "https://evil.example/r/x"},
        {"redirect_uri": f"https://oauth-redirect.googleusercontent.com/r/{PROJECT}-other"},
    ],
)
def test_unknown_client_or_redirect_uri_gets_an_error_page_never_a_redirect(
    linking: Linking, changes: dict
) -> None:
    answer = call(linking, "GET", "/authorize", query=authorize_query(**changes))
    assert answer.status == 400 and "Location" not in answer.headers


def test_both_google_redirect_uris_and_the_configured_one_are_allowed(linking: Linking) -> None:
    for uri in (
        GOOGLE,
        GOOGLE.replace("oauth-redirect", "oauth-redirect-sandbox"),
        "http://127.0.0.1:9/callback",
    ):
        assert (
            call(linking, "GET", "/authorize", query=authorize_query(redirect_uri=uri)).status
            == 200
        )


def test_wrong_response_type_or_missing_state_redirect_with_an_error(linking: Linking) -> None:
    answer = call(linking, "GET", "/authorize", query=authorize_query(response_type="token"))
    assert answer.status == 302
    assert location(answer) == {"error": "unsupported_response_type", "state": "state-123"}
    answer = call(linking, "GET", "/authorize", query=authorize_query(state=""))
    assert location(answer)["error"] == "invalid_request"


def test_cancel_redirects_back_with_access_denied(linking: Linking, person) -> None:
    answer = sign_in(linking, person[1], "", action="cancel")
    assert answer.status == 302 and answer.headers["Location"].startswith(GOOGLE + "?")
    assert location(answer) == {"error": "access_denied", "state": "state-123"}


def test_sign_in_redirects_with_a_code_and_the_state(linking: Linking, person) -> None:
    answer = sign_in(linking, person[1], person[2])
    assert answer.status == 302
    assert set(location(answer)) == {"code", "state"} and location(answer)["state"] == "state-123"


def test_a_sign_in_page_can_be_used_once(linking: Linking, person) -> None:
    page = call(linking, "GET", "/authorize", query=authorize_query())
    form = {
        "request": request_id(page.body),
        "email": person[1],
        "password": person[2],
        "action": "link",
    }
    assert call(linking, "POST", "/authorize", form=form).status == 302
    assert call(linking, "POST", "/authorize", form=form).status == 400
    assert call(linking, "POST", "/authorize", form={**form, "request": "forged"}).status == 400


def test_wrong_password_then_rate_limit_per_user(linking: Linking, person) -> None:
    for _ in range(USER_FAILURE_LIMIT):
        answer = sign_in(linking, person[1], "wrong")
        assert answer.status == 401 and "Wrong email or password" in answer.body
    blocked = sign_in(linking, person[1], person[2])
    assert blocked.status == 429 and "Location" not in blocked.headers
    assert sign_in(linking, f"other-{person[1]}", "x").status == 401, "other users unaffected"


# --- the token endpoint -------------------------------------------------------------------------


def test_code_exchange_answers_rfc_6749_tokens_that_the_fulfillment_accepts(
    linking: Linking, store: FirestoreStore, person
) -> None:
    tokens = linked(linking, person)
    assert set(tokens) == {"token_type", "access_token", "expires_in", "refresh_token"}
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert tokens["access_token"].count(".") == 1, "opaque, not a JWT"
    assert sync_status(store, tokens["access_token"]) == 200
    assert sync_status(store, tokens["refresh_token"]) == 401, "a refresh token is no access token"


def test_http_basic_client_authentication(linking: Linking, person) -> None:
    code = location(sign_in(linking, person[1], person[2]))["code"]
    basic = base64.b64encode(f"google:{SECRET}".encode()).decode()
    answer = call(
        linking,
        "POST",
        "/token",
        authorization=f"Basic {basic}",
        form={"grant_type": "authorization_code", "code": code, "redirect_uri": GOOGLE},
    )
    assert answer.status == 200 and answer.headers["Cache-Control"] == "no-store"


def test_token_errors(linking: Linking, person) -> None:
    code = location(sign_in(linking, person[1], person[2]))["code"]
    wrong_secret = exchange(linking, code, secret="guess")
    assert error_of(wrong_secret) == (401, "invalid_client")
    assert wrong_secret.headers["WWW-Authenticate"].startswith("Basic")
    assert error_of(exchange(linking, code, redirect_uri="http://127.0.0.1:9/callback")) == (
        400,
        "invalid_grant",
    )
    assert error_of(exchange(linking, "no-such-code")) == (400, "invalid_grant")
    assert error_of(
        call(
            linking,
            "POST",
            "/token",
            form={"grant_type": "password", "client_id": "google", "client_secret": SECRET},
        )
    ) == (400, "unsupported_grant_type")
    assert error_of(
        call(linking, "POST", "/token", form={"client_id": "google", "client_secret": SECRET})
    ) == (400, "invalid_request")
    assert exchange(linking, code).status == 200, "failed attempts did not burn the code"


def test_expired_code(linking: Linking, person) -> None:
    code = location(sign_in(linking, person[1], person[2]))["code"]
    late = exchange(linking, code, now=NOW + timedelta(seconds=301))
    assert error_of(late) == (400, "invalid_grant")


def test_reused_code_revokes_every_token_issued_from_it(
    linking: Linking, store: FirestoreStore, person
) -> None:
    code = location(sign_in(linking, person[1], person[2]))["code"]
    tokens = json.loads(exchange(linking, code).body)
    assert error_of(exchange(linking, code)) == (400, "invalid_grant")
    assert sync_status(store, tokens["access_token"]) == 401
    assert error_of(refresh(linking, tokens["refresh_token"])) == (400, "invalid_grant")


def test_refresh_rotates_and_keeps_the_user_linked(linking, store, person) -> None:
    first = linked(linking, person)
    second = json.loads(refresh(linking, first["refresh_token"]).body)
    assert second["refresh_token"] != first["refresh_token"]
    assert sync_status(store, second["access_token"]) == 200
    third = json.loads(refresh(linking, second["refresh_token"]).body)
    assert sync_status(store, third["access_token"]) == 200


def test_a_lost_refresh_answer_can_be_retried(linking, store, person) -> None:
    first = linked(linking, person)
    lost = json.loads(refresh(linking, first["refresh_token"]).body)
    retried = refresh(linking, first["refresh_token"], now=NOW + timedelta(seconds=30))
    assert retried.status == 200, "the successor was never used, so the client may retry"
    newer = json.loads(refresh(linking, json.loads(retried.body)["refresh_token"]).body)
    assert sync_status(store, newer["access_token"]) == 200
    assert error_of(refresh(linking, lost["refresh_token"])) == (400, "invalid_grant")
    assert sync_status(store, newer["access_token"]) == 401, "a superseded token is a replay"


def test_a_replayed_refresh_token_revokes_the_grant(linking, store, person) -> None:
    first = linked(linking, person)
    second = json.loads(refresh(linking, first["refresh_token"]).body)
    third = json.loads(refresh(linking, second["refresh_token"]).body)
    assert error_of(refresh(linking, first["refresh_token"])) == (400, "invalid_grant")
    assert sync_status(store, third["access_token"]) == 401
    assert error_of(refresh(linking, third["refresh_token"])) == (400, "invalid_grant")


def test_expired_refresh_token(linking, person) -> None:
    tokens = linked(linking, person)
    late = refresh(linking, tokens["refresh_token"], now=NOW + timedelta(days=181))
    assert error_of(late) == (400, "invalid_grant")


def test_disconnect_revokes_refresh_tokens_and_relinking_works(linking, store, person) -> None:
    tokens = linked(linking, person)
    answer = fulfillment_respond(
        "POST",
        f"Bearer {tokens['access_token']}",
        json.dumps(intent("DISCONNECT")).encode(),
        lambda: store,
    )
    assert answer.status == 200
    assert error_of(refresh(linking, tokens["refresh_token"])) == (400, "invalid_grant")
    again = linked(linking, person)
    assert sync_status(store, again["access_token"]) == 200


def test_failed_client_attempts_are_rate_limited_per_source(linking: Linking) -> None:
    form = {
        "grant_type": "authorization_code",
        "code": "x",
        "redirect_uri": GOOGLE,
        "client_id": f"bot-{uuid.uuid4().hex[:6]}",
        "client_secret": "guess",
    }
    source = f"2001:db8:{uuid.uuid4().int % 65000:x}::1"
    statuses = [
        call(linking, "POST", "/token", form=form, source=source).status
        for _ in range(TOKEN_SOURCE_LIMIT + 1)
    ]
    assert statuses[:-1] == [401] * TOKEN_SOURCE_LIMIT and statuses[-1] == 429


def test_methods_and_paths(linking: Linking) -> None:
    assert call(linking, "GET", "/token").status == 405
    assert call(linking, "PUT", "/authorize").status == 405
    assert call(linking, "GET", "/elsewhere").status == 404


def test_nothing_secret_is_logged(linking, person, capsys) -> None:
    tokens = linked(linking, person)
    refresh(linking, tokens["refresh_token"])
    sign_in(linking, person[1], "wrong password")
    output = capsys.readouterr().out
    for secret in (
        person[0],
        person[1],
        person[2],
        "wrong password",
        SECRET,
        tokens["access_token"],
        tokens["refresh_token"],
    ):
        assert secret not in output
