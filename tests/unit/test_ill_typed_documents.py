"""Issue 22, finding 7: one ill-typed field never takes down a whole home.

A device backend's credential may write any value into a contract field (firestore.rules checks
field names, and that ``states`` is a map). Each document below is rule-valid, holds one value of
an unexpected type, and once made the whole EXECUTE answer the global ``transientError`` (found by
tests/reliability/test_hostile_documents.py). Now a value the product can read around is read
around, and anything else makes that one device invalid: ``hardError``, logged, the rest of the
request served.
"""

import copy
import dataclasses
import json
from typing import Any

import pytest

from devstack.demo_home import DEMO_DEVICES
from functions.core.errors import InvalidDevice
from functions.devices.model import parse_device, reportable_states
from functions.devices.traits import TRAITS
from functions.fulfillment.memory_store import MemoryStore
from functions.on_device_written.events import DocumentChange, messages
from tests.support.hostile_documents import one_trait_device
from tests.support.world import World, intent, light, log_lines, memory_world

C = "action.devices.commands."


def with_state(document: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["states"][key] = value
    return changed


def transport() -> dict[str, Any]:
    player = one_trait_device("TransportControl")
    player["attributes"]["supportPlaybackState"] = True
    return player


FOUND: dict[str, tuple[dict[str, Any], str, dict[str, Any]]] = {
    "currentStatusReport a number (any device)": (
        with_state(light(), "currentStatusReport", 5),
        C + "OnOff",
        {"on": False},
    ),
    "currentModeSettings null": (
        with_state(DEMO_DEVICES["washer"], "currentModeSettings", None),
        C + "SetModes",
        {"updateModeSettings": {"load": "large"}},
    ),
    "currentToggleSettings a list": (
        with_state(DEMO_DEVICES["washer"], "currentToggleSettings", ["quiet"]),
        C + "SetToggles",
        {"updateToggleSettings": {"quiet": True}},
    ),
    "activeZones a number": (
        with_state(DEMO_DEVICES["washer"], "activeZones", 5),
        C + "StartStop",
        {"start": False, "zone": "kitchen"},
    ),
    "activeZones holding a number": (
        with_state(DEMO_DEVICES["washer"], "activeZones", [1, "kitchen"]),
        C + "StartStop",
        {"start": False, "zone": "kitchen"},
    ),
    "dispenseItems true": (
        with_state(one_trait_device("Dispense"), "dispenseItems", True),
        C + "Dispense",
        {},
    ),
    "playbackState a list": (
        with_state(transport(), "playbackState", ["PLAYING"]),
        C + "mediaPause",
        {},
    ),
}


def home(document: dict[str, Any]) -> tuple[World, str]:
    world = memory_world(MemoryStore())
    world.put_device("u1", "odd", document)
    world.put_device("u1", "lamp", light(on=False))
    return world, world.token("u1")


def execute_both(command: str, params: dict[str, Any]) -> dict[str, Any]:
    def one(device_id: str, name: str, given: dict[str, Any]) -> dict[str, Any]:
        execution = [{"command": name, "params": given}]
        return {"devices": [{"id": device_id}], "execution": execution}

    commands = [one("odd", command, params), one("lamp", C + "OnOff", {"on": True})]
    return intent("EXECUTE", {"commands": commands})


@pytest.mark.parametrize("name", list(FOUND))
def test_an_ill_typed_state_never_fails_the_request(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    document, command, params = FOUND[name]
    world, token = home(document)
    capsys.readouterr()
    answer = world.post(execute_both(command, params), token)
    text = json.dumps(answer.body)
    assert answer.status == 200 and "transientError" not in text, text
    outcomes = {i: c for c in answer.body["payload"]["commands"] for i in c["ids"]}
    assert outcomes["lamp"]["status"] == "SUCCESS"
    assert outcomes["odd"]["status"] in ("SUCCESS", "ERROR"), outcomes["odd"]
    assert not [e for e in log_lines(capsys.readouterr().out) if e["message"] == "intent failed"]
    query = world.post(intent("QUERY", {"devices": [{"id": "odd"}, {"id": "lamp"}]}), token)
    assert query.body["payload"]["devices"]["lamp"]["status"] == "SUCCESS"


def broken_handler(*_: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    return {"on": found["missing"]}  # what a trait that misreads a document raises


def test_a_trait_that_cannot_read_a_document_fails_only_that_device(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever a trait's code raises on a document it did not expect (here a KeyError), the
    device is invalid for this command: hardError, logged at ERROR without the document's values,
    and every other device is served."""
    from functions.devices.traits import brightness

    monkeypatch.setitem(brightness.TRAIT.commands, C + "BrightnessAbsolute", broken_handler)
    world, token = home(light(brightness=10))
    capsys.readouterr()
    body = execute_both(C + "BrightnessAbsolute", {"brightness": 42})
    commands = world.post(body, token).body["payload"]["commands"]
    assert commands == [
        {"ids": ["odd"], "status": "ERROR", "errorCode": "hardError"},
        {"ids": ["lamp"], "status": "SUCCESS", "states": {"on": True, "online": True}},
    ]
    errors = [e for e in log_lines(capsys.readouterr().out) if e["severity"] == "ERROR"]
    assert [(e["message"], e["deviceId"]) for e in errors] == [("invalid device document", "odd")]
    assert "KeyError" in errors[0]["reason"] and "missing" not in errors[0]["reason"]
    assert world.device("u1", "odd")["states"]["brightness"] == 10


def test_a_trait_that_cannot_report_a_document_fails_only_that_device(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from functions.devices.traits import brightness

    def broken_query(_attributes: Any, states: Any) -> dict[str, Any]:
        return {"brightness": states["brightness"] + "%"}  # TypeError on a number

    broken = dataclasses.replace(brightness.TRAIT, query=broken_query)
    monkeypatch.setitem(TRAITS._loaded, "Brightness", broken)  # type: ignore[attr-defined]
    world, token = home(light())
    answer = world.post(intent("QUERY", {"devices": [{"id": "odd"}, {"id": "lamp"}]}), token)
    devices = answer.body["payload"]["devices"]
    assert devices["odd"] == {"online": False, "status": "ERROR", "errorCode": "hardError"}
    assert devices["lamp"] == devices["odd"], "both are lights: both unreadable here"
    sync = world.post(intent("SYNC"), token).body["payload"]["devices"]
    assert [d["id"] for d in sync] == ["lamp", "odd"], "SYNC reads no states"
    with pytest.raises(InvalidDevice):
        reportable_states("odd", light())
    change = DocumentChange("u1", "odd", light(on=False), light(on=True), 1)
    found, skipped = messages(change)
    assert found == [] and skipped and "invalid device document" in skipped


@pytest.mark.parametrize(
    "document",
    [
        {**light(), "traits": [["action.devices.traits.OnOff"]]},
        {**light(), "name": {"name": "Lamp", "nicknames": [{"x": 1}]}},
        {**light(), "attributes": []},
        {**light(), "otherDeviceIds": [["x"]]},
        {**light(), "execution": {"mode": ["confirmed"]}},
        {**light(), "secondaryVerification": {"action.devices.commands.OnOff": ["none"]}},
        {**light(), "deviceError": {"code": "deviceJammingDetected"}},
    ],
    ids=[
        "traits nested",
        "nickname a map",
        "attributes a list",
        "otherDeviceIds nested",
        "mode a list",
        "verification a list",
        "deviceError a map",
    ],
)
def test_parsing_a_document_raises_only_invalid_device(document: dict[str, Any]) -> None:
    with pytest.raises(InvalidDevice):
        parse_device("odd", document)
