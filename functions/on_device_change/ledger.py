"""on_device_change's port to Firestore (the ledger) and the rules it follows; the rules are pure.

What it reads: the user (``users/{agentUserId}``: ``linked``, ``linkedAt``, ``syncSentAt``,
``reportedThrough``), a device document as it is now (its update time is its version), or all of
a user's devices at once (a fold), command records and device events (to announce them), the
project's count of Home Graph calls. What it writes: when a Request Sync was sent, up to when a
fold reported every device of the user, that a user is gone, that an announcement was made, a
command's expiry, the count of calls, and a report owed
(``users/{agentUserId}/reportOwed/{deviceId}``) when a state message failed.

``FirestoreLedger`` and ``MemoryLedger`` implement ``Ledger``; both apply the rules below, and
tests/contract holds them to one suite.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from functions.core.errors import InvalidDevice
from functions.core.units import nanos
from functions.devices.model import reportable_states

OWED = "reportOwed"
QUOTA = "homegraphQuota"
SUPERSEDED = "superseded by a newer write"


@dataclass(frozen=True)
class UserRecord:
    """What the pipeline knows of a user."""

    linked_at: int | None
    """When the user linked (ns; 0 when unknown), or None when the user is not linked."""
    sync_sent_at: int = 0
    """When the last successful Request Sync was sent (ns)."""
    reported_through: int = 0
    """Every write of the user's devices committed by then (ns) is reported (by a fold)."""


@dataclass(frozen=True)
class DeviceRead:
    """A device document as read, and its version (its update time, ns)."""

    document: Mapping[str, Any]
    version: int


class Ledger(Protocol):
    """What on_device_change reads and writes in Firestore."""

    def user(self, user_id: str) -> UserRecord: ...

    def device(self, user_id: str, device_id: str) -> DeviceRead | None: ...

    def devices(self, user_id: str, limit: int | None = None) -> tuple[dict[str, DeviceRead], int]:
        """Up to ``limit`` (all when None) of the user's devices, in id order, and the time of
        the read (ns): every write committed by then is in what was read."""
        ...

    def record_sync(self, user_id: str, sent_at: int) -> None:
        """``syncSentAt`` becomes ``sent_at`` unless it is later already (one write, no read)."""
        ...

    def record_fold(self, user_id: str, read_at: int) -> None:
        """``reportedThrough`` becomes ``read_at`` unless it is later already (one write)."""
        ...

    def set_unlinked(self, user_id: str, linked_at: int | None) -> None:
        """Mark the user unlinked, unless they linked again since ``linked_at`` was read."""
        ...

    def count_calls(
        self, second: int, shard: int, sync: int, report: int, expire_at: int
    ) -> tuple[int, int]:
        """Add calls to one shard of one second's count atomically; the (sync, report) totals
        right after this write."""
        ...

    def read(self, path: str) -> dict[str, Any] | None:
        """A command record or device event, or None when it is gone."""
        ...

    def mark_announced(self, path: str, at: datetime) -> None:
        """Record that Google has the announcement of this record or event (a record deleted
        meanwhile is left alone)."""
        ...

    def overdue_commands(self, now: datetime, limit: int) -> list[str]:
        """Paths of confirmed command records past their deadline without an outcome."""
        ...

    def expire(self, path: str, outcome: dict[str, Any]) -> bool:
        """Record ``outcome`` on a command record that still has none; False if it has one."""
        ...

    def owe_report(self, user_id: str, device_id: str, since: int) -> None: ...

    def owed_reports(self, limit: int) -> list[tuple[str, str, int]]:
        """(user id, device id, since when, ns) of reports owed since a state message failed."""
        ...

    def settle_owed(self, user_id: str, device_id: str) -> None: ...

    def linked_users(self, start: str, limit: int) -> list[str]:
        """Up to ``limit`` linked users whose ids come at or after ``start``, in id order."""
        ...


def linked_at(user: Mapping[str, Any]) -> int | None:
    """When a user document says the user linked (ns; 0 when unknown), None when unlinked."""
    if user.get("linked") is not True:
        return None
    when = user.get("linkedAt")
    return nanos(when) if isinstance(when, datetime) else 0


def user_record(user: Mapping[str, Any]) -> UserRecord:
    sent, through = user.get("syncSentAt", 0), user.get("reportedThrough", 0)
    return UserRecord(
        linked_at(user),
        sent if isinstance(sent, int) else 0,
        through if isinstance(through, int) else 0,
    )


def unlinking(user: Mapping[str, Any], seen_linked_at: int | None) -> dict[str, Any] | None:
    """The fields that mark a user unlinked, or None when they linked again since
    ``seen_linked_at`` was read (or are unlinked already)."""
    if linked_at(user) is None or linked_at(user) != seen_linked_at:
        return None
    return {"linked": False}


def sync_time(user: UserRecord, changed_at: int, now: int, interval: int) -> int | None:
    """When to send the Request Sync that covers a change committed at ``changed_at``, or None
    when one sent since covers it (or the user is not linked). Sends are ``interval`` apart."""
    if user.linked_at is None or changed_at < user.sync_sent_at:
        return None
    return max(now, user.sync_sent_at + interval if user.sync_sent_at else 0)


def report_plan(
    device_id: str, version: int, states: Mapping[str, Any], current: DeviceRead | None
) -> tuple[dict[str, Any], int] | str:
    """What to report for a state message (the device's states as written at ``version``):
    the device's reportable states as they are now, and their version; or why nothing.

    A state message that a later write superseded is skipped: that write's own message reports
    it. A later write that changed the device's traits, not its states, is structural (Google
    re-syncs) and publishes no state message: then the states as they are now are reported."""
    if current is None:
        return "the device is gone"
    try:
        now_states = reportable_states(device_id, current.document)
    except InvalidDevice as invalid:
        return f"invalid device document: {invalid}"
    if now_states is None:
        return "willReportState is not true"
    superseded = (
        current.version > version
        and _comparable(now_states) != _comparable(states)
        and now_states.keys() == states.keys()
    )
    if superseded:
        return SUPERSEDED
    return now_states, max(current.version, version)


def _comparable(states: Mapping[str, Any]) -> Any:
    """States as they travel in a message (JSON), so values read from Firestore and values
    decoded from a message compare equal when they are."""
    return json.loads(json.dumps(states, default=str, sort_keys=True))


def expiry(record: Mapping[str, Any], outcome: dict[str, Any]) -> dict[str, Any] | None:
    """The fields that expire a command record, or None when it has an outcome already."""
    return None if record.get("outcome") is not None else {"outcome": outcome}


def announced(record: Mapping[str, Any] | None) -> bool:
    """True when Google already has this record's or event's announcement."""
    return bool(record and (record.get("announce") or {}).get("doneAt"))
