"""The LAN bridge end to end on the local stack: a fake speaker over real TLS, the bridge signed
in as its home-limited Firebase user (firestore.rules enforced by the emulator), the fulfillment,
the pipeline and the local Home Graph.

EXECUTE on the DND switch reaches the speaker and Google's view; a change on the speaker reaches
Google's view within one polling cycle; a token rotation costs one refresh; the speaker's request
rate stays within the budget; the bridge's credential cannot touch another home."""

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
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

HOME, OTHER = "bridge-home", "other-home"
POLL = 1.0
BUDGET_PER_MINUTE, BUDGET_BURST = 240.0, 6
DND = "bedroom-dnd"


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
    client = SpeakerClient(Budget(BUDGET_PER_MINUTE, BUDGET_BURST), pins(speaker), tokens)
    adapter = SpeakerAdapter(StaticDiscovery({"bedroom": f"127.0.0.1:{speaker.port}"}), client)
    bridge = Bridge(adapter, store, Settings(poll_interval=POLL, retry_base=0.5))
    bridge.start()
    stack.link(HOME)
    try:
        yield {"bridge": bridge, "store": store, "tokens": tokens, "started": time.monotonic()}
    finally:
        bridge.stop()


def google_on(stack: LocalStack) -> Any:
    assert stack.homegraph
    return (stack.homegraph.last_reported(HOME, DND) or {}).get("on")


def execute(stack: LocalStack, on: bool) -> dict[str, Any]:
    body = {
        "requestId": "bridge-e2e",
        "inputs": [
            {
                "intent": "action.devices.EXECUTE",
                "payload": {
                    "commands": [
                        {
                            "devices": [{"id": DND}],
                            "execution": [
                                {"command": "action.devices.commands.OnOff", "params": {"on": on}}
                            ],
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
        return result


def test_the_dnd_switch_is_synced_to_google(stack: LocalStack, rig: dict[str, Any]) -> None:
    assert stack.homegraph
    eventually(
        lambda: any(d["id"] == DND for d in stack.homegraph.synced_devices(HOME)),  # type: ignore[union-attr]
        30,
        "Google's SYNC view lists the DND switch",
    )


def test_a_change_on_the_speaker_reaches_google_within_one_cycle(
    stack: LocalStack, speaker: FakeSpeaker, rig: dict[str, Any]
) -> None:
    assert google_on(stack) is not True  # DND starts off: nothing reported, or off
    speaker.set_dnd(True)
    started = time.monotonic()
    eventually(lambda: google_on(stack) is True, 30, "DND on reaches Google's view")
    assert (
        time.monotonic() - started < POLL + 5
    )  # one polling cycle plus the pipeline's own latency


def test_execute_reaches_the_speaker_and_google(
    stack: LocalStack, speaker: FakeSpeaker, rig: dict[str, Any]
) -> None:
    eventually(lambda: speaker.dnd is True, 10, "DND on (the previous test)")
    answer = execute(stack, False)
    # Confirmed: Google hears the read-back (test_bridge_commands_e2e.py)
    assert answer["payload"]["commands"][0]["status"] == "SUCCESS", answer
    assert answer["payload"]["commands"][0]["states"]["on"] is False
    eventually(lambda: speaker.dnd is False, 10, "the speaker follows EXECUTE")
    eventually(lambda: google_on(stack) is False, 30, "Google's view follows")
    assert [r.body for r in speaker.requests if r.body] == [{"notifications_enabled": True}]


def test_a_token_rotation_costs_one_refresh(speaker: FakeSpeaker, rig: dict[str, Any]) -> None:
    tokens: HomeGraphTokens = rig["tokens"]
    before = tokens.fetches
    speaker.rotate_token()
    rotated = time.monotonic()
    eventually(
        lambda: any(r.at > rotated and r.status == 200 for r in speaker.requests),
        10,
        "a request with the new token",
    )
    time.sleep(2 * POLL)
    assert tokens.fetches == before + 1
    assert sum(1 for r in speaker.requests if r.at > rotated and r.status == 401) == 1


def test_the_request_rate_stays_within_the_budget(
    speaker: FakeSpeaker, rig: dict[str, Any]
) -> None:
    elapsed = time.monotonic() - rig["started"]
    sent = len(speaker.rate())
    assert sent <= BUDGET_BURST + BUDGET_PER_MINUTE * elapsed / 60 + 1
    cycles = max(1.0, elapsed / POLL)
    assert sent / cycles < 5  # 3 reads a cycle, plus commands and the rotation's retry


def test_the_heartbeat_and_side_data_stay_outside_the_device_documents(
    rig: dict[str, Any],
) -> None:
    store: FirestoreHomeStore = rig["store"]
    rig["bridge"].heartbeat()
    lan = {d.id: d.to_dict() for d in store._user.collection("lan").stream()}
    assert set(lan) == {"bedroom", "heartbeat"}
    assert lan["bedroom"]["alarmVolume"] == 0.5
    assert lan["heartbeat"]["devices"]["bedroom"]["online"] is True
    assert "token" not in json.dumps(lan).lower()
    assert set(store.read(DND).document or {}) <= {
        "type",
        "traits",
        "name",
        "willReportState",
        "deviceInfo",
        "execution",
        "backend",
        "states",
    }


def test_the_bridge_cannot_touch_another_home(stack: LocalStack, rig: dict[str, Any]) -> None:
    stack.store.device(OTHER, "lamp").set(light())
    store: FirestoreHomeStore = rig["store"]
    client = store.client
    other = client.collection("users").document(OTHER)
    attempts: list[Callable[[], Any]] = [
        lambda: other.collection("devices").document("lamp").get(),
        lambda: other.collection("devices").document("lamp").update({"states.on": True}),
        lambda: other.collection("devices").document("new").set(light()),
        lambda: list(other.collection("devices").stream()),
        lambda: other.collection("lan").document("heartbeat").set({"x": 1}),
        lambda: client.collection("tokens").document("x").get(),
        lambda: client.collection("users").document(HOME).set({"linked": False}),
        lambda: (
            client.collection("users")
            .document(HOME)
            .collection("devices")
            .document(DND)
            .update({"bookkeeping": 1})
        ),
    ]
    for attempt in attempts:
        with pytest.raises(exceptions.PermissionDenied):
            attempt()
