"""The ledger on Cloud Firestore: the Firestore adapter of ``functions.on_device_change.ledger``.

Every read is one round trip; every write is one write with no read before it, except the two
that depend on what they read (unlinking a user, expiring a command), which are optimistic
transactions (``read_modify_write``). The call count is an atomic increment.
"""

import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.transforms import Maximum

from functions.core.firestore import read_modify_write
from functions.core.paths import COMMANDS, DEVICES, USERS
from functions.core.units import SECOND, moment
from functions.on_device_change.ledger import (
    OWED,
    QUOTA,
    DeviceRead,
    UserRecord,
    expiry,
    unlinking,
    user_record,
)


class FirestoreLedger:
    def __init__(self, client: firestore.Client) -> None:
        self.client = client

    def _user(self, user_id: str) -> Any:
        return self.client.collection(USERS).document(user_id)

    def user(self, user_id: str) -> UserRecord:
        return user_record(self._user(user_id).get().to_dict() or {})

    def device(self, user_id: str, device_id: str) -> DeviceRead | None:
        snap = self._user(user_id).collection(DEVICES).document(device_id).get()
        return _device_read(snap) if snap.exists else None

    def devices(self, user_id: str, limit: int | None = None) -> tuple[dict[str, DeviceRead], int]:
        query = self._user(user_id).collection(DEVICES).order_by("__name__")
        snaps = list((query.limit(limit) if limit is not None else query).stream())
        read_at = _nanos(snaps[0].read_time) if snaps else 0
        return {snap.id: _device_read(snap) for snap in snaps}, read_at

    def record_sync(self, user_id: str, sent_at: int) -> None:
        self._user(user_id).set({"syncSentAt": Maximum(sent_at)}, merge=True)

    def record_fold(self, user_id: str, read_at: int) -> None:
        self._user(user_id).set({"reportedThrough": Maximum(read_at)}, merge=True)

    def set_unlinked(self, user_id: str, linked_at: int | None) -> None:
        def decide(snaps: Sequence[Any]) -> tuple[dict[str, dict[str, Any]], None]:
            fields = unlinking(snaps[0].to_dict() or {}, linked_at)
            if fields is None:
                return {}, None
            return {
                snaps[0].reference.path: {**fields, "unlinkedAt": firestore.SERVER_TIMESTAMP}
            }, None

        read_modify_write(self.client, [self._user(user_id)], decide)

    def count_calls(
        self, second: int, shard: int, sync: int, report: int, expire_at: int
    ) -> tuple[int, int]:
        ref = self.client.collection(QUOTA).document(f"{shard}-{second}")
        result = ref.set(
            {
                "sync": firestore.Increment(sync),
                "report": firestore.Increment(report),
                "expireAt": moment(expire_at),
            },
            merge=True,
        )
        report_total, sync_total = (int(v.integer_value) for v in result.transform_results)
        return sync_total, report_total

    def read(self, path: str) -> dict[str, Any] | None:
        snap = self.client.document(path).get()
        return dict(snap.to_dict() or {}) if snap.exists else None

    def mark_announced(self, path: str, at: datetime) -> None:
        with contextlib.suppress(exceptions.NotFound):  # deleted meanwhile: nothing to mark
            self.client.document(path).update({"announce.doneAt": at})

    def overdue_commands(self, now: datetime, limit: int) -> list[str]:
        overdue = (
            self.client.collection_group(COMMANDS)
            .where(filter=firestore.FieldFilter("mode", "==", "confirmed"))
            .where(filter=firestore.FieldFilter("outcome", "==", None))
            .where(filter=firestore.FieldFilter("deadline", "<", now))
            .limit(limit)
        )
        return [snap.reference.path for snap in overdue.stream()]

    def expire(self, path: str, outcome: dict[str, Any]) -> bool:
        def decide(snaps: Sequence[Any]) -> tuple[dict[str, dict[str, Any]], bool]:
            fields = expiry(snaps[0].to_dict() or {}, outcome) if snaps[0].exists else None
            return ({snaps[0].reference.path: fields}, True) if fields else ({}, False)

        expired: bool = read_modify_write(self.client, [self.client.document(path)], decide)
        return expired

    def owe_report(self, user_id: str, device_id: str, since: int) -> None:
        self._user(user_id).collection(OWED).document(device_id).set({"since": since})

    def owed_reports(self, limit: int) -> list[tuple[str, str, int]]:
        found = []
        for snap in self.client.collection_group(OWED).limit(limit).stream():
            user, since = snap.reference.parent.parent, (snap.to_dict() or {}).get("since")
            if user is not None:
                found.append((user.id, snap.id, since if isinstance(since, int) else 0))
        return found

    def settle_owed(self, user_id: str, device_id: str) -> None:
        self._user(user_id).collection(OWED).document(device_id).delete()

    def linked_users(self, start: str, limit: int) -> list[str]:
        query = (
            self.client.collection(USERS)
            .where(filter=firestore.FieldFilter("linked", "==", True))
            .order_by("__name__")
        )
        if start:
            query = query.start_at({"__name__": self._user(start)})
        return [snap.id for snap in query.limit(limit).stream()]


def _device_read(snap: Any) -> DeviceRead:
    return DeviceRead(snap.to_dict() or {}, _nanos(snap.update_time))


def _nanos(stamp: Any) -> int:
    """A Firestore timestamp (DatetimeWithNanoseconds) in ns since the epoch."""
    return int(stamp.timestamp()) * SECOND + int(stamp.nanosecond)
