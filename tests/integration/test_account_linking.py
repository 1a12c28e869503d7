"""Account linking over the real Firestore emulator, with a stand-in identity provider:
the authorization-code flow, refresh rotation, and every error path."""

import base64
import json
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest

from devstack.auth_emulator import API_KEY, create_user, sign_in_with_password
from devstack.emulators import Emulator
from functions.account_linking.http import Linking
from functions.account_linking.identity import FirebasePasswordSignIn
from functions.account_linking.throttle import (
    SIGN_IN_SOURCE_LIMIT,
    TOKEN_SOURCE_LIMIT,
    USER_FAILURE_LIMIT,
)
from functions.fulfillment.firestore_store import FirestoreStore
from functions.fulfillment.webhook import respond as fulfillment_respond
from tests.support.emulator import PROJECT
from tests.support.linking import (
    GOOGLE,
    GOOGLE_HOME_IOS,
    NOW,
    SECRET,
    app_flip,
    authorize_query,
    call,
    disconnect_status,
    error_of,
    exchange,
    fulfillment,
    linked,
    location,
    refresh,
    request_id,
    sign_in,
    sync_status,
)
from tests.support.world import intent, light

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


# --- several Google users on one account (issue 21 item 3) ----------------------------------


def test_two_google_users_of_one_account_unlink_one_at_a_time(linking, store, person) -> None:
    """Two members of a household link the same account (two grants, two refresh-token
    families). DISCONNECT from one revokes that grant only: the other keeps SYNC, QUERY and
    refresh, and the user stays linked with the same linkedAt (what on_device_change reads);
    the second DISCONNECT, the last grant, unlinks the user."""
    uid = person[0]
    store.device(uid, "lamp").set(light())
    first, second = linked(linking, person), linked(linking, person)
    assert sync_status(store, first["access_token"]) == 200
    linked_at = (store.user(uid).get().to_dict() or {})["linkedAt"]

    assert disconnect_status(store, first["access_token"]) == 200
    assert sync_status(store, first["access_token"]) == 401
    assert error_of(refresh(linking, first["refresh_token"])) == (400, "invalid_grant")
    user = store.user(uid).get().to_dict() or {}
    assert (user["linked"], user["linkedAt"]) == (True, linked_at), "still linked, same linking"

    assert sync_status(store, second["access_token"]) == 200
    query = intent("QUERY", {"devices": [{"id": "lamp"}]})
    states = fulfillment(store, second["access_token"], query).body["payload"]["devices"]
    assert states["lamp"]["on"] is True
    renewed = json.loads(refresh(linking, second["refresh_token"]).body)
    assert sync_status(store, renewed["access_token"]) == 200
    assert store.is_linked(uid)

    assert disconnect_status(store, renewed["access_token"]) == 200
    assert not store.is_linked(uid), "the last grant is gone"
    assert sync_status(store, renewed["access_token"]) == 401
    assert error_of(refresh(linking, renewed["refresh_token"])) == (400, "invalid_grant")


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


# --- App Flip (issue 21 item 2) -------------------------------------------------------------------


@pytest.fixture
def firebase(linking: Linking, auth_emulator: Emulator) -> Linking:
    """Account linking whose identity is Firebase Authentication (the Auth emulator), verifying
    ID tokens as it does in production (identity.py)."""
    identity = FirebasePasswordSignIn(PROJECT, API_KEY, auth_emulator.host)
    return Linking(linking.records, identity, linking.config)


def app_user(auth_emulator: Emulator) -> tuple[str, str]:
    """A person signed in to the maker's app: (uid, the app's Firebase ID token)."""
    uid = f"app-{uuid.uuid4().hex[:8]}"
    create_user(auth_emulator.host, PROJECT, uid, f"{uid}@example.com", "a long passphrase")
    signed = sign_in_with_password(auth_emulator.host, f"{uid}@example.com", "a long passphrase")
    return uid, signed["idToken"]


def unsigned_jwt(**claims: object) -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}."


