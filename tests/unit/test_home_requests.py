"""What the local Google Home page may ask its server: everything else is refused with a reason."""

from typing import Any

import pytest

from devstack import home_requests
from devstack.home_requests import Refused


def test_an_intent_is_one_of_googles_three_with_a_payload_where_needed() -> None:
    sent = home_requests.intent({"intent": "action.devices.QUERY", "payload": {"devices": []}})
    assert (sent.intent, sent.payload) == ("action.devices.QUERY", {"devices": []})
    assert home_requests.intent({"intent": "action.devices.SYNC"}).payload is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"intent": "action.devices.DISCONNECT"}, "intent must be one of"),
        ({"intent": "action.devices.EXECUTE"}, "needs a payload"),
        ({"intent": "action.devices.QUERY", "payload": []}, "payload must be an object"),
        ({"intent": "action.devices.SYNC", "extra": 1}, "the body must be"),
        ([], "the body must be"),
    ],
)
def test_a_bad_intent_is_refused(body: Any, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        home_requests.intent(body)


def test_device_writes() -> None:
    write = home_requests.device_write(
        "desk-outlet", {"update": {"states.on": True, "deviceError": None}}
    )
    assert write.update == {"states.on": True, "deviceError": None}
    assert home_requests.device_write("hall-light", {"set": {"type": "x"}}).set == {"type": "x"}
    assert home_requests.device_write("hall-light", {"delete": True}).delete


@pytest.mark.parametrize(
    ("device_id", "body", "reason"),
    [
        ("a/b", {"delete": True}, "device id"),
        ("__x__", {"delete": True}, "device id"),
        ("x", {"update": {"customData.secret": 1}}, "cannot be written here"),
        ("x", {"update": {"states.": 1}}, "cannot be written here"),
        ("x", {"update": {"states.a.b": 1}}, "cannot be written here"),
        ("x", {"update": {}}, "update needs"),
        ("x", {"set": {}}, "whole device document"),
        ("x", {"delete": False}, "the body must be one of"),
        ("x", {"set": {"a": 1}, "delete": True}, "the body must be one of"),
    ],
)
def test_a_bad_device_write_is_refused(device_id: str, body: Any, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        home_requests.device_write(device_id, body)


def test_events_and_the_speaker() -> None:
    event = home_requests.device_event(
        "front-doorbell", {"trait": "ObjectDetection", "notification": {"a": 1}}
    )
    assert (event.trait, event.notification) == ("ObjectDetection", {"a": 1})
    with pytest.raises(Refused, match="trait must be one of"):
        home_requests.device_event("front-doorbell", {"trait": "OnOff", "notification": {"a": 1}})
    with pytest.raises(Refused, match="non-empty object"):
        home_requests.device_event("front-doorbell", {"trait": "RunCycle", "notification": {}})
    assert home_requests.speaker_dnd({"dnd": True}) is True
    with pytest.raises(Refused):
        home_requests.speaker_dnd({"dnd": "on"})
