"""What a forged bearer token costs, counted on the real Firestore emulator (issue 22 item 9).

Before signed tokens, QUERY and EXECUTE read the token and every listed device in one batch, so a
made-up token naming 300 devices cost 301 billed document reads (measured on the unchanged code:
301 documents in one ``BatchGetDocuments``). A signed token's MAC is checked before any I/O: a
forged one costs nothing, a valid one keeps its one round trip, revocation still read in it."""

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from functions.account_linking import grants
from functions.core import tokens
from functions.fulfillment import webhook
from functions.fulfillment.firestore_store import FirestoreStore
from tests.support.counting import CountingApi
from tests.support.emulator import PROJECT
from tests.support.world import execute_body, intent, light

KEY = "k" * 24 + uuid.uuid4().hex[:16]
NOW = datetime.now(UTC)
SIGNED = tokens.Signer.parse(KEY)
TRANSITION = tokens.Signer.parse(KEY, (NOW + timedelta(hours=1)).isoformat())
IDS = [f"d{n}" for n in range(300)]


@pytest.fixture
def user(store: FirestoreStore) -> str:
    user_id = f"cost-{uuid.uuid4().hex[:10]}"
    batch = store.client.batch()
    for device_id in IDS[:3]:
        batch.set(store.device(user_id, device_id), light())
    batch.commit()
    return user_id


def counted() -> tuple[FirestoreStore, CountingApi]:
    client = firestore.Client(project=PROJECT)
    counter = CountingApi(client._firestore_api)
    client._firestore_api_internal = counter
    return FirestoreStore(client), counter


def saved(store: FirestoreStore, user_id: str, signer: tokens.Signer, **extra: Any) -> str:
    token = tokens.issue(user_id, tokens.ACCESS, signer)
    record = {**tokens.record(user_id, tokens.ACCESS, NOW, timedelta(hours=1)), **extra}
    store.save_token(tokens.token_hash(token), record)
    return token


def ask(token: str, body: dict[str, Any], signer: tokens.Signer) -> tuple[Any, CountingApi]:
    store, counter = counted()
    answer = webhook.respond(
        "POST", f"Bearer {token}", json.dumps(body).encode(), lambda: store, NOW, signer=signer
    )
    return answer, counter


QUERY = intent("QUERY", {"devices": [{"id": i} for i in IDS]})
EXECUTE = execute_body(IDS[:200], ("OnOff", {"on": False}))


@pytest.mark.parametrize("body", [QUERY, EXECUTE], ids=["query", "execute"])
def test_a_forged_signed_token_costs_no_read(user: str, body: dict[str, Any]) -> None:
    """Measured after: 0 documents, 0 RPCs (before: 301 documents for the QUERY)."""
    for forged in (
        tokens.issue(user, tokens.ACCESS, tokens.Signer.parse("x" * 40)),  # another key
        tokens.issue(user) + ".not-a-mac",
        tokens.issue(user, tokens.REFRESH, SIGNED),  # a refresh token is no access token
    ):
        answer, counter = ask(forged, body, SIGNED)
        assert answer.status == 401
        assert (counter.documents_read, counter.calls) == (0, Counter())


def test_a_valid_signed_token_keeps_one_round_trip(store: FirestoreStore, user: str) -> None:
    answer, counter = ask(saved(store, user, SIGNED), QUERY, SIGNED)
    assert answer.status == 200
    assert answer.body["payload"]["devices"]["d0"]["on"] is True
    assert answer.body["payload"]["devices"]["d299"]["errorCode"] == "deviceNotFound"
    assert counter.calls == Counter({"batch_get_documents": 1})
    assert counter.documents_read == 301, "the token record and the 300 devices, together"


def test_a_revoked_signed_token_is_refused_by_its_record_in_the_same_batch(
    store: FirestoreStore, user: str
) -> None:
    token = saved(store, user, SIGNED)
    store.token(tokens.token_hash(token)).update({"revoked": True})
    answer, counter = ask(token, QUERY, SIGNED)
    assert answer.status == 401
    assert counter.calls == Counter({"batch_get_documents": 1})


def test_unsigned_tokens_in_the_transition_are_read_alone_then_refused(
    store: FirestoreStore, user: str
) -> None:
    """An unsigned token (issued before signing began) still works until UNSIGNED_TOKENS_UNTIL,
    checked against its record alone first: a forged one costs one read, not 301; a valid one
    one more round trip. After the transition, neither costs a read."""
    valid = saved(store, user, tokens.UNSIGNED)
    answer, counter = ask(valid, QUERY, TRANSITION)
    assert answer.status == 200 and answer.body["payload"]["devices"]["d1"]["on"] is True
    assert counter.calls == Counter({"batch_get_documents": 2})
    answer, counter = ask(tokens.issue(user), QUERY, TRANSITION)
    assert (answer.status, counter.documents_read) == (401, 1)
    for token in (valid, tokens.issue(user)):
        answer, counter = ask(token, QUERY, SIGNED)
        assert (answer.status, counter.documents_read) == (401, 0)


def test_a_token_from_account_linking_carries_the_mac_the_fulfillment_checks(
    store: FirestoreStore, user: str
) -> None:
    issued = grants.issue(
        user,
        "google",
        "g-1",
        now=NOW,
        access_ttl=timedelta(hours=1),
        refresh_ttl=timedelta(days=1),
        signer=SIGNED,
    )
    for token_hash, record in issued.records.items():
        store.save_token(token_hash, record)
    answer, _ = ask(issued.access_token, intent("SYNC"), SIGNED)
    assert answer.status == 200
    answer, counter = ask(issued.refresh_token, QUERY, SIGNED)
    assert (answer.status, counter.documents_read) == (401, 0)


def test_a_rotated_key_still_verifies_while_it_is_listed(store: FirestoreStore, user: str) -> None:
    old = saved(store, user, SIGNED)
    rotated = tokens.Signer.parse(f"{'n' * 40} {KEY}")
    assert ask(old, QUERY, rotated)[0].status == 200
    new = saved(store, user, rotated)
    assert ask(new, QUERY, rotated)[0].status == 200
    assert ask(new, QUERY, SIGNED)[0].status == 401, "signed with the new key"
