"""The fulfillment's behaviour over the real Firestore emulator (the behaviour over both stores:
tests/contract/test_intents.py)."""

import json
import urllib.error
import urllib.request
from collections import Counter
from typing import Any

import pytest
from google.cloud import firestore

from devstack.emulators import Emulator
from functions.fulfillment.firestore_store import FirestoreStore
from tests.support.counting import CountingApi
from tests.support.emulator import PROJECT
from tests.support.world import World, intent, light


@pytest.fixture
def world(store: FirestoreStore) -> World:
    def put(user_id: str, device_id: str, document: dict[str, Any]) -> None:
        store.device(user_id, device_id).set(document)

    def get(user_id: str, device_id: str) -> dict[str, Any] | None:
        return store.device(user_id, device_id).get().to_dict()

    return World(store, put, get)


def test_query_of_100_devices_is_one_firestore_round_trip(world: World, client: Any) -> None:
    for n in range(100):
        world.put_device("rt-user", f"d{n}", light())
    token = world.token("rt-user")
    counting_client = firestore.Client(project=PROJECT)
    counter = CountingApi(counting_client._firestore_api)
    counting_client._firestore_api_internal = counter
    counted = World(FirestoreStore(counting_client), lambda *_: None, lambda *_: None)
    body = intent("QUERY", {"devices": [{"id": f"d{n}"} for n in range(100)]})
    answer = counted.post(body, token)
    assert len(answer.body["payload"]["devices"]) == 100
    assert counter.calls == Counter({"batch_get_documents": 1})


def test_security_rules_refuse_client_sdk_access(
    firestore_emulator: Emulator, world: World
) -> None:
    world.put_device("rules-user", "lamp", light())
    url = (
        f"http://{firestore_emulator.host}/v1/projects/{PROJECT}/databases/(default)/"
        "documents/users/rules-user/devices/lamp"
    )
    for request in (
        urllib.request.Request(url),
        urllib.request.Request(
            url,
            method="PATCH",
            data=json.dumps({"fields": {"type": {"stringValue": "x"}}}).encode(),
        ),
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 403


def test_sync_of_a_linked_user_is_one_batched_read_and_one_query(world: World) -> None:
    world.put_device("sync-rt-user", "lamp", light())
    token = world.token("sync-rt-user")
    world.post(intent("SYNC"), token)
    counting_client = firestore.Client(project=PROJECT)
    counter = CountingApi(counting_client._firestore_api)
    counting_client._firestore_api_internal = counter
    counted = World(FirestoreStore(counting_client), lambda *_: None, lambda *_: None)
    assert counted.post(intent("SYNC"), token).status == 200
    assert counter.calls == Counter({"batch_get_documents": 1, "run_query": 1})
