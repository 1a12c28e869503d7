"""The LAN bridge as a device backend on the command records, end to end on the local stack: the
fulfillment writes a record per command, the bridge (signed in as its home-limited user, rules
enforced by the emulator) carries it out on a fake speaker over real TLS and records the outcome.

The DND switch is confirmed: Google hears the speaker's real outcome (the read-back), not
PENDING (its latency: bench/bridge_budget.py); a lying setter is answered ERROR; an unreachable
speaker deviceOffline; the restart scene, which changes no state, reaches the speaker. The
bridge's credential may record an outcome once and change nothing else of a record, and cannot
touch another home's records."""

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.api_core import exceptions

from bridge.budget import Budget
from bridge.credential import provision
from bridge.firestore_store import FirestoreHomeStore
from bridge.runtime import Bridge, Settings
from bridge.speaker.adapter import SpeakerAdapter
from bridge.speaker.client import SpeakerClient
from bridge.speaker.discovery import StaticDiscovery
from bridge.speaker.pins import PinStore
from bridge.speaker.tokens import HomeGraphTokens
from devstack.auth_emulator import API_KEY
from devstack.fake_speaker import FakeSpeaker
from devstack.stack import LocalStack
from tests.support.emulator import PROJECT, NewStack
from tests.support.waiting import eventually
from tests.support.world import light

HOME, OTHER = "commands-home", "commands-other-home"
DND, RESTART = "bedroom-dnd", "bedroom-restart"
C = "action.devices.commands."


@pytest.fixture(scope="module")
def stack(new_stack: NewStack) -> Iterator[LocalStack]:
    settings = {
        "REQUEST_SYNC_MIN_INTERVAL_SECONDS": "1",
        "NEW_USER_GRACE_SECONDS": "0",
    }
    with new_stack(settings) as stack:
        yield stack


def pins(speaker: FakeSpeaker) -> PinStore:
    """The fake's certificate, approved by the owner (``python -m bridge pins approve``)."""
    store = PinStore()
    store.trust("bedroom", speaker.fingerprint)
    return store


@pytest.fixture(scope="module")
def rig(stack: LocalStack, speaker: FakeSpeaker) -> Iterator[dict[str, Any]]:
    assert stack.auth
    account = provision(PROJECT, API_KEY, HOME, admin_bearer="owner", auth_emulator=stack.auth.host)
    store = FirestoreHomeStore.connect(account)
    tokens = HomeGraphTokens(lambda: {"bedroom": speaker.token}, min_interval=0)
    client = SpeakerClient(Budget(600, 20), pins(speaker), tokens, timeout=2.0)
    discovery = StaticDiscovery({"bedroom": f"127.0.0.1:{speaker.port}"})
    adapter = SpeakerAdapter(discovery, client, restart_scene=True)
    bridge = Bridge(adapter, store, Settings(poll_interval=30, retry_base=0.5))
    bridge.start()
    stack.link(HOME)
    try:
        yield {"bridge": bridge, "store": store}
    finally:
        bridge.stop()


