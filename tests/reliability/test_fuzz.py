"""Fuzzing (hypothesis): generated hostile requests to the fulfillment and to account linking.

For every generated request: no 5xx; the answer is strict JSON (or, for account linking's
pages, a whole HTML page, or a redirect); no trace, file path or exception class name in it; no
ERROR log line (a fault the fulfillment did not expect); a rejected request changes no document;
no request reads or writes another user's devices. The fulfillment runs over the in-memory store
(many examples) and, for a sample, through the local stack's real HTTP server on the Firestore
emulator; account linking in process over the emulator and, for a sample, over HTTP.
"""

import contextlib
import copy
import io
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstack.stack import CLIENT_ID, LocalStack
from functions.account_linking.firestore_records import FirestoreRecords
from functions.account_linking.http import HttpRequest, Linking
from functions.account_linking.http import respond as linking_respond
from functions.core import tokens
from functions.core.config import Config
from functions.fulfillment import webhook
from functions.fulfillment.memory_store import MemoryStore
from tests.support import fuzzing as hostile
from tests.support.figures import MODES, Mode, record
from tests.support.hostile_cases import thermostat
from tests.support.linking import Passwords, location, request_id
from tests.support.world import light

EXAMPLES = {
    # (fast, soak): ~500 in all for make test, over 10,000 for make soak
    "fulfillment over the fake": (300, 7000),
    "fulfillment over HTTP": (40, 1000),
    "account linking in process": (120, 2000),
    "account linking over HTTP": (40, 500),
}
USER, VICTIM = "fuzz-user", "fuzz-victim"


def examples(test: str, mode: Mode) -> settings:
    return settings(
        max_examples=EXAMPLES[test][mode.soak],
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )


class Tally:
    """Counts of what the examples got, for the figures."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.examples = 0
        self.started = time.monotonic()

    def add(self, status: int) -> None:
        self.examples += 1
        self.statuses[status] += 1

    def figures(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "5xx": sum(n for s, n in self.statuses.items() if s >= 500),
            "statuses": dict(sorted(self.statuses.items())),
        }

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


# --- the fulfillment ---------------------------------------------------------------------------


def fake_home() -> tuple[MemoryStore, dict[str, str | None], dict[str, str | None]]:
    """The token user's lamp and thermostat, another user's lamp (same id) and victim-lamp; one
    token of each kind, and whose it is."""
    store = MemoryStore()
    store.put_device(USER, "lamp", light(brightness=41))
    store.put_device(USER, "hall", thermostat())
    store.put_device(VICTIM, "lamp", light(brightness=73))
    store.put_device(VICTIM, "victim-lamp", light(brightness=97))
    valid = store.issue_token(USER)
    expired = store.issue_token(USER, ttl=timedelta(seconds=-1))
    revoked = store.issue_token(USER)
    store.tokens[tokens.token_hash(revoked)]["revoked"] = True
    kinds: dict[str, str | None] = {
        "valid": valid,
        "victim": store.issue_token(VICTIM),
        "forged": tokens.issue(USER),
        "swapped": hostile.swap_user(valid, VICTIM),
        "expired": expired,
        "revoked": revoked,
        "none": None,
    }
    owners: dict[str, str | None] = {"valid": USER, "victim": VICTIM}
    return store, kinds, owners


def fake_contents(store: MemoryStore) -> dict[str, Any]:
    return copy.deepcopy(
        {
            "devices": store.devices,
            "users": store.users,
            "tokens": store.tokens,
            "commands": store.commands,
            "pins": store.pins,
        }
    )


def succeeded(body: dict[str, Any]) -> set[str]:
    """Device ids an EXECUTE answer says were changed."""
    commands = (body.get("payload") or {}).get("commands") or []
    return {i for c in commands if c.get("status") in ("SUCCESS", "PENDING") for i in c["ids"]}


def answered_devices(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Device id -> what the answer says of it (QUERY devices, or EXECUTE command entries)."""
    payload = body.get("payload") or {}
    found = dict(payload.get("devices") or {}) if isinstance(payload.get("devices"), dict) else {}
    for command in payload.get("commands") or []:
        for device_id in command.get("ids", []):
            found[device_id] = command
    return found


