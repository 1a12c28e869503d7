"""Firestore document events: decode them and decide what Home Graph must hear; pure.

The event is Eventarc's ``google.cloud.firestore.document.v1.written`` with a protobuf
``DocumentEventData`` body (``value`` after the write, ``old_value`` before it):
https://cloud.google.com/firestore/docs/extend-with-functions-2nd-gen#event_data
"""

import base64
import binascii
import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.events.cloud.firestore_v1.types import DocumentEventData

from functions.core.errors import InvalidDevice
from functions.core.messages import (
    FOLLOW_UP,
    NOTIFICATION,
    STATE,
    SYNC,
    Message,
    announcement_message,
    state_message,
    sync_message,
)
from functions.core.paths import COMMANDS, EVENTS
from functions.core.units import SECOND
from functions.devices.announcements import follow_up_owed
from functions.devices.contract import STATES, SYNC_FIELDS
from functions.devices.model import reportable_states

_EventPb = DocumentEventData.pb()


class BadEvent(ValueError):
    """An event that can never be processed (not a device document, undecodable body)."""


@dataclass(frozen=True)
class DocumentChange:
    """One write to ``users/{user_id}/devices/{device_id}``, or to a document of one of its
    subcollections (``collection``/``doc_id``: a command record, a device event)."""

    user_id: str
    device_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changed_at: int
    """Commit time of the write, nanoseconds since the epoch (the write's version)."""
    collection: str = ""
    doc_id: str = ""


def event_payload(body: bytes) -> bytes:
    """The protobuf bytes of an event body. Eventarc sends them raw; the Firestore emulator sends
    them base64-encoded. A raw DocumentEventData starts with byte 0x0A or 0x12, which base64 never
    contains, so the two cannot be confused."""
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return body


def decode(body: bytes, event_time: datetime) -> DocumentChange:
    """The change an event describes; raises BadEvent."""
    try:
        event = _EventPb.FromString(event_payload(body))
    except Exception as error:
        raise BadEvent(f"undecodable DocumentEventData: {error}") from None
    after = event.value if event.HasField("value") else None
    before = event.old_value if event.HasField("old_value") else None
    document = after or before
    if document is None:
        raise BadEvent("event has neither value nor old_value")
    user_id, device_id, collection, doc_id = document_path(document.name)
    if after is not None:
        changed_at = after.update_time.seconds * SECOND + after.update_time.nanos
    else:
        changed_at = _ceil_to_second(event_time)
    return DocumentChange(
        user_id,
        device_id,
        _fields(before.fields) if before is not None else None,
        _fields(after.fields) if after is not None else None,
        changed_at,
        collection,
        doc_id,
    )


def document_path(name: str) -> tuple[str, str, str, str]:
    """(agentUserId, deviceId, subcollection, document id) of a full document name, the last two
    empty for a device document; raises BadEvent for other documents."""
    _, _, path = name.partition("/documents/")
    parts = path.split("/")
    if len(parts) not in (4, 6) or parts[0] != "users" or parts[2] != "devices" or not all(parts):
        raise BadEvent(f"not a device document: {name}")
    if len(parts) == 6:
        return parts[1], parts[3], parts[4], parts[5]
    return parts[1], parts[3], "", ""


def device_path(name: str) -> tuple[str, str]:
    """(agentUserId, deviceId) of a device document's full name; raises BadEvent otherwise."""
    user_id, device_id, collection, _ = document_path(name)
    if collection:
        raise BadEvent(f"not a device document: {name}")
    return user_id, device_id


def _ceil_to_second(moment: datetime) -> int:
    """Event times may carry whole seconds (the emulator) or microseconds; rounding up to the
    end of what they leave out never places a change too early."""
    micros = calendar.timegm(moment.utctimetuple()) * 10**6 + moment.microsecond
    if moment.microsecond:
        return micros * 1000 + 999
    return (micros + 10**6) * 1000 - 1


def _fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _value(value) for key, value in fields.items()}


def _value(value: Any) -> Any:
    kind = value.WhichOneof("value_type")
    if kind == "map_value":
        return _fields(value.map_value.fields)
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    if kind == "timestamp_value":
        stamp = value.timestamp_value
        return datetime.fromtimestamp(stamp.seconds, UTC) + timedelta(
            microseconds=stamp.nanos // 1000
        )
    if kind == "null_value" or kind is None:
        return None
    return getattr(value, kind)


def classify(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> set[str]:
    """What a write means for Home Graph: ``sync`` for structure, ``state`` for ``states``."""
    if before is None or after is None:
        return {SYNC} if before is not after else set()
    kinds = set()
    if any(before.get(key) != after.get(key) for key in SYNC_FIELDS):
        kinds.add(SYNC)
    if (before.get(STATES) or {}) != (after.get(STATES) or {}):
        kinds.add(STATE)
    return kinds


def announcement(change: DocumentChange) -> Message | None:
    """The message a write to a command record or a device event needs: a follow-up response
    when an outcome Google asked to hear arrives, a notification when an event is recorded."""
    if change.collection == COMMANDS and follow_up_owed(change.before, change.after):
        kind = FOLLOW_UP
    elif change.collection == EVENTS and change.before is None and change.after is not None:
        kind = NOTIFICATION
    else:
        return None
    return announcement_message(kind, change.user_id, change.device_id, change.doc_id)


def messages(change: DocumentChange) -> tuple[list[Message], str | None]:
    """The messages a change needs, and why a state change is not reported (if it is not)."""
    if change.collection:
        announced = announcement(change)
        return ([announced] if announced else []), None
    kinds = classify(change.before, change.after)
    found = []
    skipped = None
    if SYNC in kinds:
        found.append(sync_message(change.user_id, change.device_id, change.changed_at))
    if STATE in kinds and change.after is not None:
        try:
            states = reportable_states(change.device_id, change.after)
        except InvalidDevice as invalid:
            states, skipped = None, f"invalid device document: {invalid}"
        else:
            skipped = None if states is not None else "willReportState is not true"
        if states is not None:
            found.append(state_message(change.user_id, change.device_id, change.changed_at, states))
    return found, skipped
