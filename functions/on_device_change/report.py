"""Report State: tell Google a device's states as they are now.

A state message names a device and the version (commit time) of the write that published it.
One user's messages arrive one at a time, in order, so the sender that reads the device last
reports last: it reads the device as it is now and reports that, unless a later write already
superseded the message's states (that write's own message reports them), a fold covered it, or
this process already reported that version or a newer one (then nothing is read at all).
Duplicated, late and reordered messages therefore never take Google's view back, and a message
costs at most two reads (the user, the device) and one Home Graph call.

When a user's writes outrun its sender (a later write already superseded a message's state, and
either the message waited more than ``FOLD_AFTER_SECONDS`` to be delivered or the device's
writes have been left, each to the next, for that long: a chain of superseded messages, each
young, while Google's view of the device grows old), the sender folds: it reads all the user's
devices at once, reports them in one call, and records the read's time as ``reportedThrough``;
every queued message for a write committed before it then costs one read and no call. A home
with more than ``FOLD_MAX_DEVICES`` devices is not folded (a fold would read more than it saves):
the device's state as it is now is reported alone. A report whose call waited more than
``FOLD_AFTER_SECONDS`` for the project's Home Graph budget folds too: when calls are scarce, each
one carries every device of the home that changed meanwhile.

A 404 names an unknown user or an unknown device; a Request Sync tells which (an unknown user is
marked unlinked after the grace period of a new link; for an unknown device Google re-syncs, and
the QUERY that follows a SYNC gives it the device's states). A 400 right after a Request Sync is
retried (Google may not know a new trait yet); otherwise it is logged at ERROR, never retried. A
call for several devices that fails with 400 or 404 is made again device by device, so one bad
device never holds back the others.
"""

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from functions.core import logs
from functions.core.errors import InvalidDevice
from functions.core.units import SECOND
from functions.devices.model import reportable_states
from functions.on_device_change.calls import REPORT_STATE, call_homegraph
from functions.on_device_change.client import HomeGraphError
from functions.on_device_change.context import Delivery
from functions.on_device_change.errors import OverBudget, Redeliver
from functions.on_device_change.ledger import SUPERSEDED, DeviceRead, UserRecord, report_plan
from functions.on_device_change.quota import REPORT_CALL
from functions.on_device_change.sync import send_request_sync

SYNC_SETTLE_SECONDS = 120
"""After a Request Sync, Google may refuse states of a new trait until its SYNC is done."""
FOLD_AFTER_SECONDS = 1.0
FOLD_MAX_DEVICES = 20
REFRESH_AFTER_SECONDS = 0.5
"""A fold that waited longer for budget reads the devices again first, so it reports what they
hold by then (newer writes fold into it; their messages then find them reported)."""


def report_state(delivery: Delivery, data: Mapping[str, Any], queued: float = 0.0) -> None:
    """Make sure Home Graph has this device state, or a newer one, before acknowledging;
    ``queued`` is how long the message waited to be delivered (seconds)."""
    pipeline = delivery.pipeline
    user_id, device_id, version = data["agentUserId"], data["deviceId"], data["version"]
    if pipeline.reported.covers(user_id, device_id, version):
        logs.info("state already reported", version=version)
        return
    user = pipeline.ledger.user(user_id)
    if user.linked_at is None:
        logs.info("user not linked; state not reported")
        return
    if version <= user.reported_through:
        logs.info("state reported by a fold", version=version)
        return
    current = pipeline.ledger.device(user_id, device_id)
    plan = report_plan(device_id, version, data["states"], current)
    if plan == SUPERSEDED and current is not None:
        waiting = pipeline.clock() - pipeline.reported.skipped(user_id, device_id, version)
        if max(queued, waiting / SECOND) > FOLD_AFTER_SECONDS:
            if fold(delivery, user_id, user):
                return
            plan = report_plan(device_id, current.version, {}, current)  # the state now
    if isinstance(plan, str):
        logs.info("state not reported", reason=plan, version=version)
        return
    states, reported_version = plan
    home = _HomeRead(delivery, user_id)

    def widen(waited: float) -> dict[str, dict[str, Any]] | None:
        """The budget kept this call waiting: the Home Graph budget is saturated, so the scarce
        call carries every device of the home that changed meanwhile (a fold)."""
        return home.read() if waited > FOLD_AFTER_SECONDS else None

    reported = send_report(delivery, user_id, user, {device_id: states}, widen)
    if home.reads is None:
        pipeline.reported.record(user_id, device_id, reported_version)
    else:
        home.settle(len(reported))


