"""The fulfillment over the in-memory store: what only it can show (round trips, a failing
store). The behaviour over both stores: tests/contract/test_intents.py."""

import uuid
from typing import Any

import pytest

from functions.core.errors import InvalidDevice
from functions.fulfillment.memory_store import MemoryStore
from tests.support.world import World, execute_body, intent, light, log_lines, memory_world


@pytest.fixture
def memory() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def world(memory: MemoryStore) -> World:
    return memory_world(memory)


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


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


DEEP = nested(30)


@pytest.mark.parametrize(
    "value",
    [float("inf"), float("nan"), 2**63, -(2**63) - 1, "\ud800", {"__key__": 1}, DEEP],
    ids=["inf", "nan", "2^63", "-2^63-1", "lone surrogate", "reserved key", "too deep"],
)
def test_a_value_the_store_cannot_hold_is_never_committed(
    world: World, memory: MemoryStore, monkeypatch: pytest.MonkeyPatch, value: object
) -> None:
    """The final guard: even a trait that returns such a value cannot get it stored."""
    from functions.devices.traits import on_off

    def broken(*_: object) -> dict:
        return {"on": value}

    monkeypatch.setitem(on_off.TRAIT.commands, "action.devices.commands.OnOff", broken)
    world.put_device("u1", "lamp", light(on=False))
    world.put_device("u1", "other", light(on=False))
    body = execute_body(["lamp", "other"], ("OnOff", {"on": True}))
    answer = world.post(body, world.token("u1"))
    assert answer.body["payload"]["commands"] == [
        {"ids": ["lamp", "other"], "status": "ERROR", "errorCode": "valueOutOfRange"}
    ]
    assert memory.devices["u1"]["lamp"]["states"] == light(on=False)["states"]


def test_a_patch_too_large_for_the_store_is_refused(
    world: World, memory: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.devices.traits import on_off

    monkeypatch.setitem(
        on_off.TRAIT.commands,
        "action.devices.commands.OnOff",
        lambda *_: {"on": "x" * 100_000},
    )
    world.put_device("u1", "lamp", light(on=False))
    answer = world.post(execute_body(["lamp"], ("OnOff", {"on": True})), world.token("u1"))
    assert answer.body["payload"]["commands"][0]["errorCode"] == "valueOutOfRange"
    assert memory.devices["u1"]["lamp"]["states"]["on"] is False


MARKER = "MARKER-raw-user-7f3a"


def test_a_backend_fault_log_never_carries_the_raw_user_id(
    world: World, memory: MemoryStore, capsys: pytest.CaptureFixture[str]
) -> None:
    user_id = f"{MARKER}@example.com"
    world.put_device(user_id, "lamp", light())
    token = world.token(user_id)

    def broken(*_: object) -> None:
        path = f"projects/p/databases/(default)/documents/users/{user_id}/devices/lamp"
        raise ValueError(f"Document name {path!r} is invalid; user {user_id!r}")

    memory.read = broken  # type: ignore[method-assign,assignment]
    capsys.readouterr()
    answer = world.post(intent("QUERY", {"devices": [{"id": "lamp"}]}), token)
    assert answer.body["payload"] == {"errorCode": "transientError"}
    output = capsys.readouterr().out
    assert MARKER not in output
    fault = next(line for line in log_lines(output) if line["message"] == "intent failed")
    assert fault["severity"] == "ERROR"
    assert fault["errorType"] == "ValueError"
    assert "users/u_" in fault["error"] and "is invalid" in fault["error"]


def test_a_fault_before_the_token_is_read_hides_the_user_id_too(
    world: World, memory: MemoryStore, capsys: pytest.CaptureFixture[str]
) -> None:
    """SYNC's first read fails: no user is bound yet, the raw id must still not leak."""
    token = world.token(MARKER)

    def broken(*_: object) -> None:
        raise ConnectionError(f"GET /v1/projects/p/databases/(default)/documents/users/{MARKER}")

    memory.read_account = broken  # type: ignore[method-assign,assignment]
    capsys.readouterr()
    world.post(intent("SYNC"), token)
    output = capsys.readouterr().out
    assert MARKER not in output and "intent failed" in output


def test_sync_of_a_linked_user_is_two_round_trips(world: World, memory: MemoryStore) -> None:
    world.put_device("u1", "lamp", light())
    token = world.token("u1")
    world.post(intent("SYNC"), token)  # the first SYNC links the user: one more write
    memory.round_trips = 0
    assert world.post(intent("SYNC"), token).status == 200
    assert memory.round_trips == 2


def test_a_document_is_checked_once_per_content(monkeypatch: pytest.MonkeyPatch) -> None:
    """Google QUERYs the same unchanged devices again and again: the contract's checks run once
    per document content, and a changed document is checked afresh (and can turn invalid)."""
    from functions.devices import model

    checked: list[str] = []
    real = model._check

    def counted(device_id: str, data: Any) -> None:
        checked.append(device_id)
        real(device_id, data)

    monkeypatch.setattr(model, "_check", counted)
    lamp = {**light(), "name": {"name": f"lamp {uuid.uuid4().hex}"}}
    for _ in range(3):
        model.parse_device("lamp", lamp)
    assert checked == ["lamp"]
    broken = {**lamp, "willReportState": "yes"}
    for _ in range(2):
        with pytest.raises(InvalidDevice, match="willReportState"):
            model.parse_device("lamp", broken)
    assert checked == ["lamp", "lamp"], "the refusal is remembered too"
