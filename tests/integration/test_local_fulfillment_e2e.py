"""Local fulfillment end to end without a speaker: the built Local Home app on the fake Local Home
platform (Node), a real bridge process (``python -m bridge run --local-host``) signed in as its
home-limited user (rules on), the fake Google Home speaker over TLS, and the local stack (the
emulators, the fulfillment as the cloud fallback, the pipeline, the local Home Graph).

IDENTIFY finds the bridge from its mDNS record and REACHABLE_DEVICES lists the DND switch; Do Not
Disturb goes on and off locally and reads back by local QUERY and in Google's view; a command
needing a PIN is declined locally and asked for by the cloud; a wrong or missing secret is refused;
the bridge stopped mid-way costs a local error and a cloud fallback whose command the restarted
bridge carries out; the same request by both paths acts once."""

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from google.cloud import firestore

from bridge.credential import provision
from devstack.auth_emulator import API_KEY
from devstack.bridge_process import BridgeProcess
from devstack.emulators import free_ports
from devstack.fake_speaker import FakeSpeaker
from devstack.local_platform import LocalPlatform, build
from devstack.stack import LocalStack
from functions.devices.pins import pin_record
from tests.support.emulator import PROJECT, NewStack
from tests.support.waiting import eventually

HOME = "local-home"
DND = "bedroom-dnd"
ON_OFF = "action.devices.commands.OnOff"


@pytest.fixture(scope="module")
def stack(new_stack: NewStack) -> Iterator[LocalStack]:
    settings = {
        "REQUEST_SYNC_MIN_INTERVAL_SECONDS": "1",
        "NEW_USER_GRACE_SECONDS": "0",
    }
    with new_stack(settings) as stack:
        yield stack


@pytest.fixture(scope="module")
def bridge(
    stack: LocalStack, speaker: FakeSpeaker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BridgeProcess]:
    assert stack.auth
    home = tmp_path_factory.mktemp("bridge")
    account = provision(PROJECT, API_KEY, HOME, admin_bearer="owner", auth_emulator=stack.auth.host)
    account.save(home / "bridge.json")
    process = BridgeProcess(
        state_dir=home / "state",
        credential=home / "bridge.json",
        speaker=("bedroom", f"127.0.0.1:{speaker.port}"),
        token=speaker.token,
        fingerprint=speaker.fingerprint,
        local_port=free_ports(1)[0],
        env=stack.emulator_env(),
        log=home / "bridge.log",
    ).start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def platform(
    stack: LocalStack, bridge: BridgeProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalPlatform]:
    """The platform after Google's SYNC (account linking): the synced devices as Google holds
    them, the cloud fulfillment as its fallback."""
    assert stack.homegraph
    eventually(lambda: custom_data(stack).get("secret"), 30, "the bridge's local fields")
    stack.link(HOME)
    eventually(lambda: synced(stack, DND).get("customData"), 30, "SYNC carries customData")
    fake = LocalPlatform(tmp_path_factory.mktemp("platform") / "platform.log").start(build())
    try:
        fake.call("cloud", url=stack.url("fulfillment"), token=stack.token_for(HOME))
        fake.call("sync", devices=stack.homegraph.synced_devices(HOME))
        yield fake
    finally:
        fake.stop()


def custom_data(stack: LocalStack) -> dict[str, Any]:
    return (stack.store.device(HOME, DND).get().to_dict() or {}).get("customData") or {}


def synced(stack: LocalStack, device_id: str) -> dict[str, Any]:
    assert stack.homegraph
    return next((d for d in stack.homegraph.synced_devices(HOME) if d["id"] == device_id), {})


def google_on(stack: LocalStack) -> Any:
    assert stack.homegraph
    return (stack.homegraph.last_reported(HOME, DND) or {}).get("on")


def google_is(stack: LocalStack, on: bool) -> Callable[[], bool]:
    return lambda: google_on(stack) is on


def on_off(on: bool) -> list[dict[str, Any]]:
    return [{"devices": [DND], "execution": [{"command": ON_OFF, "params": {"on": on}}]}]


def setters(speaker: FakeSpeaker) -> int:
    return sum(1 for r in speaker.requests if r.body and "notifications_enabled" in r.body)