def check_fulfillment_answer(
    text: str, status: int, headers: dict[str, str], logged: str, *request: str
) -> dict[str, Any]:
    """The edge's promises for any request: returns the answer's JSON."""
    assert status in (200, 400, 401, 405), (status, text[:300])
    assert headers.get("Content-Type", "").startswith("application/json"), headers
    body = hostile.strict_json(text)
    assert isinstance(body, dict)
    assert not hostile.leaks(text, *request), (hostile.leaks(text, *request), text[:300])
    assert "transientError" not in text, text[:300]
    for line in logged.splitlines():
        entry = json.loads(line)
        assert entry["severity"] != "ERROR", line[:500]
        assert "Traceback" not in line, line[:500]
    return body


def check_fulfillment_effects(
    before: dict[str, Any],
    after: dict[str, Any],
    status: int,
    body: dict[str, Any],
    owner: str | None,
) -> None:
    """A rejected request changes nothing; an accepted one touches only the token's user, and
    only the devices its answer says it changed; no other user's device is in any answer."""
    if status != 200 or owner is None:
        assert after == before, "a rejected request changed a document"
        return
    for user_id in set(before["devices"]) - {owner}:
        assert after["devices"][user_id] == before["devices"][user_id], "another user's device"
        assert after["commands"].get(user_id) == before["commands"].get(user_id)
    changed = {
        device_id
        for device_id, document in after["devices"][owner].items()
        if document != before["devices"][owner].get(device_id)
    }
    assert changed <= succeeded(body), (changed, body)
    own = set(before["devices"][owner])
    for device_id, entry in answered_devices(body).items():
        if device_id not in own:
            assert entry.get("errorCode") == "deviceNotFound", (device_id, entry)
            assert "states" not in entry and "on" not in entry, entry


@pytest.mark.parametrize("mode", MODES)
def test_fuzz_fulfillment_over_the_fake(mode: Mode) -> None:
    tally = Tally()

    @examples("fulfillment over the fake", mode)
    @given(method=hostile.methods, kind=hostile.token_kinds(), raw=hostile.bodies())
    def one(method: str, kind: str, raw: bytes) -> None:
        store, kinds, owners = fake_home()
        token = kinds.get(kind, kind)
        authorization = None if token is None else f"Bearer {token}"
        if kind not in kinds and kind.startswith("Bearer"):
            authorization = kind
        before = fake_contents(store)
        logged = io.StringIO()
        with contextlib.redirect_stdout(logged):
            answer = webhook.respond(method, authorization, raw, lambda: store)
            text, status, headers = answer.flask()
        request = raw.decode("utf-8", "replace")
        body = check_fulfillment_answer(
            text, status, headers, logged.getvalue(), request, authorization or ""
        )
        owner = owners.get(kind) if method == "POST" else None
        check_fulfillment_effects(before, fake_contents(store), status, body, owner)
        tally.add(status)

    one()
    record("fuzz: fulfillment over the fake", mode.name, tally.seconds, **tally.figures())
    assert tally.statuses and max(tally.statuses) < 500


def http(
    url: str, method: str, data: bytes | None, headers: dict[str, str]
) -> tuple[int, str, dict[str, str]]:
    """One request to a local server; any status is an answer (redirects are not followed)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def firestore_contents(stack: LocalStack, *user_ids: str) -> dict[str, Any]:
    """Every device and command record of the users, as the fake's contents."""
    store = stack.store
    devices: dict[str, Any] = {}
    commands: dict[str, Any] = {}
    for user_id in user_ids:
        devices[user_id] = store.list_devices(user_id)
        for device_id in devices[user_id]:
            records = store.device(user_id, device_id).collection("commands").stream()
            commands.setdefault(user_id, {}).update(
                {(device_id, snap.id): snap.to_dict() for snap in records}
            )
    return {"devices": devices, "commands": commands}


