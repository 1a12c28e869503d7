"""Account linking under attack (issue 8), over the real Firestore emulator: nobody without the
client's credentials can lock Google or other users out, a stolen refresh token is caught, and
concurrent or oversized requests get clear answers, never a 500."""

import base64
import json
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from functions.account_linking import grants
from functions.account_linking.http import Linking, source_address
from functions.account_linking.throttle import (
    SIGN_IN_SOURCE_LIMIT,
    TOKEN_SOURCE_LIMIT,
    USER_FAILURE_LIMIT,
)
from functions.fulfillment.firestore_store import FirestoreStore
from tests.support.linking import (
    GOOGLE,
    NOW,
    SECRET,
    Passwords,
    authorize_query,
    call,
    error_of,
    exchange,
    location,
    refresh,
    request_id,
    sign_in,
    sync_status,
)

ATTACKER = "203.0.113.66"
GOOGLE_ADDRESS = "198.51.100.7"
GRACE = grants.REFRESH_RETRY_GRACE


class CountingPasswords(Passwords):
    """Passwords that count how many times a password was checked (thread-safe)."""

    def __init__(self) -> None:
        super().__init__()
        self.checks = 0
        self.lock = threading.Lock()

    def sign_in(self, email: str, password: str) -> str:
        with self.lock:
            self.checks += 1
        return super().sign_in(email, password)


@pytest.fixture
def people() -> CountingPasswords:
    """The conftest's ``linking`` and ``person`` over passwords that count their checks."""
    return CountingPasswords()


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_request(linking: Linking, form: dict[str, str], **kwargs: Any) -> Any:
    return call(linking, "POST", "/token", form=form, **kwargs)


JUNK: list[tuple[dict[str, str], str | None]] = [
    ({"grant_type": "refresh_token", "refresh_token": "x"}, None),
    ({"grant_type": "authorization_code", "code": "x", "client_id": "google"}, None),
    ({"grant_type": "refresh_token", "client_id": "google", "client_secret": "guess"}, None),
    ({"grant_type": "refresh_token", "client_id": "bot", "client_secret": "guess"}, None),
    ({"grant_type": "refresh_token", "refresh_token": "x"}, basic("google", "guess")),
]


def flood_token_endpoint(linking: Linking, count: int, source: str = ATTACKER) -> list[int]:
    statuses = []
    for i in range(count):
        form, authorization = JUNK[i % len(JUNK)]
        answer = token_request(linking, form, authorization=authorization, source=source)
        statuses.append(answer.status)
    return statuses


def code_for(linking: Linking, person: tuple[str, str, str]) -> str:
    answer = sign_in(linking, person[1], person[2])
    assert answer.status == 302, answer.body
    return location(answer)["code"]


# --- finding 1 and 6: the token endpoint's failure budget ---------------------------------------


def test_junk_token_requests_never_lock_google_out(linking: Linking, person) -> None:
    """Junk from the same address as Google's (a shared NAT, a missing source) cannot either."""
    flood_token_endpoint(linking, 100, source=GOOGLE_ADDRESS)
    answer = exchange(linking, code_for(linking, person), now=NOW)
    assert answer.status == 200, answer.body
    assert refresh(linking, json.loads(answer.body)["refresh_token"]).status == 200
    assert sign_in(linking, person[1], person[2]).status == 302, "sign-in has its own budget"


def test_failed_client_authentication_is_limited_per_source_address(
    linking: Linking, person
) -> None:
    attacker = f"203.0.113.{uuid.uuid4().int % 200 + 1}"
    statuses = flood_token_endpoint(linking, TOKEN_SOURCE_LIMIT + 3, source=attacker)
    assert statuses[:TOKEN_SOURCE_LIMIT] == [401] * TOKEN_SOURCE_LIMIT
    assert statuses[TOKEN_SOURCE_LIMIT:] == [429] * 3
    other = flood_token_endpoint(linking, 1, source="198.51.100.200")
    assert other == [401], "another address has its own budget"
    code = code_for(linking, person)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": GOOGLE}
    answer = token_request(linking, form, authorization=basic("google", SECRET), source=attacker)
    assert answer.status == 200, "the right credentials are never throttled"


def test_basic_secret_guesses_are_charged_to_the_guesser_not_the_form_client_id(
    linking: Linking,
) -> None:
    source = f"203.0.114.{uuid.uuid4().int % 200 + 1}"
    statuses = []
    for i in range(TOKEN_SOURCE_LIMIT + 1):
        form = {"grant_type": "refresh_token", "refresh_token": "x", "client_id": f"decoy-{i}"}
        authorization = basic("google", f"guess-{i}")
        statuses.append(token_request(linking, form, authorization=authorization, source=source))
    assert [answer.status for answer in statuses][-2:] == [401, 429]


