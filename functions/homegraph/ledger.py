"""Home Graph bookkeeping in Firestore, outside the device documents (so it never fires the
device trigger): Request Sync plans, the per-device Report State outbox, and the project's count
of Home Graph calls.

``users/{agentUserId}``: ``linked``, ``linkedAt``, ``syncSentAt``, ``syncPlan {at, by, until}``,
``reportLease {by, until}``, ``reportSentAt``, ``reportQueued {by, until}`` (a message that will
report the user's pending states is on its way). ``users/{agentUserId}/reportState/{deviceId}``:
``version``, ``states``, ``pending``, ``reportedVersion``. ``homegraphQuota/{shard}-{second}``:
``sync``, ``report`` (calls counted in that second), ``expireAt`` (for a Firestore TTL policy).
Times are nanoseconds since the epoch. Every read-modify-write is an optimistic transaction
(``store.read_modify_write``); the call count is one atomic increment, no transaction.
"""

from datetime import UTC, datetime
from typing import Any, Protocol

from google.cloud import firestore

from functions.core.store import USERS, get_in_order, read_modify_write, write_unless_changed

OUTBOX = "reportState"
QUOTA = "homegraphQuota"
ACQUIRED, BUSY, UNLINKED = "acquired", "busy", "unlinked"
CLAIMED, QUEUED, REPORTED = "claimed", "queued", "reported"
Decision = tuple[dict[str, dict[str, Any]], Any]
Pending = dict[str, tuple[int, dict[str, Any]]]


class Outbox(Protocol):
    """What on_device_written needs of the ledger."""

    def stage_for_report(
        self,
        user_id: str,
        device_id: str,
        version: int,
        states: dict[str, Any],
        *,
        claimant: str,
        now: int,
        ttl: int,
    ) -> str: ...

    def forget(self, user_id: str, device_id: str) -> None: ...


class Ledger(Outbox, Protocol):
    """What the pipeline keeps between messages (FirestoreLedger; bench/fakes.py in memory)."""

    def linked_at(self, user_id: str) -> int | None: ...

    def set_unlinked(self, user_id: str, linked_at: int | None) -> None: ...

    def claim_sync(
        self, user_id: str, changed_at: int, *, now: int, interval: int, claimant: str, lease: int
    ) -> int | None: ...

    def finish_sync(self, user_id: str, claimant: str, sent_at: int) -> None: ...

    def syncing(self, user_id: str, since: int) -> bool: ...

    def release_sync(self, user_id: str, claimant: str) -> None: ...

    def acquire_report_lease(
        self, user_id: str, holder: str, now: int, lease: int
    ) -> tuple[str, int, int]: ...

    def release_report_lease(self, user_id: str, holder: str, sent_at: int) -> None: ...

    def stage_state(
        self, user_id: str, device_id: str, version: int, states: dict[str, Any]
    ) -> bool: ...

    def pending(self, user_id: str, since: int = 0) -> Pending: ...

    def drop_pending(self, user_id: str) -> None: ...

    def mark_reported(self, user_id: str, versions: dict[str, int]) -> None: ...

    def count_calls(
        self, second: int, shard: int, sync: int, report: int, expire_at: int
    ) -> tuple[int, int]: ...


