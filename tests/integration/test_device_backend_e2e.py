"""The reference device backend (devstack/device_backend.py) and docs/devices.md's example
backend on the emulators, through the HTTP fulfillment and the whole pipeline: every command
reaches the backend, confirmed devices are answered with the backend's real outcome or PENDING,
a backend's later states reach Google by Report State, a jam reported by the backend is what
QUERY answers, and an unlock asks for the user's PIN."""

import json
import re
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.cloud import firestore

from devstack.demo_home import DEMO_DEVICES, seed
from devstack.device_backend import BRIDGED, Reaction
from devstack.device_backend import DeviceBackend as Backend
from devstack.pin import main as pin_main
from devstack.pin import set_pin
from devstack.stack import LocalStack
from functions.devices.backend import COMMANDS, ExecutionPolicy, command_record
from tests.support.emulator import PROJECT, NewStack
from tests.support.waiting import eventually
from tests.support.world import execute_body, intent

DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "devices.md"
LOCK, GARAGE, SCENE, LIGHT = "front-door-lock", "garage-door", "movie-night", "kitchen-light"
PIN = "1234"
C = "action.devices.commands."


@pytest.fixture(scope="module")
def stack(new_stack: NewStack) -> Iterator[LocalStack]:
    settings = {
        "REQUEST_SYNC_MIN_INTERVAL_SECONDS": "2",
        "NEW_USER_GRACE_SECONDS": "0",
        "HOMEGRAPH_TIMEOUT_SECONDS": "2",
    }
    with new_stack(settings) as stack:
        yield stack


@pytest.fixture
def user(stack: LocalStack) -> str:
    """A linked demo home of its own, with the demo PIN."""
    user_id = f"backend-{uuid.uuid4().hex[:8]}"
    seed(stack.store, user_id)
    set_pin(stack.store, user_id, PIN)
    stack.link(user_id)
    return user_id


@pytest.fixture
def backend(stack: LocalStack, user: str) -> Iterator[Backend]:
    devices = [d for d in DEMO_DEVICES if d not in BRIDGED]
    reactions = {LOCK: Reaction(delay=0.1), GARAGE: Reaction(delay=3.0)}
    backend = Backend(stack.store.client, user, devices, reactions).start()
    try:
        yield backend
    finally:
        backend.stop()


