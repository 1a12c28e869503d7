"""The bridge as the local hub, over the in-memory store and a scripted device, with its endpoint
on real HTTP (127.0.0.1, a free port): the secret, the protocol's refusals, REACHABLE_DEVICES,
QUERY, EXECUTE through the worker and journal, a verification-needing command declined before
anything acts, a command acted on once whichever path brings it, the local fields and the mDNS
record. End to end with the app and a real bridge process: tests/integration/
test_local_fulfillment_e2e.py."""

import io
import itertools
import json
import logging
import stat
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bridge import logs
from bridge.commands import FileJournal
from bridge.local import protocol
from bridge.local.advertise import scan_data
from bridge.local.challenge import needs_verification
from bridge.local.hub import LocalHub
from bridge.local.identity import authorized, load_or_create
from bridge.local.protocol import BadRequest, Hub, local_fields
from bridge.memory_store import MemoryHomeStore
from bridge.runtime import Bridge, Settings
from bridge.store import CommandRecord, Execution
from functions.fulfillment.challenge import required
from tests.support.waiting import eventually
from tests.unit.bridge.scripted import ScriptedAdapter

SECRET = "unit-secret-0123456789"
ON_OFF = "action.devices.commands.OnOff"


class Registry:
    def __init__(self) -> None:
        self.registered: list[Any] = []
        self.closed = False

    def register_service(self, info: Any) -> None:
        self.registered.append(info)

    def unregister_service(self, info: Any) -> None:
        self.registered.remove(info)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def rig() -> Iterator[dict[str, Any]]:
    adapter, store = ScriptedAdapter(), MemoryHomeStore()
    bridge = Bridge(adapter, store, Settings(poll_interval=3600, retry_base=1)).start()
    registry = Registry()
    hub = LocalHub(bridge, Hub("hub-unit", 0, SECRET), "127.0.0.1", registry=registry, wait=2.0)
    hub.start()
    try:
        yield {"bridge": bridge, "adapter": adapter, "store": store, "hub": hub, "reg": registry}
    finally:
        hub.stop()
        bridge.stop()


ids = itertools.count()


def call(
    hub: LocalHub,
    intent: str,
    payload: Any,
    *,
    secret: str | None = SECRET,
    request_id: str | None = None,
    raw: bytes | None = None,
    path: str = protocol.PATH,
) -> tuple[int, dict[str, Any]]:
    body = (
        raw
        or json.dumps(
            {
                "requestId": request_id or f"r{next(ids)}",
                "inputs": [{"intent": intent, "payload": payload}],
            }
        ).encode()
    )
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{hub.hub.port}{path}", data=body, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def on_off(on: bool, *devices: str) -> dict[str, Any]:
    return {
        "commands": [
            {
                "devices": [{"id": d} for d in devices or ("lamp",)],
                "execution": [{"command": ON_OFF, "params": {"on": on}}],
            }
        ]
    }


def test_the_hub_writes_the_local_fields_once_and_advertises_no_secret(rig) -> None:
    document = rig["store"].devices["lamp"]
    assert document["otherDeviceIds"] == [{"deviceId": "lamp"}]
    assert document["customData"] == {
        "hub": "hub-unit",
        "port": rig["hub"].hub.port,
        "secret": SECRET,
    }
    assert rig["hub"].publish() == 0  # already there: no write, no Request Sync
    [info] = rig["reg"].registered
    scan = scan_data(info)
    assert scan["serviceName"] == "hub-unit._smarthome-hub._tcp.local"
    assert scan["txt"] == {"hub": "hub-unit", "v": "1", "sw": "1.0.0"}
    assert SECRET not in json.dumps(scan) and info.port == rig["hub"].hub.port


def test_a_missing_or_wrong_secret_is_refused_and_nothing_acts(rig) -> None:
    for secret in (None, "wrong", SECRET + "x", ""):
        status, body = call(rig["hub"], protocol.EXECUTE, on_off(True), secret=secret)
        assert status == 401, body
        assert body["error"] == "unauthorized"
    assert rig["adapter"].applied == []


