"""The fulfillment's behaviour over the in-memory store (see tests/intent_cases.py)."""

import pytest

from tests.intent_cases import *  # noqa: F403
from tests.unit.fakes import MemoryStore
from tests.world import World, intent, light


@pytest.fixture
def memory() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def world(memory: MemoryStore) -> World:
    def get(user_id: str, device_id: str) -> dict | None:
        return memory.devices.get(user_id, {}).get(device_id)

    return World(memory, memory.put_device, get)


def test_query_is_one_round_trip_token_included(world: World, memory: MemoryStore) -> None:
    for n in range(100):
        world.put_device("u1", f"d{n}", light())
    token = world.token("u1")
    memory.round_trips = 0
    body = intent("QUERY", {"devices": [{"id": f"d{n}"} for n in range(100)]})
    assert world.post(body, token).status == 200
    assert memory.round_trips == 1


def test_sync_records_the_user_as_linked(world: World, memory: MemoryStore) -> None:
    world.post(intent("SYNC"), world.token("u1"))
    assert memory.users["u1"]["linked"] is True
    world.post(intent("DISCONNECT"), world.token("u1"))
    assert memory.users["u1"]["linked"] is False


def test_backend_failure_is_a_transient_error_not_a_500(world: World, memory: MemoryStore) -> None:
    token = world.token("u1")

    def broken(*_: object) -> None:
        raise ConnectionError("firestore unavailable")

    memory.list_devices = broken  # type: ignore[method-assign,assignment]
    answer = world.post(intent("SYNC"), token)
    assert (answer.status, answer.body) == (
        200,
        {"requestId": "req-1", "payload": {"errorCode": "transientError"}},
    )