def post(stack: LocalStack, user: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        stack.url("fulfillment"),
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {stack.token_for(user)}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.load(response)
    return answer


def execute(
    stack: LocalStack, user: str, device_id: str, command: str, params: dict[str, Any], **chal: Any
) -> list[dict[str, Any]]:
    body = execute_body([device_id], (command, params))
    if chal:
        body["inputs"][0]["payload"]["commands"][0]["execution"][0]["challenge"] = chal
    return list(post(stack, user, body)["payload"]["commands"])


def query(stack: LocalStack, user: str, device_id: str) -> dict[str, Any]:
    body = intent("QUERY", {"devices": [{"id": device_id}]})
    answer: dict[str, Any] = post(stack, user, body)["payload"]["devices"][device_id]
    return answer


def document(stack: LocalStack, user: str, device_id: str) -> dict[str, Any]:
    return stack.store.device(user, device_id).get().to_dict() or {}


def records(stack: LocalStack, user: str, device_id: str) -> list[dict[str, Any]]:
    found = stack.store.device(user, device_id).collection(COMMANDS).stream()
    return [snap.to_dict() or {} for snap in found]


def unlocked(stack: LocalStack, user: str) -> None:
    """The lock's own backend reports it unlocked (as after a key turned by hand)."""
    stack.store.device(user, LOCK).update({"states.isLocked": False})


# --- the reference backend ------------------------------------------------------------------


def test_a_scene_activation_reaches_the_backend(stack, user, backend) -> None:
    answer = execute(stack, user, SCENE, "ActivateScene", {"deactivate": False})
    assert answer == [{"ids": [SCENE], "status": "SUCCESS", "states": {"online": True}}]
    assert backend.wait_for(lambda done: any(h.device_id == SCENE for h in done), timeout=30)
    handled = next(h for h in backend.handled if h.device_id == SCENE)
    assert handled.commands == (C + "ActivateScene",)
    assert handled.outcome == {"status": "SUCCESS", "states": {}}
    eventually(
        lambda: records(stack, user, SCENE)[0]["outcome"] == handled.outcome, what="the outcome"
    )


def test_one_requests_commands_to_a_device_are_acted_on_in_googles_order(
    stack, user, backend
) -> None:
    backend.react(LIGHT, Reaction(delay=0.2))  # slow enough for the commands to overlap
    steps = [True, False, True, False]
    body = intent(
        "EXECUTE",
        {
            "commands": [
                {
                    "devices": [{"id": LIGHT}],
                    "execution": [{"command": C + "OnOff", "params": {"on": on}}],
                }
                for on in steps
            ]
        },
    )
    assert {c["status"] for c in post(stack, user, body)["payload"]["commands"]} == {"SUCCESS"}
    assert backend.wait_for(lambda done: sum(h.device_id == LIGHT for h in done) == 4, timeout=30)
    issued = stack.store.device(user, LIGHT).collection(COMMANDS).stream()
    position = {snap.id: (snap.to_dict() or {})["position"] for snap in issued}
    acted = [position[h.command_id] for h in backend.handled if h.device_id == LIGHT]
    assert acted == [0, 1, 2, 3]


def test_a_confirmed_lock_is_answered_with_the_backends_outcome(stack, user, backend) -> None:
    unlocked(stack, user)
    started = time.monotonic()
    answer = execute(stack, user, LOCK, "LockUnlock", {"lock": True})
    took = time.monotonic() - started
    assert answer == [
        {
            "ids": [LOCK],
            "status": "SUCCESS",
            "states": {"isLocked": True, "isJammed": False, "online": True},
        }
    ]
    assert [r["answer"] for r in records(stack, user, LOCK)] == [None]  # Google heard it
    assert document(stack, user, LOCK)["states"]["isLocked"] is True  # the backend wrote it
    started = time.monotonic()
    optimistic = execute(stack, user, LIGHT, "OnOff", {"on": False})
    baseline = time.monotonic() - started
    assert optimistic[0]["status"] == "SUCCESS"
    print(
        f"\nconfirmed lock answered in {took * 1000:.0f} ms (backend delay 100 ms, "
        f"timeoutMs 800); an optimistic EXECUTE took {baseline * 1000:.0f} ms"
    )


def test_a_jammed_lock_is_answered_with_the_jam(stack, user, backend) -> None:
    unlocked(stack, user)
    backend.react(LOCK, Reaction(delay=0.1, jam=True))
    answer = execute(stack, user, LOCK, "LockUnlock", {"lock": True})
    assert answer == [{"ids": [LOCK], "status": "ERROR", "errorCode": "deviceJammingDetected"}]
    device = document(stack, user, LOCK)
    assert device["deviceError"] == "deviceJammingDetected"
    assert device["states"]["isLocked"] is False  # the fulfillment wrote nothing


def test_a_jam_the_backend_reported_is_what_query_answers(stack, user, backend) -> None:
    unlocked(stack, user)
    backend.react(LOCK, Reaction(jam=True))
    execute(stack, user, LOCK, "LockUnlock", {"lock": True})
    assert query(stack, user, LOCK) == {
        "online": True,
        "status": "ERROR",
        "errorCode": "deviceJammingDetected",
    }
    again = execute(stack, user, LOCK, "LockUnlock", {"lock": True})
    assert again == [{"ids": [LOCK], "status": "ERROR", "errorCode": "deviceJammingDetected"}]
    assert len(records(stack, user, LOCK)) == 1  # refused before any record was written
    stack.store.device(user, LOCK).update(
        {"deviceError": firestore.DELETE_FIELD, "states.isJammed": False}
    )
    assert query(stack, user, LOCK)["status"] == "SUCCESS"


def test_a_slow_garage_door_is_pending_then_reaches_google(stack, user, backend) -> None:
    answer = execute(stack, user, GARAGE, "OpenClose", {"openPercent": 100}, pin=PIN)
    assert answer == [{"ids": [GARAGE], "status": "PENDING"}]
    [record] = records(stack, user, GARAGE)
    assert record["answer"] == "PENDING"
    assert document(stack, user, GARAGE)["states"]["openPercent"] == 0
    eventually(
        lambda: document(stack, user, GARAGE)["states"]["openPercent"] == 100,
        what="the backend's state in the device document",
    )
    assert records(stack, user, GARAGE)[0]["outcome"] == {
        "status": "SUCCESS",
        "states": {"openPercent": 100},
    }
    assert stack.homegraph
    homegraph = stack.homegraph
    eventually(
        lambda: (homegraph.last_reported(user, GARAGE) or {}).get("openPercent") == 100,
        what="Report State of the garage door's new state",
        timeout=60,
    )
    assert query(stack, user, GARAGE) == {"openPercent": 100, "online": True, "status": "SUCCESS"}


def test_an_unlock_asks_for_the_pin(stack, user, backend) -> None:
    unlock = ("LockUnlock", {"lock": False})
    asked = execute(stack, user, LOCK, *unlock)
    assert asked == [
        {
            "ids": [LOCK],
            "status": "ERROR",
            "errorCode": "challengeNeeded",
            "challengeNeeded": {"type": "pinNeeded"},
        }
    ]
    wrong = execute(stack, user, LOCK, *unlock, pin="0000")
    assert wrong[0]["challengeNeeded"] == {"type": "challengeFailedPinNeeded"}
    assert records(stack, user, LOCK) == []  # nothing reached the backend yet
    right = execute(stack, user, LOCK, *unlock, pin=PIN)
    assert right == [
        {
            "ids": [LOCK],
            "status": "SUCCESS",
            "states": {"isLocked": False, "isJammed": False, "online": True},
        }
    ]
    assert document(stack, user, LOCK)["states"]["isLocked"] is False
    [record] = records(stack, user, LOCK)
    assert "1234" not in json.dumps(record, default=str)


def test_make_pin_refuses_a_pin_that_is_not_digits(capsys: pytest.CaptureFixture[str]) -> None:
    assert pin_main(["pin", "demo", "12ab"]) == 2
    assert pin_main(["pin", "", "1234"]) == 2
    assert "make pin USER_ID=" in capsys.readouterr().err


def test_stopping_leaves_no_thread_and_no_listener(stack, user) -> None:
    backend = Backend(stack.store.client, user, [GARAGE], {GARAGE: Reaction(delay=30)}).start()
    execute(stack, user, GARAGE, "OpenClose", {"openPercent": 100}, pin=PIN)
    eventually(lambda: backend._workers, what="the backend to take the command")
    backend.stop()  # wakes the worker from its 30 s delay
    assert not any(worker.is_alive() for worker in backend._workers)
    assert records(stack, user, GARAGE)[0]["outcome"] is None


# --- docs/devices.md's example backend --------------------------------------------------------


def docs_example() -> dict[str, Any]:
    """Run the page's example backend's code; returns its module namespace, whose
    ``listening`` counts the snapshots its listeners had (a listener is up after its first)."""
    text = DOCS_PAGE.read_text()
    found = re.search(r"<!-- example backend -->\n```python\n(.*?)\n```", text, re.DOTALL)
    assert found, "docs/devices.md lost its example backend"
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(found.group(1), "docs/devices.md", "exec"), namespace)  # noqa: S102
    on_commands, snapshots = namespace["on_commands"], []

    def counted(*args: Any) -> None:
        snapshots.append(args[0])
        on_commands(*args)

    namespace["on_commands"] = counted
    namespace["listening"] = snapshots
    return namespace