def test_unreadable_requests_are_refused_with_a_reason(rig) -> None:
    hub = rig["hub"]
    assert call(hub, "", None, raw=b"not json")[0] == 400
    assert call(hub, "action.devices.SYNC", {})[1]["message"].startswith("intent must be")
    assert call(hub, protocol.EXECUTE, {"commands": []})[0] == 400
    assert call(hub, protocol.QUERY, {"devices": [{"id": 3}]})[0] == 400
    assert call(hub, protocol.QUERY, {"devices": []}, path="/other")[0] == 404
    assert rig["adapter"].applied == []


def test_reachable_devices_lists_the_devices_that_name_themselves(rig) -> None:
    status, body = call(rig["hub"], protocol.REACHABLE, {})
    assert status == 200
    assert body["payload"] == {"devices": [{"verificationId": "lamp"}]}


def test_execute_goes_through_the_worker_and_writes_the_states(rig) -> None:
    status, body = call(rig["hub"], protocol.EXECUTE, on_off(True, "lamp", "ghost"))
    assert status == 200
    assert body["payload"]["commands"] == [
        {"ids": ["lamp"], "status": "SUCCESS", "states": {"on": True, "online": True}},
        {"ids": ["ghost"], "status": "ERROR", "errorCode": "deviceNotFound"},
    ]
    assert rig["adapter"].on is True and rig["adapter"].applied == [{"on": True}]
    assert rig["store"].devices["lamp"]["states"]["on"] is True
    _, answer = call(rig["hub"], protocol.QUERY, {"devices": [{"id": "lamp"}, {"id": "ghost"}]})
    states = rig["store"].devices["lamp"]["states"]
    assert answer["payload"]["devices"] == {
        "lamp": {**states, "on": True, "status": "SUCCESS"},
        "ghost": {"status": "ERROR", "errorCode": "deviceNotFound", "online": False},
    }


def test_a_command_that_needs_verification_is_declined_before_anything_acts(rig) -> None:
    store: MemoryHomeStore = rig["store"]
    store.server_write("lamp", {"secondaryVerification": {ON_OFF: "ackNeeded"}})
    status, body = call(rig["hub"], protocol.EXECUTE, on_off(True))
    assert status == 200
    assert body["payload"]["commands"] == [
        {"ids": ["lamp"], "status": "ERROR", "errorCode": "challengeNeeded"}
    ]
    assert rig["adapter"].applied == []


def test_the_same_command_by_both_paths_acts_once(rig) -> None:
    """The local EXECUTE, then the cloud's fallback of the same request (same request id): the
    cloud record is answered with the local outcome, and the device acts once."""
    status, body = call(rig["hub"], protocol.EXECUTE, on_off(True), request_id="req-both")
    assert body["payload"]["commands"][0]["status"] == "SUCCESS"
    store: MemoryHomeStore = rig["store"]
    command = store.execute("lamp", ON_OFF, {"on": True}, mode="confirmed", request_id="req-both")
    outcome = eventually(lambda: store.outcome("lamp", command), 10, "the cloud record's outcome")
    assert outcome == {"status": "SUCCESS", "states": {"on": True}}
    assert rig["adapter"].applied == [{"on": True}]
    # Another request with the same command is another command: it acts.
    call(rig["hub"], protocol.EXECUTE, on_off(True), request_id="req-other")
    assert rig["adapter"].applied == [{"on": True}, {"on": True}]


def test_the_secret_never_reaches_the_logs(rig) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logs.LOGGER.addHandler(handler)
    logs.LOGGER.setLevel(logging.INFO)
    try:
        call(rig["hub"], protocol.EXECUTE, on_off(True))
        call(rig["hub"], protocol.EXECUTE, on_off(True), secret="a-wrong-one")
        rig["hub"].stop()
        rig["hub"].start()
    finally:
        logs.LOGGER.removeHandler(handler)
    text = stream.getvalue()
    assert "local_request" in text and "local_endpoint_started" in text
    assert SECRET not in text and "a-wrong-one" not in text


