"""Hostile inputs over the real Firestore emulator: a subset of tests/unit/test_hostile_inputs.py,
plus what only the real store shows (its RPCs, its commit limits, its error messages)."""

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from functions.core import tokens
from functions.fulfillment import intents, webhook
from functions.fulfillment.firestore_store import FirestoreStore
from tests.support.counting import CountingApi
from tests.support.emulator import PROJECT
from tests.support.hostile_cases import CASES, Case, check_answer, query, thermostat, user_token
from tests.support.world import execute_body, light

SUBSET = [
    name
    for name in CASES
    if (" id " in name and "too long" not in name)
    or name.startswith(("token user", "forged token, nesting 100000", "nesting 5000"))
    or (name.startswith("number") and ("1e400" in name or "2^63" in name))
    or name.startswith(("absurd", "execute over", "forged token, query of 20,000"))
    or (name.startswith("requestId") and name.endswith(("execute", "query")))
]


@pytest.fixture
def user() -> str:
    return f"hostile-{uuid.uuid4().hex[:10]}"


def token_for(store: FirestoreStore, user_id: str, kind: str) -> str:
    if kind == "valid":
        token = tokens.issue(user_id)
        record = tokens.record(user_id, tokens.ACCESS, datetime.now(UTC), timedelta(hours=1))
        store.save_token(tokens.token_hash(token), record)
        return token
    if kind == "forged":
        return tokens.issue(user_id)
    return user_token({"user .": ".", "user ..": "..", "user __x__": "__x__"}.get(kind, "u" * 1501))


def devices(store: FirestoreStore, user_id: str) -> dict[str, Any]:
    return store.list_devices(user_id)


@pytest.mark.parametrize("name", SUBSET)
def test_hostile_input_over_firestore(
    store: FirestoreStore, user: str, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    case: Case = CASES[name]
    store.device(user, "lamp").set(light())
    store.device(user, "hall").set(thermostat())
    token = token_for(store, user, case.token)
    before = devices(store, user)
    capsys.readouterr()
    answer = webhook.respond("POST", f"Bearer {token}", case.raw, lambda: store)
    check_answer(case, answer, capsys.readouterr().out)
    after = devices(store, user)
    if case.outcomes.get("lamp") == "SUCCESS" and "execute" in name:
        assert after["lamp"]["states"]["on"] is False
        after["lamp"]["states"]["on"] = True
    assert after == before


def counting_store() -> tuple[FirestoreStore, CountingApi]:
    client = firestore.Client(project=PROJECT)
    counter = CountingApi(client._firestore_api)
    client._firestore_api_internal = counter
    return FirestoreStore(client), counter


def test_a_forged_token_with_20000_ids_reads_only_its_token(
    store: FirestoreStore, user: str
) -> None:
    counted, counter = counting_store()
    raw = query(*(f"d{n}" for n in range(20_000)))
    answer = webhook.respond("POST", f"Bearer {tokens.issue(user)}", raw, lambda: counted)
    assert answer.status == 401
    assert counter.calls == Counter({"batch_get_documents": 1})


def test_a_malformed_token_costs_no_rpc(store: FirestoreStore) -> None:
    counted, counter = counting_store()
    raw = query(*(f"d{n}" for n in range(20_000)))
    for user_id in (".", "..", "__x__"):
        answer = webhook.respond("POST", f"Bearer {user_token(user_id)}", raw, lambda: counted)
        assert answer.status == 401
    assert counter.calls == Counter()


def test_an_execute_at_the_id_cap_commits(store: FirestoreStore, user: str) -> None:
    ids = [f"d{n}" for n in range(intents.MAX_EXECUTE_DEVICE_IDS)]
    batch = store.client.batch()
    for device_id in ids:
        batch.set(store.device(user, device_id), light(on=False))
    batch.commit()
    token = token_for(store, user, "valid")
    raw = json.dumps(execute_body(ids, ("OnOff", {"on": True}))).encode()
    answer = webhook.respond("POST", f"Bearer {token}", raw, lambda: store)
    assert answer.body["payload"]["commands"] == [
        {"ids": ids, "status": "SUCCESS", "states": {"on": True, "online": True}}
    ]
    assert all(doc["states"]["on"] for doc in devices(store, user).values())


def test_a_real_firestore_fault_is_logged_without_the_user_id(
    store: FirestoreStore, capsys: pytest.CaptureFixture[str]
) -> None:
    """Firestore's own error message names the document path; the log line must not."""
    marker = f"MARKER-{uuid.uuid4().hex[:8]}"
    store.device(marker, "lamp").set(light())
    token = token_for(store, marker, "valid")

    class Broken(FirestoreStore):
        def read(self, token_hash: str, user_id: str, device_ids: Any) -> Any:
            return super().read(token_hash, user_id, [*device_ids, "__reserved__"])

    broken = Broken(store.client)
    capsys.readouterr()
    raw = query("lamp")
    answer = webhook.respond("POST", f"Bearer {token}", raw, lambda: broken)
    output = capsys.readouterr().out
    assert answer.body["payload"] == {"errorCode": "transientError"}
    assert marker not in output
    fault = [json.loads(line) for line in output.splitlines() if '"intent failed"' in line]
    assert fault and fault[0]["errorType"] and fault[0]["error"]