class _HomeRead:
    """The reads of a fold: all the user's devices, read again each time ``read`` is called."""

    def __init__(self, delivery: Delivery, user_id: str) -> None:
        self.pipeline, self.user_id = delivery.pipeline, user_id
        self.reads: Mapping[str, DeviceRead] | None = None
        self.read_at = 0

    def read(self) -> dict[str, dict[str, Any]] | None:
        """Every device's reportable states now; None for a home too large to fold."""
        if self.pipeline.reported.large(self.user_id):
            return None
        reads, read_at = self.pipeline.ledger.devices(self.user_id, FOLD_MAX_DEVICES + 1)
        if len(reads) > FOLD_MAX_DEVICES:
            self.pipeline.reported.mark_large(self.user_id)
            return None
        self.reads, self.read_at = reads, read_at
        return _reportable(reads)

    def settle(self, reported: int) -> None:
        """After the call: every device read is reported; a fold of several devices is recorded
        (``reportedThrough``), so the messages of writes it covered cost one read and no call."""
        assert self.reads is not None
        if self.read_at and reported > 1:
            self.pipeline.ledger.record_fold(self.user_id, self.read_at)
        for device_id, read in self.reads.items():
            self.pipeline.reported.record(self.user_id, device_id, read.version)
        logs.info("states folded", devices=reported)


def fold(delivery: Delivery, user_id: str, user: UserRecord) -> bool:
    """Report every device of the user as it is now, in one call; False for a home too large
    to fold (nothing is sent)."""
    home = _HomeRead(delivery, user_id)
    states = home.read()
    if states is None:
        return False

    def refresh(waited: float) -> dict[str, dict[str, Any]] | None:
        """All the devices again after a wait for budget: the fold covers what came meanwhile."""
        return home.read() if waited > REFRESH_AFTER_SECONDS else None

    if states:
        states = send_report(delivery, user_id, user, states, refresh)
    home.settle(len(states))
    return True


def _reportable(reads: Mapping[str, DeviceRead]) -> dict[str, dict[str, Any]]:
    states: dict[str, dict[str, Any]] = {}
    for device_id, read in reads.items():
        try:
            found = reportable_states(device_id, read.document)
        except InvalidDevice:
            continue
        if found is not None:
            states[device_id] = found
    return states


def send_report(
    delivery: Delivery,
    user_id: str,
    user: UserRecord,
    states: dict[str, dict[str, Any]],
    refresh: Callable[[float], dict[str, dict[str, Any]] | None] | None = None,
) -> dict[str, dict[str, Any]]:
    """One Report State call for the given devices' states, or for what ``refresh(waited)``
    returns instead when the budget kept the call waiting ``waited`` seconds (None: the states
    as given); returns the states reported. Raises Redeliver when it must be tried again later."""
    pipeline = delivery.pipeline
    request_id = str(uuid.uuid4())

    def report(waited: float) -> None:
        nonlocal states
        fresh = refresh(waited) if refresh is not None else None
        if fresh:
            states = fresh
        pipeline.homegraph().report_state(user_id, request_id, states)

    try:
        call_homegraph(delivery, REPORT_CALL, REPORT_STATE, report)
    except OverBudget as error:
        raise Redeliver(str(error)) from error
    except HomeGraphError as error:
        if error.retryable:
            raise Redeliver(f"report state failed: {error}") from error
        if len(states) > 1:
            for device_id, device_states in states.items():
                send_report(delivery, user_id, user, {device_id: device_states})
            return states
        if error.not_found:
            _unknown(delivery, user_id, user, list(states))
            return states
        settle = pipeline.clock() - SYNC_SETTLE_SECONDS * SECOND
        if user.sync_sent_at > settle:
            raise Redeliver(f"state refused while Google re-syncs: {error.reason}") from error
        logs.error(
            "report state refused; not retried",
            status=error.status,
            reason=error.reason,
            states=states,
        )
        return states
    logs.info("report state sent", devices=len(states))
    return states


def _unknown(delivery: Delivery, user_id: str, user: UserRecord, devices: list[str]) -> None:
    """A 404: a Request Sync tells an unknown device from an unknown user."""
    pipeline = delivery.pipeline
    sent_at = pipeline.clock()
    if send_request_sync(delivery, user_id, user):
        pipeline.ledger.record_sync(user_id, sent_at)
        logs.warning("device unknown to Home Graph; Request Sync sent", devices=devices)