def test_local_fields_keep_the_makers_custom_data_and_respect_googles_limit() -> None:
    hub = Hub("hub-x", 8765, "s")
    fields = local_fields(
        "d", {"customData": {"model": 7}, "otherDeviceIds": [{"deviceId": "q"}]}, hub
    )
    assert fields == {
        "otherDeviceIds": [{"deviceId": "q"}, {"deviceId": "d"}],
        "customData": {"model": 7, "hub": "hub-x", "port": 8765, "secret": "s"},
    }
    assert local_fields("d", fields, hub) is None
    with pytest.raises(ValueError, match="Google allows 512"):
        local_fields("d", {"customData": {"blob": "x" * 480}}, hub)


def test_the_identity_is_kept_private_and_across_restarts(tmp_path: Path) -> None:
    first = load_or_create(tmp_path, 8765)
    assert stat.S_IMODE((tmp_path / "local.json").stat().st_mode) == 0o600
    again = load_or_create(tmp_path, 9000)
    assert (again.id, again.secret, again.port) == (first.id, first.secret, 9000)
    assert first.secret not in repr(first)
    assert authorized(f"Bearer {first.secret}", first.secret)
    assert authorized(f"bearer {first.secret}", first.secret)
    for header in (None, "", first.secret, f"Basic {first.secret}", f"Bearer {first.secret}x"):
        assert not authorized(header, first.secret)


def test_parse_refuses_what_it_cannot_read() -> None:
    for body in (b"[]", b'{"requestId": ""}', b'{"requestId": "r", "inputs": []}'):
        with pytest.raises(BadRequest):
            protocol.parse(body)


@pytest.mark.parametrize(
    ("kind", "command", "params"),
    [
        ("LOCK", "LockUnlock", {"lock": False}),
        ("LOCK", "LockUnlock", {"lock": True}),
        ("GARAGE", "OpenClose", {"openPercent": 100}),
        ("GARAGE", "OpenClose", {"openPercent": 0}),
        ("DOOR", "OpenCloseRelative", {"openRelativePercent": 10}),
        ("SECURITYSYSTEM", "ArmDisarm", {"arm": False}),
        ("SECURITYSYSTEM", "ArmDisarm", {"arm": True, "cancel": True}),
        ("CAMERA", "OnOff", {"on": False}),
        ("SWITCH", "OnOff", {"on": False}),
        ("ROUTER", "Reboot", {}),
        ("SPEAKER", "Reboot", {}),
    ],
)
@pytest.mark.parametrize("override", [None, "none", "ackNeeded", "pinNeeded"])
def test_local_verification_rules_agree_with_the_fulfillments(kind, command, params, override):
    wire = f"action.devices.commands.{command}"
    document: dict[str, Any] = {"type": f"action.devices.types.{kind}"}
    if override:
        document["secondaryVerification"] = {wire: override}
    product = required(document, [(wire, params)])
    assert needs_verification(document, [(wire, params)]) is (product != "none")


def test_the_journal_keeps_outcomes_across_a_restart(tmp_path: Path) -> None:
    """A command done locally, then the bridge restarts: the cloud's record of the same request
    is still answered from the journal file (and an older file of bare claims still loads)."""
    path = tmp_path / "commands.json"
    journal = FileJournal(path)
    until = datetime.now(UTC) + timedelta(minutes=10)
    assert journal.claim("lamp/r1/abc", until)
    journal.settle("lamp/r1/abc", {"status": "SUCCESS", "states": {"on": True}})
    again = FileJournal(path)
    assert not again.claim("lamp/r1/abc", until)
    assert again.outcome("lamp/r1/abc") == {"status": "SUCCESS", "states": {"on": True}}
    path.write_text(json.dumps({"lamp/c9": until.isoformat()}))
    legacy = FileJournal(path)
    assert not legacy.claim("lamp/c9", until) and legacy.outcome("lamp/c9") is None


def record(command_id: str, params: dict[str, Any], request_id: str = "r") -> CommandRecord:
    executions = (Execution(ON_OFF, params),)
    return CommandRecord("d", command_id, executions, {}, "confirmed", None, request_id)


def test_a_commands_identity_leaves_out_what_only_the_cloud_carries() -> None:
    local = record("local-1", {"on": True})
    cloud = record("c1", {"on": True, "followUpToken": "t"})
    assert local.identity == cloud.identity != record("c2", {"on": False}).identity
    assert record("c3", {"on": True}, request_id="").identity == "d/c3"
