"""Hostile inputs get their documented answer, never a 5xx, a transientError or a logged trace.

Each case is a raw body and a kind of token, run through ``webhook.respond`` over the in-memory
store (which refuses what Firestore refuses); ``tests/integration/test_hostile_firestore.py`` runs
a subset over the Firestore emulator. Documented answers (docs/fulfillment.md): 401 for a bad token
before anything else, 400 ``protocolError`` for a malformed body, per device ``deviceNotFound``
(an id no device can have) or ``valueOutOfRange`` (a param no device can take).
"""

import copy
import json
from typing import Any

import pytest

from functions.core import tokens
from functions.fulfillment import intents, webhook
from functions.fulfillment.memory_store import MemoryStore
from tests.support.hostile_cases import (
    CASES,
    MAX_EXECUTE_IDS,
    MAX_IDS,
    OK,
    TOKENS,
    USER,
    check_answer,
    execute,
    query,
    thermostat,
)
from tests.support.world import light


def home() -> MemoryStore:
    store = MemoryStore()
    store.put_device(USER, "lamp", light())
    store.put_device(USER, "hall", thermostat())
    return store


def contents(store: MemoryStore) -> Any:
    return copy.deepcopy((store.devices, store.users, store.tokens, store.commands))


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_gets_its_documented_answer(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES[name]
    store = home()
    token = TOKENS[case.token](store)
    before = contents(store)
    store.round_trips = store.documents_read = 0
    capsys.readouterr()
    answer = webhook.respond("POST", f"Bearer {token}", case.raw, lambda: store)
    check_answer(case, answer, capsys.readouterr().out)
    if case.outcomes.get("lamp") != OK or "execute" not in name:
        assert contents(store) == before
    else:  # the lamp alone was switched off, with its one command record
        assert store.devices[USER]["lamp"]["states"]["on"] is False
        store.devices[USER]["lamp"]["states"]["on"] = True
        records = store.commands.pop(USER)
        assert [key[0] for key in records] == ["lamp"]
        assert contents(store) == before
    if case.token.startswith(("user", "too long")):
        assert store.round_trips == 0, "a malformed token costs no read"
    if case.token == "forged":
        assert store.documents_read <= 1 + 2, "a forged token reads no more than its token"


def test_a_forged_token_costs_no_more_than_a_valid_one() -> None:
    store = home()
    valid, forged = store.issue_token(USER), tokens.issue(USER)
    raw = query(*(f"d{n}" for n in range(MAX_IDS)))
    reads = []
    for token in (forged, valid):
        store.documents_read = 0
        webhook.respond("POST", f"Bearer {token}", raw, lambda: store)
        reads.append(store.documents_read)
    assert reads[0] <= reads[1] == 1 + MAX_IDS
    too_many = query(*(f"d{n}" for n in range(20_000)))
    for token, status in ((forged, 401), (valid, 400)):
        store.documents_read = 0
        answer = webhook.respond("POST", f"Bearer {token}", too_many, lambda: store)
        assert (answer.status, store.documents_read) == (status, 1)


def test_a_full_batch_at_every_cap_is_served(capsys: pytest.CaptureFixture[str]) -> None:
    store = home()
    ids = [f"d{n}" for n in range(MAX_IDS)]
    for device_id in ids:
        store.put_device(USER, device_id, light(on=False))
    token = store.issue_token(USER)
    assert webhook.respond("POST", f"Bearer {token}", query(*ids), lambda: store).status == 200
    ids = ids[:MAX_EXECUTE_IDS]
    raw = execute(*ids, params={"on": True})
    answer = webhook.respond("POST", f"Bearer {token}", raw, lambda: store)
    assert answer.status == 200
    states = {"on": True, "online": True}
    assert answer.body["payload"]["commands"] == [{"ids": ids, "status": OK, "states": states}]
    assert all(store.devices[USER][i]["states"]["on"] for i in ids)
    raw = execute("lamp", executions=intents.MAX_EXECUTIONS)
    assert webhook.respond("POST", f"Bearer {token}", raw, lambda: store).status == 200
    raw = execute("lamp", commands=intents.MAX_COMMANDS)
    assert webhook.respond("POST", f"Bearer {token}", raw, lambda: store).status == 200


def test_an_answer_holding_a_non_finite_number_is_never_sent() -> None:
    answer = webhook.Answer(200, {"requestId": "r", "payload": {"devices": {"x": float("inf")}}})
    text, status, _ = answer.flask()
    assert (json.loads(text), status) == (
        {"requestId": "r", "payload": {"errorCode": "transientError"}},
        200,
    )
