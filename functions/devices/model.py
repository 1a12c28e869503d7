"""A device document from Firestore, checked against the contract; pure.

The document mirrors Google's SYNC device object plus a flat ``states`` map:
https://developers.home.google.com/cloud-to-cloud/intents/sync
"""

import json
import re
import threading
import traceback
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from functions.core.errors import InvalidDevice
from functions.devices.backend import (
    ExecutionPolicy,
    challenge_overrides,
    device_error,
    execution_policy,
)
from functions.devices.contract import CUSTOM_DATA_MAX_BYTES, MATTER_FIELDS, SYNC_FIELDS
from functions.devices.device_types import DEVICE_TYPES
from functions.devices.traits import TRAITS
from functions.devices.traits.base import Trait
from functions.devices.traits.fields import Fields, attributes

MATTER_UNIQUE_ID_MAX_CHARS = 32
"""The Matter Basic Information cluster's UniqueID is a string of at most 32 characters."""
MATTER_HEX_ID = re.compile(r"0x[0-9a-fA-F]{1,4}")
"""VendorID and ProductID are 16-bit numbers, sent as hexadecimal strings such as ``"0xfff1"``."""
READ_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError, ArithmeticError)
"""What reading a document of unexpected shape raises (InvalidDevice is a ValueError): one device
whose document holds a value of an unexpected type is invalid, never the request naming it."""


def unreadable(error: Exception) -> InvalidDevice:
    """``error``, raised while reading a device document, as the InvalidDevice it means: its type
    and where it was raised (never its message, which may quote the document's values)."""
    if isinstance(error, InvalidDevice):
        return error
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return InvalidDevice(f"a value of an unexpected type ({type(error).__name__}{where})")


def compact_json(value: Any) -> str:
    """JSON as Google receives it; raises InvalidDevice for values JSON cannot hold."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidDevice(f"not representable as JSON: {error}") from None


@dataclass(frozen=True)
class Device:
    """A valid device document."""

    id: str
    data: Mapping[str, Any]

    @property
    def traits(self) -> list[Trait]:
        return [TRAITS[name] for name in self.data["traits"]]

    @property
    def attributes(self) -> Mapping[str, Any]:
        return self.data.get("attributes") or {}

    @property
    def states(self) -> Mapping[str, Any]:
        return self.data.get("states") or {}

    @property
    def online(self) -> bool:
        """Reachable only when the backend says so: a missing ``online`` means offline."""
        return self.states.get("online") is True

    @property
    def matter_without_room(self) -> bool:
        """True for a device moved to Matter that gives no ``roomHint``, which Google's
        deduplication needs beside the three Matter ids."""
        return "matterUniqueId" in self.data and not self.data.get("roomHint")

    @property
    def policy(self) -> ExecutionPolicy:
        """How EXECUTE commands the device (optimistic or confirmed); see devices.backend."""
        return execution_policy(self.data)

    @property
    def error(self) -> str | None:
        """The error code that keeps the device from acting (``deviceError``), or None."""
        return device_error(self.data)

    def sync(self) -> dict[str, Any]:
        """The device object of a SYNC answer: every SYNC field the document holds."""
        found = {key: self.data[key] for key in SYNC_FIELDS if self.data.get(key) is not None}
        return {"id": self.id, **found}

    def trait_states(self, traits: list[Trait] | None = None) -> dict[str, Any]:
        """The states of the given traits (all declared ones by default), as QUERY answers;
        raises InvalidDevice when a trait cannot read them."""
        result: dict[str, Any] = {}
        try:
            for trait in self.traits if traits is None else traits:
                result.update(trait.query_states(self.attributes, self.states))
        except READ_ERRORS as error:
            raise unreadable(error) from None
        return result


VERDICTS = 20_000
"""Documents whose verdict this process remembers (a few MB at most)."""
_verdicts: OrderedDict[tuple[str, str], str | None] = OrderedDict()
_verdicts_lock = threading.Lock()


def parse_device(device_id: str, data: Mapping[str, Any]) -> Device:
    """Check a device document against the contract; raises InvalidDevice with the reason, and
    nothing else, whatever the document holds.

    A process checks a given document once: Google QUERYs the same unchanged devices again and
    again, so the verdict (valid, or the reason it is not) is remembered by the document's
    content, and a document that changed is checked afresh."""
    try:
        key = (device_id, json.dumps(data, sort_keys=True, separators=(",", ":")))
    except (TypeError, ValueError):
        key = None  # not JSON (a timestamp in states): checked every time
    with _verdicts_lock:
        known = key is not None and key in _verdicts
        verdict = _verdicts.get(key) if key is not None else None
    if not known:
        try:
            _check(device_id, data)
            verdict = None
        except READ_ERRORS as error:
            verdict = str(unreadable(error))
        if key is not None:
            with _verdicts_lock:
                _verdicts[key] = verdict
                while len(_verdicts) > VERDICTS:
                    _verdicts.popitem(last=False)
    if verdict is not None:
        raise InvalidDevice(verdict)
    return Device(device_id, data)


def _check(device_id: str, data: Mapping[str, Any]) -> None:
    """The contract's checks, every one."""
    doc = Fields(data, InvalidDevice)
    device_type = doc.string("type", required=True)
    if device_type not in DEVICE_TYPES:
        doc.error(f"unknown device type {device_type}")
    traits = doc.strings("traits", required=True, min_items=1) or []
    unknown = [name for name in traits if name not in TRAITS]
    if unknown:
        doc.error(f"traits: unknown trait(s) {unknown}")
    if len(set(traits)) != len(traits):
        doc.error("traits: listed twice")
    name = doc.obj("name", required=True)
    assert name is not None
    name.string("name", required=True)
    name.strings("defaultNames")
    name.strings("nicknames")
    doc.boolean("willReportState", required=True)
    doc.boolean("notificationSupportedByAgent")
    doc.string("roomHint")
    doc.string("structureHint")
    info = doc.obj("deviceInfo")
    for key in ("manufacturer", "model", "hwVersion", "swVersion"):
        if info is not None:
            info.string(key)
    _check_other_device_ids(doc)
    _check_custom_data(doc)
    _check_matter(doc)
    doc.obj("attributes")
    doc.obj("states")
    execution_policy(data)
    device_error(data)
    challenge_overrides(data)
    trait_attributes = attributes(data.get("attributes") or {})
    for trait_name in traits:
        TRAITS[trait_name].validate_attributes(trait_attributes)
    device = Device(device_id, data)
    compact_json(device.sync())
    compact_json(device.states)