class FirestoreLedger:
    """The bookkeeping of the Home Graph pipeline."""

    def __init__(self, client: firestore.Client) -> None:
        self.client = client

    def _user(self, user_id: str) -> Any:
        return self.client.collection(USERS).document(user_id)

    def _outbox(self, user_id: str, device_id: str) -> Any:
        return self._user(user_id).collection(OUTBOX).document(device_id)

    def _on_user(self, user_id: str, decide: Any) -> Any:
        def run(snaps: list[Any]) -> Decision:
            update, result = decide(snaps[0].to_dict() or {})
            return ({snaps[0].reference.path: update} if update else {}), result

        return read_modify_write(self.client, [self._user(user_id)], run)

    def linked_at(self, user_id: str) -> int | None:
        """When the user linked (ns), or None when the user is not linked."""
        return _linked_at(self._user(user_id).get().to_dict() or {})

    def set_unlinked(self, user_id: str, linked_at: int | None) -> None:
        """Mark the user unlinked, unless they linked again since ``linked_at`` was read."""

        def decide(data: dict[str, Any]) -> tuple[dict[str, Any], None]:
            if _linked_at(data) != linked_at:
                return {}, None
            return {"linked": False, "unlinkedAt": firestore.SERVER_TIMESTAMP}, None

        self._on_user(user_id, decide)

    def claim_sync(
        self, user_id: str, changed_at: int, *, now: int, interval: int, claimant: str, lease: int
    ) -> int | None:
        """When to send the Request Sync that covers a change, claiming that send; None when a
        sent or planned sync already covers the change, or the user is not linked."""

        def decide(data: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
            if _linked_at(data) is None:
                return {}, None
            sent = data.get("syncSentAt", 0)
            plan = data.get("syncPlan") or {}
            live = plan.get("until", 0) > now
            if changed_at < sent:
                return {}, None
            if plan.get("by") == claimant:
                at = plan["at"]
            elif live and changed_at < plan["at"]:
                return {}, None
            else:
                at = max(now, sent + interval if sent else 0, plan["at"] + interval if live else 0)
            return {"syncPlan": {"at": at, "by": claimant, "until": at + lease}}, int(at)

        at: int | None = self._on_user(user_id, decide)
        return at

    def finish_sync(self, user_id: str, claimant: str, sent_at: int) -> None:
        """Record a successful Request Sync sent at ``sent_at``; drop the claimant's plan."""

        def decide(data: dict[str, Any]) -> tuple[dict[str, Any], None]:
            update: dict[str, Any] = {"syncSentAt": max(data.get("syncSentAt", 0), sent_at)}
            if (data.get("syncPlan") or {}).get("by") == claimant:
                update["syncPlan"] = firestore.DELETE_FIELD
            return update, None

        self._on_user(user_id, decide)

    def syncing(self, user_id: str, since: int) -> bool:
        """True when a Request Sync was sent after ``since`` or is planned: Google's view of the
        user's devices may still be catching up."""
        data = self._user(user_id).get().to_dict() or {}
        return bool(data.get("syncSentAt", 0) > since or data.get("syncPlan"))

    def release_sync(self, user_id: str, claimant: str) -> None:
        """Give up the claimant's plan (it failed), so a redelivery or another change re-plans."""
        self._on_user(
            user_id,
            lambda data: (
                {"syncPlan": firestore.DELETE_FIELD}
                if (data.get("syncPlan") or {}).get("by") == claimant
                else {},
                None,
            ),
        )

    def acquire_report_lease(
        self, user_id: str, holder: str, now: int, lease: int
    ) -> tuple[str, int, int]:
        """Become (or stay) the user's only Report State sender for ``lease`` ns; also returns
        when the user's last Report State was sent and when the user linked. A sender starting
        its turn takes down ``reportQueued``: from then on, a new state gets a new message."""

        def decide(data: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, int, int]]:
            sent, linked_at = int(data.get("reportSentAt", 0)), _linked_at(data)
            update: dict[str, Any] = {}
            current = data.get("reportLease") or {}
            if data.get("reportQueued") and current.get("by") != holder:
                update["reportQueued"] = firestore.DELETE_FIELD
            if linked_at is None:
                return update, (UNLINKED, sent, 0)
            if current.get("by") not in (None, holder) and current.get("until", 0) > now:
                return {}, (BUSY, sent, linked_at)
            update["reportLease"] = {"by": holder, "until": now + lease}
            return update, (ACQUIRED, sent, linked_at)

        result: tuple[str, int, int] = self._on_user(user_id, decide)
        return result

    def release_report_lease(self, user_id: str, holder: str, sent_at: int) -> None:
        """End the holder's turn, recording when it last sent a Report State."""

        def decide(data: dict[str, Any]) -> tuple[dict[str, Any], None]:
            update: dict[str, Any] = {}
            if sent_at > data.get("reportSentAt", 0):
                update["reportSentAt"] = sent_at
            if (data.get("reportLease") or {}).get("by") == holder:
                update["reportLease"] = firestore.DELETE_FIELD
            return update, None

        self._on_user(user_id, decide)

    def stage_state(
        self, user_id: str, device_id: str, version: int, states: dict[str, Any]
    ) -> bool:
        """Put a device's states in the outbox unless that version (or a newer one) is there or
        was reported; False when it was already reported."""

        def decide(snaps: list[Any]) -> Decision:
            data = snaps[0].to_dict() or {}
            if version <= data.get("reportedVersion", 0):
                return {}, False
            if version <= data.get("version", 0):
                return {}, True
            return {
                snaps[0].reference.path: {
                    "version": version,
                    "states": states,
                    "pending": True,
                    "reportedVersion": data.get("reportedVersion", 0),
                }
            }, True

        staged: bool = read_modify_write(self.client, [self._outbox(user_id, device_id)], decide)
        return staged

    def stage_for_report(
        self,
        user_id: str,
        device_id: str,
        version: int,
        states: dict[str, Any],
        *,
        claimant: str,
        now: int,
        ttl: int,
    ) -> str:
        """on_device_written's part of one state write, in three round trips: read the device's
        outbox entry and the user together; stage the state (a guarded write, unless that
        version or a newer one is staged already); then claim the report. CLAIMED: the caller
        must publish a message for it (``reportQueued`` is up for ``ttl`` ns); QUEUED: a message
        on its way covers it; REPORTED: that version or a newer one was reported; UNLINKED.

        A sender takes ``reportQueued`` down as its turn begins and only then reads the outbox,
        so the mark is read again after the staging commit: still up (by another claimant) means
        its sender has not begun and will see this state. A claim by the same ``claimant`` (a
        redelivered event) is renewed, so a failed publish is retried."""
        seen: dict[str, Any] = {}

        def decide(snaps: list[Any]) -> Decision:
            entry, user = snaps[0].to_dict() or {}, snaps[1].to_dict() or {}
            seen["queued"] = user.get("reportQueued") or {}
            if _linked_at(user) is None:
                return {}, UNLINKED
            if version <= entry.get("reportedVersion", 0):
                return {}, REPORTED
            if version <= entry.get("version", 0):
                return {}, QUEUED
            write = {
                "version": version,
                "states": states,
                "pending": True,
                "reportedVersion": entry.get("reportedVersion", 0),
            }
            return {snaps[0].reference.path: write}, QUEUED

        ref = self._user(user_id)
        outcome: str = read_modify_write(
            self.client, [self._outbox(user_id, device_id)], decide, also_read=[ref]
        )
        if outcome != QUEUED:
            return outcome
        if _covers(seen["queued"], claimant, now) and _covers(
            (ref.get().to_dict() or {}).get("reportQueued") or {}, claimant, now
        ):
            return QUEUED
        ref.set({"reportQueued": {"by": claimant, "until": now + ttl}}, merge=True)
        return CLAIMED

    def pending(self, user_id: str, since: int = 0) -> dict[str, tuple[int, dict[str, Any]]]:
        """Every staged, unreported device state of the user: device id -> (version, states).
        States written before ``since`` (the user's link time) are stale: Google's SYNC and
        QUERY at linking saw newer ones, so they are dropped, never reported."""
        query = (
            self._user(user_id)
            .collection(OUTBOX)
            .where(filter=firestore.FieldFilter("pending", "==", True))
        )
        found, stale = {}, {}
        for snap in query.stream():
            data = snap.to_dict() or {}
            if int(data["version"]) < since:
                stale[snap.id] = int(data["version"])
            else:
                found[snap.id] = (int(data["version"]), dict(data["states"]))
        self.mark_reported(user_id, stale)
        return found

    def drop_pending(self, user_id: str) -> None:
        """Forget every pending state of the user (unlinked: nothing may reach Google later)."""
        self.mark_reported(user_id, {d: v for d, (v, _) in self.pending(user_id).items()})

    def forget(self, user_id: str, device_id: str) -> None:
        """A deleted device has no state left to report."""
        self._outbox(user_id, device_id).delete()

    def mark_reported(self, user_id: str, versions: dict[str, int]) -> None:
        """Record reported versions, in two round trips and without retries: each entry is
        updated unless it changed since it was read; one that changed keeps its content (staged
        anew, it stays pending with a newer version; deleted, it stays deleted). One atomic
        commit of every entry would keep failing while the devices are written many times a
        second."""
        if not versions:
            return
        refs = [self._outbox(user_id, device_id) for device_id in versions]
        writes = []
        for snap, version in zip(get_in_order(self.client, refs), versions.values(), strict=True):
            if not snap.exists:
                continue
            data = snap.to_dict() or {}
            reported = max(data.get("reportedVersion", 0), version)
            writes.append(
                (snap, {"reportedVersion": reported, "pending": data.get("version", 0) > reported})
            )
        write_unless_changed(self.client, writes)

    def count_calls(
        self, second: int, shard: int, sync: int, report: int, expire_at: int
    ) -> tuple[int, int]:
        """Add ``sync`` and ``report`` calls to one shard of one second's count, atomically (two
        increments in one write: no read, no transaction, no conflict); the (sync, report)
        totals right after this write, which count every earlier write and no later one."""
        ref = self.client.collection(QUOTA).document(f"{shard}-{second}")
        result = ref.set(
            {
                "sync": firestore.Increment(sync),
                "report": firestore.Increment(report),
                "expireAt": datetime.fromtimestamp(expire_at / 10**9, UTC),
            },
            merge=True,
        )
        report_total, sync_total = (int(v.integer_value) for v in result.transform_results)
        return sync_total, report_total


def _covers(queued: dict[str, Any], claimant: str, now: int) -> bool:
    """A ``reportQueued`` mark put up by another claimant and still standing at ``now``."""
    return bool(queued.get("until", 0) > now and queued.get("by") != claimant)


def _linked_at(data: dict[str, Any]) -> int | None:
    if data.get("linked") is not True:
        return None
    linked = data.get("linkedAt")
    return int(linked.timestamp() * 10**9) if linked is not None else 0
