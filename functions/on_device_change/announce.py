"""Follow-up responses and device-event notifications, each sent once.

The record (a command record with its outcome, or a device event) is read, its announcement built
(functions.devices.announcements), sent through ``reportStateAndNotification`` with its id as
``eventId``, and marked done (``announce.doneAt``) on the record. One user's messages arrive one
at a time, so a message delivered twice finds the mark and sends nothing more. A failed call
raises, and Pub/Sub delivers the message again; a refused one is logged at ERROR and marked done.
"""

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from functions.core import logs
from functions.core.messages import FOLLOW_UP
from functions.core.paths import command_path, event_path
from functions.devices.announcements import NotAnnounced, follow_up, notification
from functions.on_device_change.calls import NOTIFY, call_homegraph
from functions.on_device_change.client import HomeGraphError
from functions.on_device_change.context import Delivery
from functions.on_device_change.errors import OverBudget, Redeliver
from functions.on_device_change.ledger import announced
from functions.on_device_change.quota import REPORT_CALL


def deliver(delivery: Delivery, data: Mapping[str, Any]) -> None:
    """A follow-up or notification message."""
    ledger = delivery.pipeline.ledger
    user_id, device_id = data["agentUserId"], data["deviceId"]
    if ledger.user(user_id).linked_at is None:
        logs.info("user not linked; nothing announced")
        return
    follow = data["kind"] == FOLLOW_UP
    event_id = data["commandId"] if follow else data["eventId"]
    path = (command_path if follow else event_path)(user_id, device_id, event_id)
    record = ledger.read(path)
    if announced(record):
        logs.info("already announced", eventId=event_id)
        return
    try:
        if record is None:
            raise NotAnnounced("the command record or event is gone")
        if follow:
            trait, payload = follow_up(record)
        else:
            device = ledger.device(user_id, device_id)
            now = datetime.now(UTC)
            trait, payload = notification(device.document if device else None, record, now)
    except NotAnnounced as reason:
        what = "follow-up not sent" if follow else "notification not sent"
        logs.warning(what, reason=str(reason), eventId=event_id)
        return
    announce(delivery, path, user_id, event_id, {device_id: {trait: payload}})


def announce(
    delivery: Delivery,
    path: str,
    user_id: str,
    event_id: str,
    notifications: dict[str, Any],
) -> None:
    """Send one announcement and mark it done on its record."""
    pipeline = delivery.pipeline
    request_id = str(uuid.uuid4())
    try:
        call_homegraph(
            delivery,
            REPORT_CALL,
            NOTIFY,
            lambda _: pipeline.homegraph().notify(user_id, request_id, event_id, notifications),
        )
    except OverBudget as error:
        raise Redeliver(f"announcement failed: {error}") from error
    except HomeGraphError as error:
        if error.retryable:
            raise Redeliver(f"announcement failed: {error}") from error
        logs.error("announcement refused; not retried", reason=str(error), eventId=event_id)
        pipeline.ledger.mark_announced(path, datetime.now(UTC))
        return
    pipeline.ledger.mark_announced(path, datetime.now(UTC))
    logs.info("announced", eventId=event_id)
