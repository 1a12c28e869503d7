"""What Google announces to the user: follow-up responses to commands and proactive
notifications of device events; pure.

Both travel through Report State (``reportStateAndNotification``) under
``payload.devices.notifications.<deviceId>.<Trait>`` with an ``eventId``:
https://developers.home.google.com/cloud-to-cloud/integration/notifications and
https://developers.home.google.com/reference/home-graph/rest/v1/devices/reportStateAndNotification

Follow-up: a command whose record carries a ``followUpToken`` and that Google was answered
without its outcome (``answer`` SUCCESS or PENDING) is followed up when the backend records the
outcome. Traits with follow-ups and their result fields (LockUnlock and OpenClose read on
Google's pages; NetworkControl from Google's schema; ArmDisarm and StartStop by the same pattern,
their fields not readable).

Notification: a device backend records an event as
``users/{agentUserId}/devices/{deviceId}/events/{eventId}`` =
``{"trait": "ObjectDetection", "notification": {...}, "occurredAt": <timestamp>}`` for a device
with ``notificationSupportedByAgent: true`` that declares the trait; the product adds
``priority: 0`` and sends it once, with the event id as Google's ``eventId``.
"""

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from functions.devices.backend import BadOutcome, parse_outcome
from functions.devices.error_codes import is_error_code
from functions.devices.traits import COMMANDS
from functions.devices.traits.base import TRAIT_PREFIX

PRIORITY_SPOKEN = 0
"""The only priority Google supports: the announcement is spoken."""
FOLLOW_UP_FIELDS: dict[str, tuple[str, ...]] = {
    "LockUnlock": ("isLocked",),
    "OpenClose": ("openPercent",),
    "NetworkControl": ("networkDownloadSpeedMbps", "networkUploadSpeedMbps"),
    "ArmDisarm": ("isArmed", "currentArmLevel"),
    "StartStop": ("isRunning", "isPaused"),
}
NOTIFICATION_MAX_AGE = timedelta(minutes=5)
"""An event older than this is logged, not announced: a doorbell rung minutes ago is news no
more, and Google documents no acceptance window for old events."""
NOTIFICATION_MAX_BYTES = 4096


class NotAnnounced(ValueError):
    """Why an event or outcome is not announced (logged; the message is acknowledged)."""


def follow_up_owed(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> bool:
    """True when this write to a command record delivers an outcome Google has not heard yet
    and asked to hear (a ``followUpToken``)."""
    return (
        after is not None
        and after.get("outcome") is not None
        and (before is None or before.get("outcome") is None)
        and bool(after.get("followUpToken"))
        and after.get("answer") in ("SUCCESS", "PENDING")
    )


def follow_up(record: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(trait short name, its notification) for a command record with an outcome."""
    executions = record.get("executions")
    first = executions[0] if isinstance(executions, list) and executions else {}
    command = first.get("command") if isinstance(first, Mapping) else None
    trait = COMMANDS.get(str(command))
    short = trait.name.removeprefix(TRAIT_PREFIX) if trait else ""
    if short not in FOLLOW_UP_FIELDS:
        raise NotAnnounced(f"no follow-up response for {short or 'this command'}")
    response: dict[str, Any] = {"followUpToken": record["followUpToken"]}
    try:
        outcome = parse_outcome(record)
    except BadOutcome:
        outcome = None  # the backend wrote something else: Google hears the command failed
    if outcome is not None and outcome.status == "SUCCESS":
        patch = record.get("patch")
        expected = patch if isinstance(patch, Mapping) else {}
        response["status"] = "SUCCESS"
        for key in FOLLOW_UP_FIELDS[short]:
            value = outcome.states.get(key, expected.get(key))
            if value is not None:
                response[key] = value
    else:
        response["status"] = "FAILURE"
        response["errorCode"] = outcome.error_code if outcome is not None else "hardError"
    return short, {"priority": PRIORITY_SPOKEN, "followUpResponse": response}


def notification(
    device: Mapping[str, Any] | None, event: Mapping[str, Any] | None, now: datetime
) -> tuple[str, dict[str, Any]]:
    """(trait short name, its notification) for a device event; raises NotAnnounced."""
    if device is None or event is None:
        raise NotAnnounced("the device or the event is gone")
    if device.get("notificationSupportedByAgent") is not True:
        raise NotAnnounced("the device does not have notificationSupportedByAgent: true")
    short = event.get("trait")
    if not isinstance(short, str) or TRAIT_PREFIX + short not in (device.get("traits") or []):
        raise NotAnnounced(f"the device does not declare the event's trait {short!r}")
    occurred = event.get("occurredAt")
    if not isinstance(occurred, datetime):
        raise NotAnnounced("occurredAt must be a timestamp")
    if now - occurred > NOTIFICATION_MAX_AGE:
        raise NotAnnounced(f"the event is {(now - occurred).total_seconds():.0f} s old")
    body = event.get("notification")
    if not isinstance(body, Mapping) or not body:
        raise NotAnnounced("notification must be a non-empty object")
    try:
        size = len(json.dumps(body, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise NotAnnounced(f"notification is not JSON: {error}") from None
    if size > NOTIFICATION_MAX_BYTES:
        raise NotAnnounced(f"notification is {size} bytes; at most {NOTIFICATION_MAX_BYTES}")
    _check(short, body)
    return short, {"priority": PRIORITY_SPOKEN, **body}


def _check(short: str, body: Mapping[str, Any]) -> None:
    """The required fields Google's pages and schema give for each trait's notification."""
    required = {
        "ObjectDetection": ("detectionTimestamp", "objects"),
        "RunCycle": ("status",),
        "SensorState": ("name", "currentSensorState"),
    }.get(short, ())
    missing = [key for key in required if key not in body]
    if missing:
        raise NotAnnounced(f"{short} notification lacks {missing}")
    if short == "RunCycle" and body["status"] not in ("SUCCESS", "FAILURE"):
        raise NotAnnounced("RunCycle notification status must be SUCCESS or FAILURE")
    if body.get("status") == "FAILURE" and not is_error_code(body.get("errorCode")):
        raise NotAnnounced("a FAILURE notification needs one of Google's error codes")