@pytest.mark.parametrize("mode", MODES)
def test_fuzz_fulfillment_over_http_on_the_emulator(stack: LocalStack, mode: Mode) -> None:
    tally = Tally()
    run = uuid.uuid4().hex[:8]
    user, victim = f"fuzz-{run}", f"fuzz-victim-{run}"

    def reset() -> dict[str, str | None]:
        for user_id, device_id, document in (
            (user, "lamp", light(brightness=41)),
            (user, "hall", thermostat()),
            (victim, "lamp", light(brightness=73)),
            (victim, "victim-lamp", light(brightness=97)),
        ):
            stack.store.device(user_id, device_id).set(document)
        valid = stack.token_for(user)
        return {
            "valid": valid,
            "victim": stack.token_for(victim),
            "forged": tokens.issue(user),
            "swapped": hostile.swap_user(valid, victim),
            "none": None,
        }

    kinds = reset()

    @examples("fulfillment over HTTP", mode)
    @given(
        method=hostile.methods,
        kind=st.sampled_from(["valid", "valid", "victim", "forged", "swapped", "none"]),
        raw=hostile.bodies(),
    )
    def one(method: str, kind: str, raw: bytes) -> None:
        nonlocal kinds
        token = kinds[kind]
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        before = firestore_contents(stack, user, victim)
        status, text, answer_headers = http(stack.url("fulfillment"), method, raw, headers)
        body = check_fulfillment_answer(
            text, status, answer_headers, "", raw.decode("utf-8", "replace"), token or ""
        )
        owner = {"valid": user, "victim": victim}.get(kind) if method == "POST" else None
        after = firestore_contents(stack, user, victim)
        check_fulfillment_effects(before, after, status, body, owner)
        tally.add(status)
        if b"DISCONNECT" in raw and status == 200:
            kinds = reset()  # DISCONNECT revoked the user's tokens

    one()
    record("fuzz: fulfillment over HTTP (emulator)", mode.name, tally.seconds, **tally.figures())


# --- account linking ---------------------------------------------------------------------------

LINK_PROJECT = "demo-reliability-linking"
GOOGLE = f"https://oauth-redirect.googleusercontent.com/r/{LINK_PROJECT}"
SECRET = "client-secret-for-fuzzing"
GUARDED = ("authRequests", "authCodes", "tokens")
"""What a rejected request must not change (signInFailures counts failures: that is its job)."""


def linking_contents(client: firestore.Client) -> dict[str, Any]:
    return {
        name: {snap.id: snap.to_dict() for snap in client.collection(name).stream()}
        for name in GUARDED
    }


