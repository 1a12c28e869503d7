"""The device backend's side over the Firestore emulator (the behaviour over both
stores: tests/contract/test_device_backend.py): command
records in the EXECUTE commit, confirmed execution through real Firestore listeners."""

import uuid
from collections import Counter

import pytest
from google.cloud import firestore

from functions.fulfillment.firestore_store import FirestoreStore
from functions.fulfillment.throttle import Throttle
from tests.support.counting import CountingApi
from tests.support.emulator import PROJECT
from tests.support.firestore_world import firestore_world
from tests.support.world import World, execute_body, light


@pytest.fixture
def user() -> str:
    return f"user-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def world(store: FirestoreStore) -> World:
    return firestore_world(store)


def test_optimistic_execute_is_one_read_and_one_commit(world: World, user: str) -> None:
    """The command record costs no extra round trip: it rides in the state patch's commit."""
    world.put_device(user, "lamp", light(on=False))
    token = world.token(user)
    client = firestore.Client(project=PROJECT)
    counter = CountingApi(client._firestore_api)
    client._firestore_api_internal = counter
    counted = firestore_world(FirestoreStore(client))
    counted.throttle = Throttle(burst=1, per_second=0)  # the per-user bound costs nothing
    answer = counted.post(execute_body(["lamp"], ("OnOff", {"on": True})), token)
    assert answer.body["payload"]["commands"][0]["status"] == "SUCCESS"
    assert counter.calls == Counter({"batch_get_documents": 1, "commit": 1})
    assert len(world.commands(user, "lamp")) == 1
    counter.calls.clear()
    answer = counted.post(execute_body(["lamp"], ("OnOff", {"on": False})), token)
    assert answer.body["payload"]["commands"][0]["errorCode"] == "deviceBusy"
    assert counter.calls == Counter({"batch_get_documents": 1}), "over the bound: no commit"