def execute(stack: LocalStack, device: str, command: str, params: dict[str, Any]) -> dict[str, Any]:
    """Google's EXECUTE for one device; the device's entry of the answer."""
    body = {
        "requestId": f"commands-e2e-{time.monotonic_ns()}",
        "inputs": [
            {
                "intent": "action.devices.EXECUTE",
                "payload": {
                    "commands": [
                        {
                            "devices": [{"id": device}],
                            "execution": [{"command": C + command, "params": params}],
                        }
                    ]
                },
            }
        ],
    }
    request = urllib.request.Request(
        stack.url("fulfillment"),
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {stack.token_for(HOME)}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        result: dict[str, Any] = json.load(answer)
    [entry] = result["payload"]["commands"]
    return entry


def records(stack: LocalStack, device: str) -> list[dict[str, Any]]:
    commands = stack.store.device(HOME, device).collection("commands").stream()
    return sorted((r.to_dict() or {} for r in commands), key=lambda r: r["issuedAt"])


def test_the_dnd_switch_is_confirmed(stack: LocalStack, rig: dict[str, Any]) -> None:
    document = stack.store.device(HOME, DND).get().to_dict() or {}
    assert document["execution"] == {"mode": "confirmed", "timeoutMs": 800}
    assert RESTART in rig["bridge"].workers["bedroom"].device_ids


def test_execute_is_answered_with_the_speakers_real_outcome(
    stack: LocalStack, speaker: FakeSpeaker, rig: dict[str, Any]
) -> None:
    for on in [True, False] * 6:
        entry = execute(stack, DND, "OnOff", {"on": on})
        assert entry["status"] == "SUCCESS", entry
        assert entry["states"] == {"on": on, "online": True}
        assert speaker.dnd is on
    last = records(stack, DND)[-1]
    assert last["answer"] is None  # Google heard the outcome itself, not PENDING
    assert last["outcome"] == {"status": "SUCCESS", "states": {"on": False}}
    assert stack.store.device(HOME, DND).get().to_dict()["states"]["on"] is False
    setters = [r.body for r in speaker.requests if r.body and "notifications_enabled" in r.body]
    assert len(setters) == 12  # one write per command: never twice
    # How long this takes is measured by `make bench` (bench/bridge_budget.py), not here.


def test_a_lying_setter_is_answered_error_with_the_truth(
    stack: LocalStack, speaker: FakeSpeaker, rig: dict[str, Any]
) -> None:
    assert speaker.dnd is False
    speaker.lie = True
    try:
        entry = execute(stack, DND, "OnOff", {"on": True})
    finally:
        speaker.lie = False
    assert entry == {"ids": [DND], "status": "ERROR", "errorCode": "hardError"}
    assert records(stack, DND)[-1]["outcome"] == {"status": "ERROR", "errorCode": "hardError"}
    assert stack.store.device(HOME, DND).get().to_dict()["states"]["on"] is False


def test_an_unreachable_speaker_is_answered_device_offline(
    stack: LocalStack, speaker: FakeSpeaker, rig: dict[str, Any]
) -> None:
    port = speaker.port
    speaker.stop()
    try:
        entry = execute(stack, DND, "OnOff", {"on": True})
    finally:
        speaker.start(port)
    assert entry == {"ids": [DND], "status": "ERROR", "errorCode": "deviceOffline"}
    assert speaker.dnd is False


def test_the_restart_scene_reaches_the_speaker(
    stack: LocalStack, speaker: FakeSpeaker, rig: dict[str, Any]
) -> None:
    before = speaker.reboots
    entry = execute(stack, RESTART, "ActivateScene", {"deactivate": False})
    assert entry["status"] == "SUCCESS", entry  # optimistic: the scene changes no state
    eventually(lambda: speaker.reboots == before + 1, 10, "the speaker reboots")
    eventually(
        lambda: records(stack, RESTART)[-1]["outcome"] == {"status": "SUCCESS", "states": {}},
        10,
        "the outcome is recorded",
    )
    time.sleep(0.5)
    assert speaker.reboots == before + 1  # once


def _record(stack: LocalStack, home: str, device: str, command_id: str) -> Any:
    ref = stack.store.device(home, device).collection("commands").document(command_id)
    now = datetime.now(UTC)
    ref.set(
        {
            "requestId": "rules",
            "issuedAt": now,
            "deadline": now - timedelta(seconds=1),  # expired: the bridge leaves it alone
            "expireAt": now + timedelta(days=7),
            "mode": "confirmed",
            "executions": [{"command": C + "OnOff", "params": {"on": True}}],
            "patch": {"on": True},
            "answer": None,
            "outcome": None,
        }
    )
    return ref


def test_the_bridge_may_record_an_outcome_once_and_nothing_else(
    stack: LocalStack, rig: dict[str, Any]
) -> None:
    _record(stack, HOME, DND, "rules-1")
    store: FirestoreHomeStore = rig["store"]
    mine = store._device(DND).collection("commands").document("rules-1")
    denied: list[Callable[[], Any]] = [
        lambda: mine.update({"patch": {"on": False}}),
        lambda: mine.update({"outcome": {"status": "SUCCESS"}, "answer": "SUCCESS"}),
        mine.delete,
        lambda: store._device(DND).collection("commands").document("forged").set({"x": 1}),
    ]
    for attempt in denied:
        with pytest.raises(exceptions.PermissionDenied):
            attempt()
    assert store.record_outcome(DND, "rules-1", {"status": "ERROR", "errorCode": "hardError"}, {})
    # A recorded outcome is never rewritten (nor is the product's expiry overwritten).
    with pytest.raises(exceptions.PermissionDenied):
        mine.update({"outcome": {"status": "SUCCESS", "states": {}}})
    assert not store.record_outcome(DND, "rules-1", {"status": "SUCCESS", "states": {}}, {})
    record = mine.get().to_dict()
    assert record["outcome"] == {"status": "ERROR", "errorCode": "hardError"}
    assert record["patch"] == {"on": True} and record["answer"] is None


def test_the_bridge_cannot_touch_another_homes_records(
    stack: LocalStack, rig: dict[str, Any]
) -> None:
    stack.store.device(OTHER, "lamp").set(light())
    _record(stack, OTHER, "lamp", "theirs")
    store: FirestoreHomeStore = rig["store"]
    theirs = (
        store.client.collection("users")
        .document(OTHER)
        .collection("devices")
        .document("lamp")
        .collection("commands")
    )
    attempts: list[Callable[[], Any]] = [
        lambda: theirs.document("theirs").get(),
        lambda: list(theirs.stream()),
        lambda: theirs.document("theirs").update({"outcome": {"status": "SUCCESS"}}),
        lambda: list(store.client.collection_group("commands").stream()),
    ]
    for attempt in attempts:
        with pytest.raises(exceptions.PermissionDenied):
            attempt()
    assert (
        stack.store.device(OTHER, "lamp")
        .collection("commands")
        .document("theirs")
        .get()
        .to_dict()["outcome"]
        is None
    )