def replay_revocation_only(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """The one change a rejected request may make: a replayed code or refresh token revokes
    the tokens of its grant (docs/account_linking.md)."""
    if before["authRequests"] != after["authRequests"] or before["authCodes"] != after["authCodes"]:
        return False
    if set(before["tokens"]) != set(after["tokens"]):
        return False
    for key, old in before["tokens"].items():
        new = after["tokens"][key]
        if new != old and {k: v for k, v in new.items() if k != "revoked"} != {
            k: v for k, v in old.items() if k != "revoked"
        }:
            return False
    return True


def check_linking_answer(
    route_path: str, method: str, status: int, body: str, headers: dict[str, str], *request: str
) -> None:
    assert status < 500, (status, body[:300])
    assert not hostile.leaks(body, *request), (hostile.leaks(body, *request), body[:300])
    content_type = headers.get("Content-Type", "")
    if status == 302:
        assert headers.get("Location") and body == "", headers
        return
    if route_path.rstrip("/").endswith("token") and method == "POST":
        assert content_type.startswith("application/json"), (content_type, body[:200])
    if content_type.startswith("application/json"):
        answer = hostile.strict_json(body)
        assert "error" in answer or "access_token" in answer, answer
    else:
        assert content_type.startswith("text/html"), content_type
        hostile.whole_html(body)


def request_text(
    query: dict[str, str], form: dict[str, str], authorization: str | None, path: str
) -> str:
    return " ".join([json.dumps([query, form]), *query.values(), *form.values(), path]) + str(
        authorization
    )


@pytest.mark.parametrize("mode", MODES)
def test_fuzz_account_linking_on_the_emulator(stack: LocalStack, mode: Mode) -> None:
    client = firestore.Client(project=LINK_PROJECT)
    people = Passwords()
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    people.users[email] = ("correct horse", "fuzz-linked")
    config = Config(
        project_id=LINK_PROJECT,
        oauth_client_id="google",
        oauth_client_secret=SECRET,
        oauth_redirect_uris="http://127.0.0.1:9/callback",
    )
    linking = Linking(FirestoreRecords(client), people, config)
    now = datetime.now(UTC)

    def call(method: str, path: str, query: dict[str, str], form: dict[str, str]) -> Any:
        return linking_respond(
            linking, HttpRequest(method, path, query, form, None, "192.0.2.1"), now
        )

    authorize = {
        "client_id": "google",
        "redirect_uri": GOOGLE,
        "response_type": "code",
        "state": "s",
    }
    page = request_id(call("GET", "/authorize", authorize, {}).body)
    page2 = request_id(call("GET", "/authorize", authorize, {}).body)
    signed = call(
        "POST", "/authorize", {}, {"request": page, "email": email, "password": "correct horse"}
    )
    code = location(signed)["code"]
    issued = call(
        "POST",
        "/token",
        {},
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": GOOGLE,
            "client_id": "google",
            "client_secret": SECRET,
        },
    )
    refresh = json.loads(issued.body)["refresh_token"]
    known = [
        "google",
        SECRET,
        GOOGLE,
        "code",
        "authorization_code",
        "refresh_token",
        "link",
        "cancel",
        email,
        "correct horse",
        page2,
        code,
        refresh,
        "http://127.0.0.1:9/callback",
    ]
    sources = ["192.0.2.1", "198.51.100.7", "2001:db8::1", "unknown"]
    tally = Tally()

    @examples("account linking in process", mode)
    @given(
        method=hostile.linking_methods,
        path=hostile.linking_paths,
        query=hostile.linking_forms(known),
        form=hostile.linking_forms(known),
        authorization=st.none()
        | st.sampled_from(["Basic Z29vZ2xlOg==", "Basic !!", "Bearer x"])
        | hostile.any_text,
        source=st.sampled_from(sources),
    )
    def one(
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        authorization: str | None,
        source: str,
    ) -> None:
        before = linking_contents(client)
        logged = io.StringIO()
        with contextlib.redirect_stdout(logged):
            answer = linking_respond(
                linking,
                HttpRequest(method, path, query, form, authorization, source),
                datetime.now(UTC),
            )
        text = request_text(query, form, authorization, path)
        check_linking_answer(path, method, answer.status, answer.body, answer.headers, text)
        assert "Traceback" not in logged.getvalue()
        assert '"severity":"ERROR"' not in logged.getvalue(), logged.getvalue()[:500]
        if answer.status >= 400:
            after = linking_contents(client)
            assert after == before or replay_revocation_only(before, after), (
                "a rejected request changed a document"
            )
        tally.add(answer.status)

    one()
    record("fuzz: account linking (emulator)", mode.name, tally.seconds, **tally.figures())


@pytest.mark.parametrize("mode", MODES)
def test_fuzz_account_linking_over_http(stack: LocalStack, mode: Mode) -> None:
    assert stack.google
    client = stack.store.client
    known = [
        CLIENT_ID,
        stack.client_secret,
        stack.google.redirect_uri,
        "code",
        "authorization_code",
        "refresh_token",
        "link",
        "cancel",
        "demo@example.com",
    ]
    tally = Tally()

    @examples("account linking over HTTP", mode)
    @given(
        method=hostile.linking_methods,
        path=hostile.mostly(
            st.sampled_from(hostile.ROUTES[:2]), st.sampled_from(hostile.ODD_PATHS)
        ),
        query=hostile.linking_forms(known),
        form=hostile.linking_forms(known),
        authorization=st.none() | hostile.printable,
    )
    def one(
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        authorization: str | None,
    ) -> None:
        before = linking_contents(client)
        url = stack.url("linking").rstrip("/") + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if authorization is not None:
            headers["Authorization"] = authorization
        data = urllib.parse.urlencode(form).encode() if method != "GET" else None
        status, body, answer_headers = http(url, method, data, headers)
        text = request_text(query, form, authorization, path)
        check_linking_answer(path, method, status, body, answer_headers, text)
        if status >= 400:
            after = linking_contents(client)
            assert after == before or replay_revocation_only(before, after)
        tally.add(status)

    one()
    record("fuzz: account linking over HTTP", mode.name, tally.seconds, **tally.figures())
