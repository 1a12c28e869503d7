"""The messages on_device_written publishes and on_device_change reads: their kinds, their data,
and the check a message's data must pass; pure.

Every message goes to one topic with the agentUserId as ordering key, so one user's messages are
delivered one at a time, in order. Data is JSON:

- ``sync``: ``{kind, agentUserId, deviceId, changedAt}``: the device list changed (commit time, ns).
- ``state``: ``{kind, agentUserId, deviceId, version, states}``: a device's reportable states as
  of its write at ``version`` (commit time, ns).
- ``followup``: ``{kind, agentUserId, deviceId, commandId}``: a command's outcome to announce.
- ``notification``: ``{kind, agentUserId, deviceId, eventId}``: a device event to announce.
- ``sweep`` and ``accuracy`` (attribute ``kind`` only, no data): Cloud Scheduler's periodic jobs.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from functions.core.documents import valid_id

SYNC = "sync"
STATE = "state"
FOLLOW_UP = "followup"
NOTIFICATION = "notification"
SWEEP = "sweep"
ACCURACY = "accuracy"
SCHEDULED = (SWEEP, ACCURACY)
"""Kinds published by Cloud Scheduler, carried in the ``kind`` attribute alone."""
ANNOUNCEMENTS = {FOLLOW_UP: "commandId", NOTIFICATION: "eventId"}
"""Kinds that announce something to the user, and the id each carries."""


@dataclass(frozen=True)
class Message:
    """What is published to Pub/Sub for one change."""

    kind: str
    user_id: str
    device_id: str
    data: dict[str, Any]

    def encode(self) -> bytes:
        return json.dumps(self.data, separators=(",", ":")).encode()

    @property
    def attributes(self) -> dict[str, str]:
        return {"kind": self.kind, "agentUserId": self.user_id, "deviceId": self.device_id}


def sync_message(user_id: str, device_id: str, changed_at: int) -> Message:
    data = {"kind": SYNC, "agentUserId": user_id, "deviceId": device_id, "changedAt": changed_at}
    return Message(SYNC, user_id, device_id, data)


def state_message(user_id: str, device_id: str, version: int, states: dict[str, Any]) -> Message:
    data = {
        "kind": STATE,
        "agentUserId": user_id,
        "deviceId": device_id,
        "version": version,
        "states": states,
    }
    return Message(STATE, user_id, device_id, data)


def announcement_message(kind: str, user_id: str, device_id: str, doc_id: str) -> Message:
    data = {
        "kind": kind,
        "agentUserId": user_id,
        "deviceId": device_id,
        ANNOUNCEMENTS[kind]: doc_id,
    }
    return Message(kind, user_id, device_id, data)


def decode_data(raw: object) -> dict[str, Any] | None:
    """A message's data (base64 JSON, as Pub/Sub delivers it) if it is a well-formed sync, state
    or announcement message; None otherwise."""
    try:
        data = json.loads(
            base64.b64decode(raw if isinstance(raw, str | bytes) else "", validate=True)
        )
    except (binascii.Error, ValueError, TypeError):
        return None
    if (
        not isinstance(data, dict)
        or not _id(data.get("agentUserId"))
        or not _id(data.get("deviceId"))
    ):
        return None
    kind = data.get("kind")
    if kind == SYNC and _count(data.get("changedAt")):
        return data
    key = ANNOUNCEMENTS.get(str(kind))
    if key and _id(data.get(key)):
        return data
    if kind == STATE and _count(data.get("version")) and isinstance(data.get("states"), dict):
        return data
    return None


def _id(value: object) -> bool:
    return valid_id(value)


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
