"""The ledger in memory: the same interface and rules as FirestoreLedger, for unit tests and the
simulations; tests/contract holds both to one suite.

Documents are kept by path, as Firestore keeps them. Every read and write goes through
``operation``, which a simulation sets to count Firestore's billed operations and spend their
latency on its virtual clock.
"""

import copy
import functools
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from functions.core.paths import COMMANDS, DEVICES, USERS, device_path
from functions.on_device_change.ledger import (
    OWED,
    DeviceRead,
    UserRecord,
    expiry,
    unlinking,
    user_record,
)

T = TypeVar("T")


def _paid(method: Callable[..., T]) -> Callable[..., T]:
    """Tell ``operation`` what a call read and wrote, after it is done (a simulation runs its
    callers as greenlets of one thread, which a lock does not keep apart)."""

    @functools.wraps(method)
    def run(self: "MemoryLedger", *args: Any, **kwargs: Any) -> T:
        reads, writes = self.reads, self.writes
        result = method(self, *args, **kwargs)
        self.operation(self.reads - reads, self.writes - writes)
        return result

    return run


class MemoryLedger:
    def __init__(self, clock: Callable[[], int]) -> None:
        self.clock = clock
        """Versions of device documents (their update times) come from this clock (ns)."""
        self.documents: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, int] = {}
        self._last = 0
        """The newest version given so far: versions only grow, as Firestore's commit times."""
        self.counts: dict[str, dict[str, int]] = {}
        self._homes: dict[str, set[str]] = {}
        """User id -> the paths of its device documents (a query reads one home, not all)."""
        self.operation: Callable[[int, int], None] = lambda reads, writes: None
        """Called with (documents read, documents written) after every round trip, once its
        effect is done: a simulation spends the round trip's latency there, never while a read
        and what it returns could come apart."""
        self.reads = 0
        self.writes = 0
        self._lock = threading.RLock()

    def _op(self, reads: int = 0, writes: int = 0) -> None:
        self.reads += reads
        self.writes += writes

    # What device backends and the fulfillment write (not part of the port).

    def put(self, path: str, document: dict[str, Any]) -> int:
        """Write a whole document as a device backend would; its new version."""
        with self._lock:
            version = self._last = max(self.clock(), self._last + 1)
            self.documents[path] = copy.deepcopy(document)
            self.versions[path] = version
            if user_id := _device_owner(path):
                self._homes.setdefault(user_id, set()).add(path)
            return version

    def delete(self, path: str) -> None:
        with self._lock:
            self.documents.pop(path, None)
            self.versions.pop(path, None)
            if user_id := _device_owner(path):
                self._homes.get(user_id, set()).discard(path)

    def link(self, user_id: str, linked_at: datetime) -> None:
        with self._lock:
            user = self.documents.setdefault(f"{USERS}/{user_id}", {})
            user.update({"linked": True, "linkedAt": linked_at})

    # The port.

    @_paid
    def user(self, user_id: str) -> UserRecord:
        with self._lock:
            self._op(reads=1)
            return user_record(self.documents.get(f"{USERS}/{user_id}", {}))

    @_paid
    def device(self, user_id: str, device_id: str) -> DeviceRead | None:
        path = device_path(user_id, device_id)
        with self._lock:
            self._op(reads=1)
            found = self.documents.get(path)
            return DeviceRead(copy.deepcopy(found), self.versions[path]) if found else None

    @_paid
    def devices(self, user_id: str, limit: int | None = None) -> tuple[dict[str, DeviceRead], int]:
        prefix = f"{USERS}/{user_id}/{DEVICES}/"
        with self._lock:
            paths = sorted(self._homes.get(user_id, ()))[:limit]
            found = {
                path[len(prefix) :]: DeviceRead(
                    copy.deepcopy(self.documents[path]), self.versions[path]
                )
                for path in paths
            }
            self._op(reads=max(1, len(found)))
            return found, self._last if found else 0

    @_paid
    def record_sync(self, user_id: str, sent_at: int) -> None:
        with self._lock:
            self._op(writes=1)
            user = self.documents.setdefault(f"{USERS}/{user_id}", {})
            user["syncSentAt"] = max(user.get("syncSentAt", 0), sent_at)

    @_paid
    def record_fold(self, user_id: str, read_at: int) -> None:
        with self._lock:
            self._op(writes=1)
            user = self.documents.setdefault(f"{USERS}/{user_id}", {})
            user["reportedThrough"] = max(user.get("reportedThrough", 0), read_at)

    @_paid
    def set_unlinked(self, user_id: str, linked_at: int | None) -> None:
        with self._lock:
            user = self.documents.get(f"{USERS}/{user_id}", {})
            fields = unlinking(user, linked_at)
            self._op(reads=1, writes=1 if fields else 0)
            if fields:
                self.documents[f"{USERS}/{user_id}"] = {**user, **fields}

    @_paid
    def count_calls(
        self, second: int, shard: int, sync: int, report: int, expire_at: int
    ) -> tuple[int, int]:
        with self._lock:
            self._op(writes=1)
            count = self.counts.setdefault(f"{shard}-{second}", {"sync": 0, "report": 0})
            count["sync"] += sync
            count["report"] += report
            return count["sync"], count["report"]

    @_paid
    def read(self, path: str) -> dict[str, Any] | None:
        with self._lock:
            self._op(reads=1)
            found = self.documents.get(path)
            return copy.deepcopy(found) if found is not None else None

    @_paid
    def mark_announced(self, path: str, at: datetime) -> None:
        with self._lock:
            self._op(writes=1)
            record = self.documents.get(path)
            if record is None:
                return
            record["announce"] = {**(record.get("announce") or {}), "doneAt": at}

    @_paid
    def overdue_commands(self, now: datetime, limit: int) -> list[str]:
        with self._lock:
            found = [
                path
                for path, record in sorted(self.documents.items())
                if f"/{COMMANDS}/" in path
                and record.get("mode") == "confirmed"
                and record.get("outcome") is None
                and isinstance(record.get("deadline"), datetime)
                and record["deadline"] < now
            ][:limit]
            self._op(reads=max(1, len(found)))
            return found

    @_paid
    def expire(self, path: str, outcome: dict[str, Any]) -> bool:
        with self._lock:
            record = self.documents.get(path)
            fields = expiry(record, outcome) if record is not None else None
            self._op(reads=1, writes=1 if fields else 0)
            if record is None or fields is None:
                return False
            record.update(copy.deepcopy(fields))
            return True

    @_paid
    def owe_report(self, user_id: str, device_id: str, since: int) -> None:
        with self._lock:
            self._op(writes=1)
            self.documents[f"{USERS}/{user_id}/{OWED}/{device_id}"] = {"since": since}

    @_paid
    def owed_reports(self, limit: int) -> list[tuple[str, str, int]]:
        with self._lock:
            found = [
                (path.split("/")[1], path.split("/")[3], self.documents[path]["since"])
                for path in sorted(self.documents)
                if path.split("/")[2:3] == [OWED] and path.count("/") == 3
            ][:limit]
            self._op(reads=max(1, len(found)))
            return found

    @_paid
    def settle_owed(self, user_id: str, device_id: str) -> None:
        with self._lock:
            self._op(writes=1)
            self.documents.pop(f"{USERS}/{user_id}/{OWED}/{device_id}", None)

    @_paid
    def linked_users(self, start: str, limit: int) -> list[str]:
        with self._lock:
            found = sorted(
                path.split("/")[1]
                for path, data in self.documents.items()
                if path.count("/") == 1
                and path.startswith(f"{USERS}/")
                and data.get("linked") is True
                and path.split("/")[1] >= start
            )[:limit]
            self._op(reads=max(1, len(found)))
            return found


def _device_owner(path: str) -> str | None:
    """The user id of a device document's path (``users/{user}/devices/{device}``), else None."""
    parts = path.split("/")
    return parts[1] if len(parts) == 4 and parts[0] == USERS and parts[2] == DEVICES else None
