"""What on_device_change reads and marks under device documents: command records (follow-ups,
expiry) and device events (notifications). ``FirestoreRecords`` is the adapter; a claim on a
document is a guarded read-modify-write, so a duplicated message never announces twice.

A claim lives in the document's ``announce`` field: ``{by, until}`` while a sender holds it,
``doneAt`` once Google has it. Writing it fires the subcollection trigger again, which publishes
nothing (the outcome or the event is not new).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from google.cloud import firestore

from functions.core.store import COMMANDS, DEVICES, USERS, read_modify_write
from functions.homegraph.ledger import OUTBOX

EVENTS = "events"


class Records(Protocol):
    def read(self, path: str) -> tuple[dict[str, Any] | None, int]:
        """A document and the time it was read (ns since the epoch): what it holds is the
        truth as of then, so it is the version of the states it holds."""
        ...

    def claim(self, path: str, holder: str, now: int, lease: int) -> bool:
        """Take the document's announcement unless it is done or held by another live claim."""
        ...

    def finish(self, path: str, holder: str, now: datetime) -> None: ...

    def release(self, path: str, holder: str) -> None: ...

    def overdue_commands(self, now: datetime, limit: int) -> list[str]:
        """Paths of confirmed command records past their deadline without an outcome."""
        ...

    def expire(self, path: str, outcome: dict[str, Any]) -> bool:
        """Record ``outcome`` on a command record that still has none; False if it has one."""
        ...

    def stale_reports(self, before: int, limit: int) -> list[tuple[str, str, int, dict[str, Any]]]:
        """(user id, device id, version, states) of outbox entries still pending whose version
        (commit time, ns) is older than ``before``: states whose messages were given up."""
        ...


def device_path(user_id: str, device_id: str) -> str:
    return f"{USERS}/{user_id}/{DEVICES}/{device_id}"


def command_path(user_id: str, device_id: str, command_id: str) -> str:
    return f"{device_path(user_id, device_id)}/{COMMANDS}/{command_id}"


def event_path(user_id: str, device_id: str, event_id: str) -> str:
    return f"{device_path(user_id, device_id)}/{EVENTS}/{event_id}"


def parts(path: str) -> tuple[str, str, str]:
    """(user id, device id, document id) of a command record's or event's path."""
    segments = path.split("/")
    return segments[1], segments[3], segments[5]


class FirestoreRecords:
    def __init__(self, client: firestore.Client) -> None:
        self.client = client

    def _update(self, path: str, decide: Any) -> Any:
        def run(snaps: Sequence[Any]) -> tuple[dict[str, dict[str, Any]], Any]:
            snap = snaps[0]
            if not snap.exists:
                return {}, False
            fields, result = decide(snap.to_dict() or {})
            return ({snap.reference.path: fields} if fields else {}), result

        return read_modify_write(self.client, [self.client.document(path)], run)

    def read(self, path: str) -> tuple[dict[str, Any] | None, int]:
        snap = self.client.document(path).get()
        stamp = snap.read_time
        read_at = int(stamp.timestamp()) * 10**9 + stamp.nanosecond
        return (snap.to_dict() or {} if snap.exists else None), read_at

    def claim(self, path: str, holder: str, now: int, lease: int) -> bool:
        def decide(data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
            held = data.get("announce") or {}
            if held.get("doneAt") or (held.get("by") not in (None, holder) and held["until"] > now):
                return {}, False
            return {"announce": {"by": holder, "until": now + lease}}, True

        return bool(self._update(path, decide))

    def finish(self, path: str, holder: str, now: datetime) -> None:
        def decide(data: dict[str, Any]) -> tuple[dict[str, Any], None]:
            if (data.get("announce") or {}).get("by") != holder:
                return {}, None
            return {"announce": {"by": holder, "doneAt": now}}, None

        self._update(path, decide)

    def release(self, path: str, holder: str) -> None:
        def decide(data: dict[str, Any]) -> tuple[dict[str, Any], None]:
            if (data.get("announce") or {}).get("by") != holder:
                return {}, None
            return {"announce": firestore.DELETE_FIELD}, None

        self._update(path, decide)

    def overdue_commands(self, now: datetime, limit: int) -> list[str]:
        overdue = (
            self.client.collection_group(COMMANDS)
            .where(filter=firestore.FieldFilter("mode", "==", "confirmed"))
            .where(filter=firestore.FieldFilter("outcome", "==", None))
            .where(filter=firestore.FieldFilter("deadline", "<", now))
            .limit(limit)
        )
        return [snap.reference.path for snap in overdue.stream()]

    def stale_reports(self, before: int, limit: int) -> list[tuple[str, str, int, dict[str, Any]]]:
        stale = (
            self.client.collection_group(OUTBOX)
            .where(filter=firestore.FieldFilter("pending", "==", True))
            .where(filter=firestore.FieldFilter("version", "<", before))
            .limit(limit)
        )
        found = []
        for snap in stale.stream():
            data = snap.to_dict() or {}
            user = snap.reference.parent.parent
            if user is not None and isinstance(data.get("states"), dict):
                found.append((user.id, snap.id, int(data["version"]), data["states"]))
        return found

    def expire(self, path: str, outcome: dict[str, Any]) -> bool:
        def decide(data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
            if data.get("outcome") is not None:
                return {}, False
            return {"outcome": outcome}, True

        return bool(self._update(path, decide))