def scan(platform: LocalPlatform, bridge: BridgeProcess) -> dict[str, Any]:
    platform.call("forget")
    result: dict[str, Any] = platform.call(
        "scan", mdnsScanData=bridge.scan_data, address="127.0.0.1"
    )
    return result


def test_sync_carries_what_local_fulfillment_needs(stack: LocalStack, bridge: BridgeProcess):
    device = synced(stack, DND)
    assert device["otherDeviceIds"] == [{"deviceId": DND}]
    data = device["customData"]
    assert set(data) == {"hub", "port", "secret"}
    assert data["hub"] == bridge.scan_data["txt"]["hub"] and data["port"] == bridge.local_port
    assert data["secret"] not in json.dumps(bridge.scan_data)
    assert data["secret"] not in bridge.log.read_text()


def test_identify_and_reachable_devices(platform: LocalPlatform, bridge: BridgeProcess):
    learnt = scan(platform, bridge)
    device = learnt["identified"]["payload"]["device"]
    assert device["id"] == bridge.scan_data["txt"]["hub"]
    assert device["isProxy"] is True and device["isLocalOnly"] is True
    assert learnt["reachable"]["payload"]["devices"] == [{"verificationId": DND}]
    assert learnt["local"] == [DND] and learnt["unmatched"] == []


def test_do_not_disturb_on_and_off_locally_read_back(
    stack: LocalStack, speaker: FakeSpeaker, platform: LocalPlatform, bridge: BridgeProcess
):
    scan(platform, bridge)
    for on in (True, False):
        before = setters(speaker)
        result = platform.call("execute", commands=on_off(on))
        assert result["path"] == "local", result
        assert result["response"]["payload"]["commands"] == [
            {"ids": [DND], "status": "SUCCESS", "states": {"on": on, "online": True}}
        ]
        assert speaker.dnd is on and setters(speaker) == before + 1
        read = platform.call("query", ids=[DND])
        assert read["path"] == "local"
        assert read["response"]["payload"]["devices"][DND]["on"] is on
        assert stack.store.device(HOME, DND).get().to_dict()["states"]["on"] is on
        eventually(google_is(stack, on), 30, "Report State follows")


def test_the_same_request_by_both_paths_acts_once(
    stack: LocalStack, speaker: FakeSpeaker, platform: LocalPlatform, bridge: BridgeProcess
):
    """A local EXECUTE, then the cloud's fallback of the same request (the same requestId, as
    a timed-out local attempt would bring): the bridge answers the cloud from its journal."""
    scan(platform, bridge)
    before = setters(speaker)
    local = platform.call("execute", commands=on_off(True), requestId="both-paths-1")
    assert local["path"] == "local"
    cloud = fulfillment(stack, "both-paths-1", on_off(True))
    assert cloud["payload"]["commands"][0]["status"] == "SUCCESS", cloud
    assert setters(speaker) == before + 1
    done = bridge.wait_for("command_already_done")
    assert done["origin"] == "cloud"


def test_a_pin_protected_command_is_declined_locally_and_asked_by_the_cloud(
    stack: LocalStack, speaker: FakeSpeaker, platform: LocalPlatform, bridge: BridgeProcess
):
    scan(platform, bridge)
    stack.store.set_pin(HOME, pin_record("2468"))
    document = stack.store.device(HOME, DND)
    document.update({"secondaryVerification": {ON_OFF: "pinNeeded"}})
    try:
        eventually(
            lambda: local_entry(False).get("errorCode") == "challengeNeeded",
            10,
            "the bridge sees the PIN requirement",
        )
        before, dnd = setters(speaker), speaker.dnd
        result = platform.call("execute", commands=on_off(not dnd))
        assert result["path"] == "cloud"
        assert result["localError"]["errorCode"] == "challengeNeeded"
        assert result["response"]["payload"]["commands"][0]["challengeNeeded"] == {
            "type": "pinNeeded"
        }
        assert setters(speaker) == before and speaker.dnd is dnd
    finally:
        document.update({"secondaryVerification": firestore.DELETE_FIELD})


