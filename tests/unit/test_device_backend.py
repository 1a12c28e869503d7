"""The device backend's side of the fulfillment over the in-memory store (the behaviour over both
stores: tests/contract/test_device_backend.py), and the pure parts: the command record, outcomes,
the race between a late outcome and PENDING."""

from datetime import UTC, datetime
from typing import Any

import pytest

from functions.core.errors import InvalidDevice
from functions.devices import backend
from functions.fulfillment import confirm
from functions.fulfillment.execute import Awaiting
from functions.fulfillment.memory_store import MemoryStore
from tests.support.devices import LOCK, locked
from tests.support.world import World, execute_body, light, memory_world

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def user() -> str:
    return "backend-user"


@pytest.fixture
def memory() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def world(memory: MemoryStore) -> World:
    return memory_world(memory)


def test_optimistic_execute_costs_no_extra_round_trip(world: World, memory: MemoryStore) -> None:
    world.put_device("u", "lamp", light(on=False))
    token = world.token("u")
    memory.round_trips = 0
    world.post(execute_body(["lamp"], ("OnOff", {"on": True})), token)
    assert memory.round_trips == 2  # one read, one commit: states and record together
    assert len(memory.device_commands("u", "lamp")) == 1


class LateOutcomeStore(MemoryStore):
    """The outcome lands after the wait gave up but before PENDING is recorded."""

    def await_outcomes(self, user_id: str, commands: Any, timeout: float) -> dict:
        for key in commands:
            self.record_outcome(user_id, key, {"status": "SUCCESS", "states": {"isLocked": True}})
        return {}


def test_an_outcome_racing_the_pending_mark_is_answered_not_pending() -> None:
    store = LateOutcomeStore()
    world = World(store, store.put_device, lambda u, d: store.devices[u][d])
    store.put_device("u", "lock", LOCK)
    answer = world.post(execute_body(["lock"], ("LockUnlock", {"lock": True})), world.token("u"))
    assert answer.body["payload"]["commands"][0]["status"] == "SUCCESS"
    record = next(iter(store.device_commands("u", "lock").values()))
    assert record["answer"] is None  # never marked PENDING: no follow-up owed


def test_the_record_never_holds_more_than_the_command() -> None:
    policy = backend.ExecutionPolicy(backend.CONFIRMED, 500)
    executions = [{"command": "action.devices.commands.LockUnlock", "params": {"lock": False}}]
    record = backend.command_record("r1", executions, {"isLocked": False}, policy, NOW)
    assert set(record) == {
        "requestId",
        "issuedAt",
        "position",
        "deadline",
        "expireAt",
        "mode",
        "executions",
        "patch",
        "answer",
        "outcome",
    }
    assert record["deadline"] - NOW == backend.OUTCOME_WINDOW
    assert record["expireAt"] - NOW == backend.RECORD_TTL


@pytest.mark.parametrize(
    ("outcome", "answer"),
    [
        ({"status": "SUCCESS", "states": {"isLocked": True}}, "SUCCESS"),
        ({"status": "ERROR", "errorCode": "lockFailure"}, "ERROR"),
        ({"status": "ERROR", "errorCode": "nope"}, "ERROR"),
        ({"status": "MAYBE"}, "ERROR"),
        ("done", "ERROR"),
        (None, "PENDING"),
    ],
)
def test_answer_for_each_outcome(outcome: Any, answer: str) -> None:
    awaiting = Awaiting(0, "lock", "c1", {"status": "SUCCESS", "states": {"isLocked": False}}, 500)
    assert confirm.answer_for(awaiting, {"outcome": outcome})["status"] == answer


def test_backend_states_override_only_the_commands_states() -> None:
    expected = {"status": "SUCCESS", "states": {"openPercent": 100, "online": True}}
    awaiting = Awaiting(0, "garage", "c1", expected, 500)
    reported = {"openPercent": 60, "somethingElse": 1, "online": True}
    outcome = {"status": "SUCCESS", "states": reported}
    assert confirm.answer_for(awaiting, {"outcome": outcome})["states"] == {
        "openPercent": 60,
        "online": True,
    }


def test_timeouts_are_bounded_below_googles_latency_target() -> None:
    with pytest.raises(InvalidDevice):
        backend.execution_policy({"execution": {"mode": "confirmed", "timeoutMs": 1000}})
    with pytest.raises(InvalidDevice):
        backend.execution_policy({"execution": {"mode": "confirmed", "timeoutMs": True}})
    assert backend.execution_policy({}).mode == backend.OPTIMISTIC
    assert locked({"executions": [{"params": {"lock": True}}]})[1] == {"isLocked": True}
