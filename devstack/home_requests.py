"""What the local Google Home page may ask its server to do, checked; pure.

Each function turns a browser's JSON body into one action, or raises ``Refused`` with the reason
(the server answers it as HTTP 400 and changes nothing).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

INTENTS = ("action.devices.SYNC", "action.devices.QUERY", "action.devices.EXECUTE")
"""What the page sends as Google: DISCONNECT is left to the account-linking page."""
DEVICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
STATE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
FIELDS = frozenset(
    {
        "name.name",
        "name.nicknames",
        "roomHint",
        "structureHint",
        "willReportState",
        "notificationSupportedByAgent",
        "deviceError",
    }
)
"""The device fields (besides ``states.<key>``) the page's device-backend panel may write."""
EVENT_TRAITS = ("ObjectDetection", "RunCycle", "SensorState")


class Refused(ValueError):
    """A request the page's server will not carry out; the message says why."""


@dataclass(frozen=True)
class Intent:
    intent: str
    payload: dict[str, Any] | None


@dataclass(frozen=True)
class DeviceWrite:
    """One write to a device document: ``set`` it whole, ``update`` fields (None deletes a
    field), or ``delete`` it."""

    device_id: str
    set: dict[str, Any] | None = None
    update: dict[str, Any] | None = None
    delete: bool = False


@dataclass(frozen=True)
class DeviceEvent:
    device_id: str
    trait: str
    notification: dict[str, Any]


def intent(body: Any) -> Intent:
    """``{"intent": "action.devices.EXECUTE", "payload": {...}}``; the fulfillment judges the
    payload itself, as it would Google's."""
    if not isinstance(body, Mapping) or set(body) - {"intent", "payload"}:
        raise Refused('the body must be {"intent": ..., "payload": {...}}')
    if body.get("intent") not in INTENTS:
        raise Refused(f"intent must be one of {', '.join(INTENTS)}")
    payload = body.get("payload")
    if payload is not None and not isinstance(payload, dict):
        raise Refused("payload must be an object")
    if body["intent"] != "action.devices.SYNC" and payload is None:
        raise Refused(f"{body['intent']} needs a payload")
    return Intent(body["intent"], payload)


def device_id(raw: str) -> str:
    if not DEVICE_ID.match(raw):
        raise Refused(
            f"device id {raw[:40]!r} must be 1 to 100 letters, digits, '-', '_' or '.', "
            "starting with a letter or digit"
        )
    return raw


def device_write(raw_id: str, body: Any) -> DeviceWrite:
    """``{"set": document}``, ``{"update": {field: value}}`` or ``{"delete": true}``."""
    target = device_id(raw_id)
    if not isinstance(body, Mapping) or len(body) != 1:
        raise Refused('the body must be one of {"set": {...}}, {"update": {...}}, {"delete": true}')
    if "set" in body:
        document = body["set"]
        if not isinstance(document, dict) or not document:
            raise Refused("set needs the whole device document, an object")
        return DeviceWrite(target, set=document)
    if "update" in body:
        fields = body["update"]
        if not isinstance(fields, dict) or not fields:
            raise Refused("update needs an object of fields")
        for name in fields:
            state = name.removeprefix("states.")
            if name not in FIELDS and not (name != state and STATE_KEY.match(state)):
                raise Refused(
                    f"field {name!r} cannot be written here: states.<key> or one of "
                    f"{', '.join(sorted(FIELDS))}"
                )
        return DeviceWrite(target, update=fields)
    if body.get("delete") is True:
        return DeviceWrite(target, delete=True)
    raise Refused('the body must be one of {"set": {...}}, {"update": {...}}, {"delete": true}')


def device_event(raw_id: str, body: Any) -> DeviceEvent:
    """``{"trait": "ObjectDetection", "notification": {...}}``: what a device backend records
    for a doorbell press (the product checks the rest, as it would a maker's)."""
    target = device_id(raw_id)
    if not isinstance(body, Mapping) or set(body) != {"trait", "notification"}:
        raise Refused('the body must be {"trait": ..., "notification": {...}}')
    if body["trait"] not in EVENT_TRAITS:
        raise Refused(f"trait must be one of {', '.join(EVENT_TRAITS)}")
    if not isinstance(body["notification"], dict) or not body["notification"]:
        raise Refused("notification must be a non-empty object")
    return DeviceEvent(target, body["trait"], body["notification"])


def speaker_dnd(body: Any) -> bool:
    """``{"dnd": true}``: Do Not Disturb, flipped on the fake speaker itself."""
    if not isinstance(body, Mapping) or set(body) != {"dnd"} or not isinstance(body["dnd"], bool):
        raise Refused('the body must be {"dnd": true} or {"dnd": false}')
    return bool(body["dnd"])
