"""The sweep (a Cloud Scheduler message every minute): expire the confirmed commands whose outcome
never came, and report the states whose messages were given up.

An expired command gets ``{"status": "ERROR", "errorCode": "deviceOffline", "expired": true}``
(which fires its follow-up FAILURE, if one is owed) and its device's current states are reported,
so Google's view matches what QUERY answers. A state message that failed is recorded as a report
owed (``reportOwed``) before Pub/Sub delivers it again; once it is older than
``OWED_SETTLE_SECONDS`` (its own retries had their chance, so no sender of the user is racing
this one), the sweep reports the device as it is now and settles the entry. A state is late,
never lost.
"""

from datetime import UTC, datetime

from functions.core import logs
from functions.core.errors import InvalidDevice
from functions.core.paths import parts
from functions.core.units import SECOND
from functions.devices.model import reportable_states
from functions.on_device_change.context import Delivery
from functions.on_device_change.errors import Redeliver
from functions.on_device_change.report import send_report

SWEEP_LIMIT = 200
OWED_SETTLE_SECONDS = 120
EXPIRED = {"status": "ERROR", "errorCode": "deviceOffline", "expired": True}
"""What an unanswered command becomes: Google says the device is not available."""


def sweep(delivery: Delivery) -> None:
    expire_overdue(delivery)
    report_owed(delivery)


def expire_overdue(delivery: Delivery) -> None:
    ledger = delivery.pipeline.ledger
    for path in ledger.overdue_commands(datetime.now(UTC), SWEEP_LIMIT):
        if not ledger.expire(path, dict(EXPIRED)):
            continue
        user_id, device_id, command_id = parts(path)
        logs.bind(user=logs.user_ref(user_id), deviceId=device_id)
        logs.error(
            "command expired without an outcome from the device backend", commandId=command_id
        )
        if not report_now(delivery, user_id, device_id):
            ledger.owe_report(user_id, device_id, delivery.pipeline.clock())


def report_owed(delivery: Delivery) -> None:
    pipeline = delivery.pipeline
    settled_before = pipeline.clock() - OWED_SETTLE_SECONDS * SECOND
    for user_id, device_id, since in pipeline.ledger.owed_reports(SWEEP_LIMIT):
        if since > settled_before:
            continue
        logs.bind(user=logs.user_ref(user_id), deviceId=device_id)
        logs.warning("state report owed; the sweep reports it")
        if report_now(delivery, user_id, device_id):
            pipeline.ledger.settle_owed(user_id, device_id)


def report_now(delivery: Delivery, user_id: str, device_id: str) -> bool:
    """Report a device's states as they are now; False when that must be tried again later."""
    ledger = delivery.pipeline.ledger
    user = ledger.user(user_id)
    current = ledger.device(user_id, device_id)
    if user.linked_at is None or current is None:
        return True
    try:
        states = reportable_states(device_id, current.document)
    except InvalidDevice:
        return True
    if states is None:
        return True
    try:
        send_report(delivery, user_id, user, {device_id: states})
    except Redeliver as busy:
        logs.warning("state report left to the next sweep", reason=str(busy))
        return False
    delivery.pipeline.reported.record(user_id, device_id, current.version)
    return True