def _check_other_device_ids(doc: Fields) -> None:
    for entry in doc.array("otherDeviceIds") or []:
        if not isinstance(entry, Mapping):
            doc.error("otherDeviceIds: each entry must be an object")
        other = Fields(entry, lambda message: InvalidDevice(f"otherDeviceIds.{message}"))
        other.string("deviceId", required=True)
        other.string("agentId")


def _check_matter(doc: Fields) -> None:
    """The Matter ids: all three or none; the unique id a string of 1 to 32 characters, the
    vendor and product ids ``0x`` and 1 to 4 hexadecimal digits."""
    given = [key for key in MATTER_FIELDS if doc.raw(key) is not None]
    if not given:
        return
    if len(given) != len(MATTER_FIELDS):
        doc.error(f"{', '.join(MATTER_FIELDS)} go together; only {', '.join(given)} given")
    unique = doc.string("matterUniqueId")
    if len(unique) > MATTER_UNIQUE_ID_MAX_CHARS:
        doc.error(f"matterUniqueId is over {MATTER_UNIQUE_ID_MAX_CHARS} characters")
    for key in MATTER_FIELDS[1:]:
        if not MATTER_HEX_ID.fullmatch(doc.string(key)):
            doc.error(f'{key} must be a hexadecimal string such as "0xfff1"')


def _check_custom_data(doc: Fields) -> None:
    custom = doc.obj("customData")
    if custom is None:
        return
    size = len(compact_json(doc.raw("customData")).encode())
    if size > CUSTOM_DATA_MAX_BYTES:
        doc.error(f"customData is {size} bytes as JSON; Google allows {CUSTOM_DATA_MAX_BYTES}")


def reportable_states(device_id: str, document: Mapping[str, Any]) -> dict[str, Any] | None:
    """What Report State sends for a device: each declared trait's complete states plus
    ``online``; None when the device does not report state. Raises InvalidDevice."""
    device = parse_device(device_id, document)
    if document.get("willReportState") is not True:
        return None
    return {**device.trait_states(), "online": device.online}