def test_main_limits_by_the_address_google_front_end_appended(
    linking: Linking, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client may prepend anything to X-Forwarded-For; only the last entry counts."""
    import flask

    import main
    from functions import wiring

    monkeypatch.setattr(wiring, "linking", lambda: linking)
    app = flask.Flask(__name__)
    attacker = f"203.0.115.{uuid.uuid4().int % 200 + 1}"

    def post(forwarded: str) -> int:
        with app.test_request_context(
            "/token",
            method="POST",
            data={"grant_type": "refresh_token", "refresh_token": "x"},
            headers={"X-Forwarded-For": forwarded},
        ):
            answer: Any = main.account_linking(flask.request)
            return int(answer[1])

    statuses = [post(f"10.0.0.{i}, 198.51.100.{i}, {attacker}") for i in range(TOKEN_SOURCE_LIMIT)]
    assert statuses == [401] * TOKEN_SOURCE_LIMIT
    assert post(f"1.1.1.1, {attacker}") == 429
    assert post(f"{attacker}, 198.51.100.99") == 401, "a spoofed entry is not the source"


# --- finding 2: sign-in ------------------------------------------------------------------------


def test_failed_sign_ins_with_made_up_emails_do_not_lock_other_users_out(
    linking: Linking, person
) -> None:
    attackers = [f"203.0.113.{n}" for n in range(100, 103)]
    statuses = {
        address: [
            sign_in(linking, f"nobody-{address}-{i}@example.com", "guess", source=address).status
            for i in range(SIGN_IN_SOURCE_LIMIT + 1)
        ]
        for address in attackers
    }
    answer = sign_in(linking, person[1], person[2], source="192.0.2.77")
    assert answer.status == 302, "a user elsewhere still signs in"
    for address in attackers:
        assert statuses[address][-2:] == [401, 429], "each attacking address is limited"


def test_an_ipv6_source_is_limited_per_64_prefix(linking: Linking) -> None:
    prefix = f"2001:db8:{uuid.uuid4().int % 65000:x}:1:"
    statuses = [
        sign_in(
            linking,
            f"nobody-{i}@example.com",
            "guess",
            source=source_address(f"{prefix}{i:x}::{i:x}", None),
        ).status
        for i in range(SIGN_IN_SOURCE_LIMIT + 1)
    ]
    assert statuses[-1] == 429


# --- finding 3: a stolen, already-rotated refresh token ----------------------------------------


def linked(linking: Linking, person) -> dict[str, Any]:
    answer = exchange(linking, code_for(linking, person))
    assert answer.status == 200
    return json.loads(answer.body)


def test_an_old_refresh_token_after_the_grace_window_revokes_the_grant(
    linking: Linking, store: FirestoreStore, person
) -> None:
    first = linked(linking, person)
    google = json.loads(refresh(linking, first["refresh_token"]).body)
    stolen = refresh(linking, first["refresh_token"], now=NOW + GRACE + timedelta(seconds=1))
    assert error_of(stolen) == (400, "invalid_grant")
    assert sync_status(store, google["access_token"]) == 401, "the whole grant is revoked"
    assert error_of(refresh(linking, google["refresh_token"])) == (400, "invalid_grant")


def test_a_thief_inside_the_grace_window_is_caught_when_google_next_refreshes(
    linking: Linking, store: FirestoreStore, person
) -> None:
    first = linked(linking, person)
    google = json.loads(refresh(linking, first["refresh_token"]).body)
    thief = refresh(linking, first["refresh_token"], now=NOW + timedelta(seconds=5))
    assert thief.status == 200, "indistinguishable from a retry of a lost answer"
    stolen = json.loads(thief.body)
    later = NOW + timedelta(minutes=30)
    assert error_of(refresh(linking, google["refresh_token"], now=later)) == (400, "invalid_grant")
    assert sync_status(store, stolen["access_token"]) == 401, "the thief's tokens are revoked"
    assert error_of(refresh(linking, stolen["refresh_token"], now=later)) == (400, "invalid_grant")


def test_a_retry_is_honoured_once_the_successor_is_unused_and_within_the_window(
    linking: Linking, person
) -> None:
    first = linked(linking, person)
    refresh(linking, first["refresh_token"])
    inside = refresh(linking, first["refresh_token"], now=NOW + GRACE - timedelta(seconds=1))
    assert inside.status == 200
    retried = json.loads(inside.body)
    assert refresh(linking, retried["refresh_token"], now=NOW + GRACE).status == 200


# --- finding 4 and 5: concurrency --------------------------------------------------------------


def parallel(count: int, task: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(count)

    def run(i: int) -> Any:
        barrier.wait()
        return task(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_a_sign_in_page_yields_one_code_under_concurrent_submits(linking: Linking, person) -> None:
    page = call(linking, "GET", "/authorize", query=authorize_query())
    form = {
        "request": request_id(page.body),
        "email": person[1],
        "password": person[2],
        "action": "link",
    }
    answers = parallel(5, lambda _: call(linking, "POST", "/authorize", form=form))
    statuses = sorted(answer.status for answer in answers)
    assert statuses == [302, 400, 400, 400, 400], statuses


def test_concurrent_cancel_and_sign_in_yield_one_code_and_cancel_writes_nothing(
    linking: Linking, person
) -> None:
    """Cancel is a redirect with access_denied and stores nothing (the page is unauthenticated
    until the password is checked); among the sign-ins of one page, one gets the code."""
    page = call(linking, "GET", "/authorize", query=authorize_query())
    form = {"request": request_id(page.body), "email": person[1], "password": person[2]}
    actions = ["cancel", "link"] * 3
    answers = parallel(
        6, lambda i: call(linking, "POST", "/authorize", form={**form, "action": actions[i]})
    )
    cancels = [answers[i] for i in range(0, 6, 2)]
    links = sorted((answers[i] for i in range(1, 6, 2)), key=lambda answer: answer.status)
    assert [location(answer)["error"] for answer in cancels] == ["access_denied"] * 3
    assert [answer.status for answer in links] == [302, 400, 400]
    assert set(location(links[0])) == {"code", "state"}


def test_the_per_account_limit_holds_under_concurrent_wrong_passwords(
    linking: Linking, people: CountingPasswords, person
) -> None:
    page = call(linking, "GET", "/authorize", query=authorize_query())
    form = {"request": request_id(page.body), "email": person[1], "password": "wrong"}
    answers = parallel(
        25,
        lambda i: call(
            linking, "POST", "/authorize", form={**form, "action": "link"}, source=f"192.0.2.{i}"
        ),
    )
    assert people.checks == USER_FAILURE_LIMIT, "each password check was counted first"
    statuses = sorted(answer.status for answer in answers)
    assert statuses == [401] * USER_FAILURE_LIMIT + [429] * (25 - USER_FAILURE_LIMIT)


# --- finding 7: bounded parameters, ids and errors ---------------------------------------------


def test_an_oversized_state_gets_a_clear_400(linking: Linking) -> None:
    answer = call(linking, "GET", "/authorize", query=authorize_query(state="s" * 1_000_000))
    assert answer.status == 400 and "Location" not in answer.headers
    assert answer.headers["Content-Type"].startswith("text/html")
    assert call(linking, "GET", "/authorize", query=authorize_query(state="s" * 2048)).status == 200


@pytest.mark.parametrize(
    "request_id_value", ["__x__", ".", "..", "a/b", "__" + "a" * 60 + "__", "x" * 5000, ""]
)
def test_forged_request_ids_get_the_expired_page(linking: Linking, request_id_value: str) -> None:
    form = {"request": request_id_value, "email": "a@example.com", "password": "p"}
    for action in ("link", "cancel"):
        answer = call(linking, "POST", "/authorize", form={**form, "action": action})
        assert answer.status == 400 and "Location" not in answer.headers


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "refresh_token", "refresh_token": "r" * 100_000},
        {"grant_type": "authorization_code", "code": "c" * 100_000, "redirect_uri": GOOGLE},
        {"grant_type": "authorization_code", "code": "c", "redirect_uri": "u" * 100_000},
        {"grant_type": "g" * 100_000},
    ],
)
def test_oversized_token_parameters_get_an_rfc_6749_error(linking: Linking, form: dict) -> None:
    answer = token_request(linking, {**form, "client_id": "google", "client_secret": SECRET})
    assert error_of(answer) == (400, "invalid_request")


def test_oversized_sign_in_fields_get_a_400_page(linking: Linking) -> None:
    page = call(linking, "GET", "/authorize", query=authorize_query())
    form = {"request": request_id(page.body), "email": "e" * 100_000, "password": "p"}
    answer = call(linking, "POST", "/authorize", form={**form, "action": "link"})
    assert answer.status == 400 and answer.headers["Content-Type"].startswith("text/html")


def test_main_answers_an_unparsable_body_itself(
    linking: Linking, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flask

    import main
    from functions import wiring

    monkeypatch.setattr(wiring, "linking", lambda: linking)
    app = flask.Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 100  # the framework refuses to parse a larger body
    for path, kind in (("/token", "application/json"), ("/authorize", "text/html")):
        with app.test_request_context(path, method="POST", data={"state": "s" * 1000}):
            answer: Any = main.account_linking(flask.request)
        body, status, headers = answer
        assert status == 400 and headers["Content-Type"].startswith(kind), body


class Broken:
    """A records adapter whose every call fails, as Firestore does when it is unreachable."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("firestore unreachable")

        return fail


def test_an_internal_failure_gets_a_clear_page_or_json_never_a_framework_500(
    linking: Linking, person
) -> None:
    broken = Linking(Broken(), linking.identity, linking.config)
    shown = call(broken, "GET", "/authorize", query=authorize_query())
    assert shown.status == 200, "the sign-in page needs no store"
    form = {"request": request_id(shown.body), "email": person[1], "password": person[2]}
    page = call(broken, "POST", "/authorize", form={**form, "action": "link"})
    assert page.status == 503 and "Account linking" in page.body
    assert page.headers["Content-Type"].startswith("text/html")
    answer = call(
        broken,
        "POST",
        "/token",
        form={"grant_type": "refresh_token", "refresh_token": "x"},
        authorization=basic("google", SECRET),
    )
    assert error_of(answer) == (503, "temporarily_unavailable")


def test_pages_are_not_sniffed(linking: Linking) -> None:
    for answer in (
        call(linking, "GET", "/authorize", query=authorize_query()),
        call(linking, "GET", "/authorize", query=authorize_query(client_id="x")),
        call(linking, "POST", "/authorize", form={"request": "x"}),
        call(linking, "POST", "/token", form={}),
    ):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


# --- issue 22 item 12: repeated parameters, and what an unauthenticated GET costs ---------------


def through_main(linking: Linking, monkeypatch: pytest.MonkeyPatch, method: str, url: str, **kw):
    """``main.account_linking`` on a request Flask parses, as deployed."""
    import flask

    import main
    from functions import wiring

    monkeypatch.setattr(wiring, "linking", lambda: linking)
    with flask.Flask(__name__).test_request_context(url, method=method, **kw):
        return main.account_linking(flask.request)


AUTHORIZE = f"client_id=google&redirect_uri={GOOGLE}&response_type=code&state=a"


@pytest.mark.parametrize(
    ("method", "url", "data", "kind"),
    [
        ("POST", "/token", "client_id=a&client_id=b&grant_type=refresh_token", "json"),
        ("POST", "/token", "grant_type=refresh_token&" + "client_id=google&" * 5000, "json"),
        ("POST", "/token", "client_id=google&client_secret=x&client_secret=y", "json"),
        ("GET", f"/authorize?{AUTHORIZE}&client_id=google", "", "html"),
        ("GET", f"/authorize?{AUTHORIZE}&state=b", "", "html"),
        ("POST", "/authorize", f"request={'0' * 64}&request={'1' * 64}&action=cancel", "html"),
    ],
)
def test_repeated_parameters_are_refused_before_any_io(
    linking: Linking, monkeypatch: pytest.MonkeyPatch, method: str, url: str, data: str, kind: str
) -> None:
    """RFC 6749 section 3.1: "Request and response parameters MUST NOT be included more than
    once". Refused as invalid_request before anything is read or written (a store that fails
    on any call would turn I/O into a 503)."""
    broken = Linking(Broken(), linking.identity, linking.config)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    body, status, answer_headers = through_main(
        broken, monkeypatch, method, url, data=data, headers=headers
    )
    assert status == 400, body
    if kind == "json":
        assert json.loads(body)["error"] == "invalid_request"
    else:
        assert answer_headers["Content-Type"].startswith("text/html")
        assert "Location" not in answer_headers


def test_the_sign_in_page_costs_no_io(linking: Linking, monkeypatch: pytest.MonkeyPatch) -> None:
    """GET /authorize is unauthenticated: it writes nothing (the page carries the pending
    request, sealed), so a flood of GETs costs no Firestore document at all."""
    broken = Linking(Broken(), linking.identity, linking.config)
    for _ in range(20):
        page = call(broken, "GET", "/authorize", query=authorize_query())
        assert page.status == 200 and 'name="request"' in page.body
    query = "&".join(f"{k}={v}" for k, v in authorize_query().items())
    _, status, _ = through_main(broken, monkeypatch, "GET", f"/authorize?{query}")
    assert status == 200