@pytest.mark.parametrize("redirect_uri", [GOOGLE_HOME_IOS, GOOGLE])
def test_app_flip_gives_the_apps_user_a_code_google_exchanges_like_a_web_one(
    firebase: Linking, store: FirestoreStore, auth_emulator: Emulator, redirect_uri: str
) -> None:
    uid, id_token = app_user(auth_emulator)
    store.device(uid, "lamp").set(light())
    answer = app_flip(firebase, id_token, redirect_uri=redirect_uri)
    assert answer.status == 200 and answer.headers["Cache-Control"] == "no-store"
    flipped = json.loads(answer.body)
    assert set(flipped) == {"code", "expires_in"} and flipped["expires_in"] == 300
    elsewhere = exchange(firebase, flipped["code"], redirect_uri="http://127.0.0.1:9/callback")
    assert error_of(elsewhere) == (400, "invalid_grant"), "bound to the app's redirect URI"
    tokens = json.loads(exchange(firebase, flipped["code"], redirect_uri=redirect_uri).body)
    assert sync_status(store, tokens["access_token"]) == 200
    assert store.is_linked(uid)
    again = exchange(firebase, flipped["code"], redirect_uri=redirect_uri)
    assert error_of(again) == (400, "invalid_grant"), "single use"
    assert sync_status(store, tokens["access_token"]) == 401, "a reused code revokes its grant"


def test_an_app_flip_code_expires_like_a_web_one(
    firebase: Linking, auth_emulator: Emulator
) -> None:
    _, id_token = app_user(auth_emulator)
    code = json.loads(app_flip(firebase, id_token).body)["code"]
    late = exchange(firebase, code, redirect_uri=GOOGLE_HOME_IOS, now=NOW + timedelta(seconds=301))
    assert error_of(late) == (400, "invalid_grant")


def test_app_flip_refuses_a_bad_client_redirect_or_id_token(
    firebase: Linking, auth_emulator: Emulator
) -> None:
    uid, id_token = app_user(auth_emulator)
    assert error_of(app_flip(firebase, id_token, client_id="someone")) == (
        400,
        "unauthorized_client",
    )
    for uri in ("https://evil.example/a/com.google.Chromecast", GOOGLE_HOME_IOS + "x"):
        assert error_of(app_flip(firebase, id_token, redirect_uri=uri)) == (400, "invalid_request")
    now = int(time.time())
    issuer = f"https://securetoken.google.com/{PROJECT}"
    for forged in (
        "not-a-token",
        unsigned_jwt(aud="demo-other", iss="https://securetoken.google.com/demo-other", sub=uid),
        unsigned_jwt(aud=PROJECT, iss=issuer, sub=uid, exp=now - 10),
        unsigned_jwt(aud=PROJECT, iss=issuer, sub="", exp=now + 600),
    ):
        answer = app_flip(firebase, forged)
        assert error_of(answer) == (401, "invalid_token")
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert error_of(app_flip(firebase, None)) == (401, "invalid_token")
    slash = unsigned_jwt(aud=PROJECT, iss=issuer, sub="a/b", exp=now + 600)
    assert error_of(app_flip(firebase, slash)) == (400, "invalid_request"), "no agentUserId"


def test_failed_app_flips_count_against_the_source(
    firebase: Linking, auth_emulator: Emulator
) -> None:
    source = f"2001:db8:{uuid.uuid4().int % 65000:x}::1"
    statuses = [
        app_flip(firebase, f"forged-{i}", source=source).status
        for i in range(SIGN_IN_SOURCE_LIMIT + 1)
    ]
    assert statuses == [401] * SIGN_IN_SOURCE_LIMIT + [429]
    _, id_token = app_user(auth_emulator)
    refused = app_flip(firebase, id_token, source=source)
    assert refused.status == 429 and refused.headers["Retry-After"] == "900"
    assert app_flip(firebase, id_token).status == 200, "another address has its own budget"


def test_app_flip_through_main_reads_the_bearer_header(
    firebase: Linking, auth_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flask

    import main
    from functions import wiring

    monkeypatch.setattr(wiring, "linking", lambda: firebase)
    _, id_token = app_user(auth_emulator)
    with flask.Flask(__name__).test_request_context(
        "/appflip",
        method="POST",
        data={"client_id": "google", "redirect_uri": GOOGLE_HOME_IOS},
        headers={"Authorization": f"Bearer {id_token}"},
    ):
        answer: Any = main.account_linking(flask.request)
    body, status, headers = answer
    assert status == 200 and json.loads(body)["code"], body
    assert headers["Content-Type"] == "application/json"
