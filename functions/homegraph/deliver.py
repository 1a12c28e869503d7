"""on_device_change's announcements and sweep: follow-up responses, device-event notifications,
and expiring the confirmed commands whose outcome never came.

Each announcement is claimed on its document before the call and marked done after it, so a
message delivered twice announces once; a failed call releases the claim and the message is
delivered again. The sweep (a Cloud Scheduler message every minute) records an expired outcome on
each overdue command (which fires its follow-up FAILURE, if one is owed) and reports the device's
current states, so Google's view matches what QUERY answers.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from functions.core import logs
from functions.core.errors import InvalidDevice
from functions.homegraph.announcements import NotAnnounced, follow_up, notification
from functions.homegraph.calls import SECOND, OverBudget, Redeliver, call_homegraph
from functions.homegraph.client import HomeGraphError
from functions.homegraph.events import reportable_states
from functions.homegraph.pipeline import Pipeline, report_state
from functions.homegraph.quota import REPORT
from functions.homegraph.records import Records, command_path, device_path, event_path, parts

CLAIM_SECONDS = 60
SWEEP_LIMIT = 200
STALE_REPORT_SECONDS = 120
"""A state still pending this long after it was written lost its message (given up after
MAX_EVENT_AGE_SECONDS, or its sender died holding the user's lease): the sweep reports it."""
EXPIRED = {"status": "ERROR", "errorCode": "deviceOffline", "expired": True}
"""What an unanswered command becomes: Google says the device is not available."""


def deliver(pipeline: Pipeline, records: Records, data: dict[str, Any], message_id: str) -> None:
    """A follow-up or notification message."""
    user_id, device_id = data["agentUserId"], data["deviceId"]
    now = datetime.now(UTC)
    if data["kind"] == "followup":
        event_id = data["commandId"]
        path = command_path(user_id, device_id, event_id)
        record, _ = records.read(path)
        try:
            if record is None:
                raise NotAnnounced("the command record is gone")
            trait, payload = follow_up(record)
        except NotAnnounced as reason:
            logs.warning("follow-up not sent", reason=str(reason))
            return
    else:
        event_id = data["eventId"]
        path = event_path(user_id, device_id, event_id)
        try:
            trait, payload = notification(
                records.read(device_path(user_id, device_id))[0], records.read(path)[0], now
            )
        except NotAnnounced as reason:
            logs.warning("notification not sent", reason=str(reason))
            return
    announce(pipeline, records, path, event_id, {device_id: {trait: payload}}, holder=message_id)


def announce(
    pipeline: Pipeline,
    records: Records,
    path: str,
    event_id: str,
    notifications: dict[str, Any],
    *,
    holder: str,
) -> None:
    """Send one announcement once: claim it, call Home Graph, mark it done."""
    user_id = parts(path)[0]
    if not records.claim(path, holder, pipeline.clock(), CLAIM_SECONDS * SECOND):
        logs.info("already announced (or being announced)", eventId=event_id)
        return
    request_id = str(uuid.uuid4())
    try:
        call_homegraph(
            pipeline,
            REPORT,
            lambda: pipeline.homegraph().notify(user_id, request_id, event_id, notifications),
        )
    except (OverBudget, HomeGraphError) as error:
        records.release(path, holder)
        if isinstance(error, OverBudget) or error.retryable:
            raise Redeliver(f"announcement failed: {error}") from error
        logs.error("announcement refused; not retried", reason=str(error), eventId=event_id)
        records.finish(path, holder, datetime.now(UTC))
        return
    records.finish(path, holder, datetime.now(UTC))
    logs.info("announced", eventId=event_id)


def sweep(pipeline: Pipeline, records: Records, message_id: str) -> None:
    """Expire the confirmed commands past their deadline and report their devices' states; then
    report the states whose messages were lost, so nothing stays behind Home Graph for good."""
    expire_overdue(pipeline, records, message_id)
    report_stale(pipeline, records, message_id)


def report_stale(pipeline: Pipeline, records: Records, message_id: str) -> None:
    before = pipeline.clock() - STALE_REPORT_SECONDS * SECOND
    users: set[str] = set()
    for user_id, device_id, version, states in records.stale_reports(before, SWEEP_LIMIT):
        if user_id in users:
            continue  # one turn reports every pending state of the user
        users.add(user_id)
        logs.bind(user=logs.user_ref(user_id), deviceId=device_id)
        logs.warning("state left pending; the sweep reports it", version=version)
        data = {"agentUserId": user_id, "deviceId": device_id, "version": version, "states": states}
        try:
            report_state(pipeline, data, f"{message_id}/stale")
        except Redeliver as busy:
            logs.warning("pending states left to the next sweep", reason=str(busy))


def expire_overdue(pipeline: Pipeline, records: Records, message_id: str) -> None:
    for path in records.overdue_commands(datetime.now(UTC), SWEEP_LIMIT):
        if not records.expire(path, dict(EXPIRED)):
            continue
        user_id, device_id, command_id = parts(path)
        logs.bind(user=logs.user_ref(user_id), deviceId=device_id)
        logs.error(
            "command expired without an outcome from the device backend", commandId=command_id
        )
        device, version = records.read(device_path(user_id, device_id))
        if device is None:
            continue
        try:
            states = reportable_states(device_id, device)
        except InvalidDevice:
            continue
        if states is not None:
            data = {
                "agentUserId": user_id,
                "deviceId": device_id,
                "version": version,
                "states": states,
            }
            try:
                report_state(pipeline, data, f"{message_id}/{command_id}")
            except Redeliver as busy:
                logs.warning("device state after expiry left to its next report", reason=str(busy))
