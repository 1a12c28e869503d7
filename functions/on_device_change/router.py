"""on_device_change's entry: decode one Pub/Sub message and hand it to the work it names.

A message is acknowledged only once its effect is done, covered by another, or impossible (a
malformed message is logged at ERROR with its content). Work that must be tried again raises
Redeliver, so the function fails and Pub/Sub delivers the message again, the user's later messages
waiting behind it; a state message that fails is first recorded as a report owed, so that even if
Pub/Sub gives it up, the sweep reports the device. A message older than MAX_EVENT_AGE_SECONDS
that still cannot be done is logged at ERROR and acknowledged.
"""

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from functions.core import logs
from functions.core.messages import ANNOUNCEMENTS, SCHEDULED, STATE, SWEEP, SYNC, decode_data
from functions.core.units import SECOND
from functions.on_device_change.accuracy import check_accuracy
from functions.on_device_change.announce import deliver
from functions.on_device_change.context import Delivery, Pipeline
from functions.on_device_change.errors import Redeliver
from functions.on_device_change.report import report_state
from functions.on_device_change.sweep import sweep
from functions.on_device_change.sync import request_sync

DEADLINE_MARGIN_SECONDS = 5
"""No Home Graph call ends later than this before Pub/Sub would send the message again."""


def handle_change(pipeline: Pipeline, message: dict[str, Any], now: datetime | None = None) -> None:
    """Process one Pub/Sub message (the ``message`` object of a push delivery)."""
    logs.reset()
    message_id = str(message.get("messageId") or message.get("message_id") or "")
    logs.bind(messageId=message_id)
    config = pipeline.config
    published = _publish_time(message)
    age = ((now or datetime.now(UTC)) - published).total_seconds() if published else 0
    window = config.message_deadline_seconds - DEADLINE_MARGIN_SECONDS
    delivery = Delivery(pipeline, message_id, pipeline.clock() + int(window * SECOND))
    scheduled = (message.get("attributes") or {}).get("kind")
    if scheduled in SCHEDULED and message_id:
        logs.bind(kind=scheduled)
        if scheduled == SWEEP:
            sweep(delivery)
        else:
            check_accuracy(delivery, config.accuracy_sample_users)
        return
    data = decode_data(message.get("data"))
    if data is None or not message_id:
        logs.error("malformed message; dropped", content=_printable(message))
        return
    user_id, device_id, kind = data["agentUserId"], data["deviceId"], data["kind"]
    logs.bind(user=logs.user_ref(user_id), deviceId=device_id, kind=kind)
    try:
        if kind == SYNC:
            request_sync(delivery, user_id, data["changedAt"])
        elif kind in ANNOUNCEMENTS:
            deliver(delivery, data)
        else:
            report_state(delivery, data, queued=age)
    except Redeliver as error:
        if kind == STATE:
            pipeline.ledger.owe_report(user_id, device_id, pipeline.clock())
        if age <= config.max_event_age_seconds:
            raise
        logs.error(
            "message too old to retry; dropped",
            reason=str(error),
            ageSeconds=age,
            content=_printable(message),
        )
    except Exception:
        if kind == STATE:
            with contextlib.suppress(Exception):
                pipeline.ledger.owe_report(user_id, device_id, pipeline.clock())
        raise


def _publish_time(message: dict[str, Any]) -> datetime | None:
    raw = message.get("publishTime") or message.get("publish_time")
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else None
    except ValueError:
        return None


def _printable(message: dict[str, Any]) -> str:
    return json.dumps(message, default=str)[:4096]