def local_entry(on: bool) -> dict[str, Any]:
    """The bridge's own answer to a local EXECUTE (straight to its endpoint)."""
    return dict(ask_bridge(on_off(on))[1]["payload"]["commands"][0])


def ask_bridge(
    commands: list[dict[str, Any]], secret: str | None = None
) -> tuple[int, dict[str, Any]]:
    """POST a local EXECUTE to the bridge as the app does, with ``secret`` (default: SYNC's)."""
    data = LOCAL["customData"]
    body = {
        "requestId": "direct",
        "inputs": [
            {
                "intent": "action.devices.EXECUTE",
                "payload": {
                    "commands": [
                        {"devices": [{"id": d} for d in c["devices"]], "execution": c["execution"]}
                        for c in commands
                    ]
                },
            }
        ],
    }
    headers = {"Content-Type": "application/json"}
    if secret != "":
        headers["Authorization"] = f"Bearer {secret or data['secret']}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{data['port']}/smarthome/local",
        data=json.dumps(body).encode(),
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


LOCAL: dict[str, Any] = {}


@pytest.fixture(scope="module", autouse=True)
def local_data(stack: LocalStack, platform: LocalPlatform) -> None:
    LOCAL["customData"] = synced(stack, DND)["customData"]


def test_a_wrong_or_missing_secret_is_refused(
    stack: LocalStack, speaker: FakeSpeaker, platform: LocalPlatform, bridge: BridgeProcess
):
    before = setters(speaker)
    for secret in ("", "not-the-secret"):
        status, body = ask_bridge(on_off(True), secret)
        assert status == 401 and body["error"] == "unauthorized", body
    assert setters(speaker) == before
    # The app with a stale secret: a local failure, and Google takes the cloud path.
    assert stack.homegraph
    stale = [
        {**d, "customData": {**d["customData"], "secret": "stale"}} if d["id"] == DND else d
        for d in stack.homegraph.synced_devices(HOME)
    ]
    scan(platform, bridge)
    platform.call("sync", devices=stale)
    try:
        result = platform.call("query", ids=[DND])
        assert result["path"] == "cloud" and result["localError"]["errorCode"] == "authFailure"
        assert result["response"]["payload"]["devices"][DND]["online"] is True
        with pytest.raises(RuntimeError, match="authFailure"):
            scan(platform, bridge)  # REACHABLE_DEVICES refused: no local path at all
    finally:
        platform.call("sync", devices=stack.homegraph.synced_devices(HOME))
    assert "not-the-secret" not in bridge.log.read_text()


def test_the_bridge_stopped_midway_falls_back_to_the_cloud_and_a_restart_carries_on(
    stack: LocalStack, speaker: FakeSpeaker, platform: LocalPlatform, bridge: BridgeProcess
):
    scan(platform, bridge)
    secret = custom_data(stack)["secret"]
    target = not speaker.dnd
    bridge.stop()
    result = platform.call("execute", commands=on_off(target))
    assert result["path"] == "cloud"
    assert result["localError"]["errorCode"] == "GENERIC_ERROR"
    # The confirmed switch's record waits for a bridge: Google hears PENDING.
    assert result["response"]["payload"]["commands"][0]["status"] == "PENDING", result
    assert speaker.dnd is not target
    bridge.start()
    eventually(lambda: speaker.dnd is target, 30, "the restarted bridge carries the record out")
    eventually(lambda: google_on(stack) is target, 30, "Google's view follows")
    assert custom_data(stack)["secret"] == secret  # SYNC's customData is unchanged
    learnt = scan(platform, bridge)
    assert learnt["local"] == [DND]
    again = platform.call("execute", commands=on_off(not target))
    assert again["path"] == "local"
    assert speaker.dnd is not target


def fulfillment(stack: LocalStack, request_id: str, commands: list[dict[str, Any]]) -> Any:
    body = {
        "requestId": request_id,
        "inputs": [
            {
                "intent": "action.devices.EXECUTE",
                "payload": {
                    "commands": [
                        {"devices": [{"id": d} for d in c["devices"]], "execution": c["execution"]}
                        for c in commands
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
        return json.load(answer)