def test_the_docs_example_backend_answers_both_modes(stack, user) -> None:
    example = docs_example()
    acted: list[tuple[str, str, list[str]]] = []
    failing: dict[str, str] = {}

    def act(agent_user_id: str, device_id: str, executions: list[dict[str, Any]]) -> str | None:
        acted.append((agent_user_id, device_id, [e["command"] for e in executions]))
        return failing.get(device_id)

    example["act"] = act
    unlocked(stack, user)
    watches = [example["listen"](user, device_id) for device_id in (LOCK, LIGHT)]
    eventually(lambda: len(example["listening"]) >= len(watches), what="the example's listeners")
    try:
        locked = execute(stack, user, LOCK, "LockUnlock", {"lock": True})
        assert locked[0]["status"] == "SUCCESS"
        assert locked[0]["states"]["isLocked"] is True
        assert document(stack, user, LOCK)["states"]["isLocked"] is True
        assert execute(stack, user, LIGHT, "OnOff", {"on": False})[0]["status"] == "SUCCESS"
        eventually(
            lambda: (
                records(stack, user, LIGHT)[0]["outcome"]
                == {"status": "SUCCESS", "states": {"on": False}}
            ),
            what="the optimistic light's outcome",
        )
        failing[LOCK] = "deviceOffline"
        unlock = execute(stack, user, LOCK, "LockUnlock", {"lock": False}, pin=PIN)
        assert unlock == [{"ids": [LOCK], "status": "ERROR", "errorCode": "deviceOffline"}]
        assert document(stack, user, LOCK)["states"]["isLocked"] is True
    finally:
        for watch in watches:
            watch.unsubscribe()
    assert [(u, d) for u, d, _ in acted] == [(user, LOCK), (user, LIGHT), (user, LOCK)]


def test_the_docs_example_listens_to_a_whole_fleet(stack) -> None:
    """The collection-group listener, in a project of its own (it sees every user's records)."""
    example = docs_example()
    fleet = firestore.Client(project=f"{PROJECT}-fleet")
    example["db"] = fleet
    example["act"] = lambda _user, _device, _executions: None
    lock = fleet.document("users/someone/devices/lock")
    lock.set({**DEMO_DEVICES[LOCK], "states": {"online": True, "isLocked": False}})
    executions = [{"command": C + "LockUnlock", "params": {"lock": True}}]
    policy = ExecutionPolicy("confirmed", 800)
    record = command_record("req-1", executions, {"isLocked": True}, policy, _now())
    watch = example["listen_all"]()
    eventually(lambda: example["listening"], what="the example's listener")
    try:
        lock.collection(COMMANDS).document("c1").set(record)
        eventually(
            lambda: (lock.collection(COMMANDS).document("c1").get().to_dict() or {})["outcome"],
            what="the fleet listener's outcome",
        )
    finally:
        watch.unsubscribe()
    assert (lock.get().to_dict() or {})["states"]["isLocked"] is True


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)
