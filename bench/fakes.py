"""In-memory stand-ins for the pipeline's adapters, on a virtual clock (no emulator, no network).

``Scheduler`` runs many handlers "at once" on one thread: each handler is a greenlet, and its
``sleep`` hands control back to the scheduler until the virtual clock reaches the wake time, so
the real pipeline code (which sleeps while it waits) runs unchanged. ``MemoryLedger`` implements
``functions.homegraph.ledger.Ledger`` (and the ``LinkedUsers``/``Outbox`` interfaces of
on_device_written) with the same decisions as FirestoreLedger; ``QuotaHomeGraph`` implements
``HomeGraph`` and enforces Google's per-project quota with 429s.
"""

import heapq
import random
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from typing import Any

from greenlet import greenlet  # type: ignore[import-untyped]

from functions.homegraph.client import HomeGraphError
from functions.homegraph.ledger import (
    ACQUIRED,
    BUSY,
    CLAIMED,
    QUEUED,
    REPORTED,
    UNLINKED,
    Pending,
)

SECOND = 10**9


class Scheduler:
    """A virtual clock and an event loop of greenlets."""

    def __init__(self, start: int) -> None:
        self.now = start
        self._events: list[tuple[int, int, Callable[..., Any], tuple[Any, ...]]] = []
        self._seq = 0
        self._main = greenlet.getcurrent()
        self.running = 0
        self.peak_running = 0

    def clock(self) -> int:
        return self.now

    def at(self, when: int, action: Callable[..., Any], *args: Any) -> None:
        self._seq += 1
        heapq.heappush(self._events, (max(when, self.now), self._seq, action, args))

    def spawn(self, when: int, task: Callable[..., Any], *args: Any) -> None:
        """Run ``task(*args)`` as its own greenlet from ``when`` on."""

        def run() -> None:
            self.running += 1
            self.peak_running = max(self.peak_running, self.running)
            try:
                task(*args)
            finally:
                self.running -= 1

        self.at(when, lambda: greenlet(run, parent=self._main).switch())

    def sleep(self, seconds: float) -> None:
        current = greenlet.getcurrent()
        if current is self._main:
            raise RuntimeError("sleep outside a task")
        self.at(self.now + max(0, int(seconds * SECOND)), current.switch)
        self._main.switch()

    def run(self, until: int) -> None:
        """Run every event due up to ``until``; the clock ends at ``until``."""
        while self._events and self._events[0][0] <= until:
            when, _, action, args = heapq.heappop(self._events)
            self.now = when
            action(*args)
        self.now = max(self.now, until)

    def idle(self) -> bool:
        return not self._events


class MemoryLedger:
    """The pipeline's bookkeeping in dictionaries; each call costs ``latency`` virtual seconds
    (a Firestore round trip) and then happens at one instant, like a committed transaction."""

    def __init__(self, sleep: Callable[[float], None], latency: float = 0.005) -> None:
        self.sleep = sleep
        self.latency = latency
        self.users: dict[str, dict[str, Any]] = {}
        self.outbox: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.counts: dict[tuple[int, int], list[int]] = {}
        self.reads = 0
        self.writes = 0

    def _op(self, reads: int = 1, writes: int = 0) -> None:
        if self.latency:
            self.sleep(self.latency)
        self.reads += reads
        self.writes += writes

    def link(self, user_id: str, linked_at: int) -> None:
        self.users[user_id] = {"linked": True, "linkedAt": linked_at}

    def is_linked(self, user_id: str) -> bool:
        self._op()
        return self.users.get(user_id, {}).get("linked") is True

    def _linked_at(self, user_id: str) -> int | None:
        data = self.users.get(user_id, {})
        return int(data.get("linkedAt", 0)) if data.get("linked") is True else None

    def linked_at(self, user_id: str) -> int | None:
        self._op()
        return self._linked_at(user_id)

    def set_unlinked(self, user_id: str, linked_at: int | None) -> None:
        self._op(writes=1)
        if self._linked_at(user_id) == linked_at and user_id in self.users:
            self.users[user_id]["linked"] = False

    def claim_sync(
        self, user_id: str, changed_at: int, *, now: int, interval: int, claimant: str, lease: int
    ) -> int | None:
        self._op(writes=1)
        data = self.users.get(user_id, {})
        if self._linked_at(user_id) is None:
            return None
        sent = data.get("syncSentAt", 0)
        plan = data.get("syncPlan") or {}
        live = plan.get("until", 0) > now
        if changed_at < sent:
            return None
        if plan.get("by") == claimant:
            at = plan["at"]
        elif live and changed_at < plan["at"]:
            return None
        else:
            at = max(now, sent + interval if sent else 0, plan["at"] + interval if live else 0)
        data["syncPlan"] = {"at": at, "by": claimant, "until": at + lease}
        return int(at)

    def finish_sync(self, user_id: str, claimant: str, sent_at: int) -> None:
        self._op(writes=1)
        data = self.users.setdefault(user_id, {})
        data["syncSentAt"] = max(data.get("syncSentAt", 0), sent_at)
        if (data.get("syncPlan") or {}).get("by") == claimant:
            data.pop("syncPlan", None)

    def syncing(self, user_id: str, since: int) -> bool:
        self._op()
        data = self.users.get(user_id, {})
        return bool(data.get("syncSentAt", 0) > since or data.get("syncPlan"))

    def release_sync(self, user_id: str, claimant: str) -> None:
        self._op(writes=1)
        data = self.users.get(user_id, {})
        if (data.get("syncPlan") or {}).get("by") == claimant:
            data.pop("syncPlan", None)

    def acquire_report_lease(
        self, user_id: str, holder: str, now: int, lease: int
    ) -> tuple[str, int, int]:
        self._op(writes=1)
        data = self.users.setdefault(user_id, {})
        sent, linked_at = int(data.get("reportSentAt", 0)), self._linked_at(user_id)
        current = data.get("reportLease") or {}
        if linked_at is None:
            if current.get("by") != holder:
                data.pop("reportQueued", None)
            return UNLINKED, sent, 0
        if current.get("by") not in (None, holder) and current.get("until", 0) > now:
            return BUSY, sent, linked_at
        if current.get("by") != holder:
            data.pop("reportQueued", None)
        data["reportLease"] = {"by": holder, "until": now + lease}
        return ACQUIRED, sent, linked_at

    def release_report_lease(self, user_id: str, holder: str, sent_at: int) -> None:
        self._op(writes=1)
        data = self.users.setdefault(user_id, {})
        if sent_at > data.get("reportSentAt", 0):
            data["reportSentAt"] = sent_at
        if (data.get("reportLease") or {}).get("by") == holder:
            data.pop("reportLease", None)

    def stage_state(
        self, user_id: str, device_id: str, version: int, states: dict[str, Any]
    ) -> bool:
        self._op(writes=1)
        data = self.outbox[user_id].get(device_id, {})
        if version <= data.get("reportedVersion", 0):
            return False
        if version <= data.get("version", 0):
            return True
        self.outbox[user_id][device_id] = {
            "version": version,
            "states": states,
            "pending": True,
            "reportedVersion": data.get("reportedVersion", 0),
        }
        return True

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
        self._op(reads=2)
        if self._linked_at(user_id) is None:
            return UNLINKED
        data = self.outbox[user_id].get(device_id, {})
        if version > data.get("version", 0) and version > data.get("reportedVersion", 0):
            self._op(reads=0, writes=1)  # the guarded commit: decided anew at its instant
        data = self.outbox[user_id].get(device_id, {})
        if version <= data.get("reportedVersion", 0):
            return REPORTED
        if version > data.get("version", 0):
            self.outbox[user_id][device_id] = {
                "version": version,
                "states": states,
                "pending": True,
                "reportedVersion": data.get("reportedVersion", 0),
            }
        user = self.users.setdefault(user_id, {})
        queued = user.get("reportQueued") or {}
        if queued.get("until", 0) > now and queued.get("by") != claimant:
            self._op()
            return QUEUED
        self._op(reads=0, writes=1)
        user["reportQueued"] = {"by": claimant, "until": now + ttl}
        return CLAIMED

    def pending(self, user_id: str, since: int = 0) -> Pending:
        self._op()
        found, stale = {}, {}
        for device_id, data in self.outbox[user_id].items():
            if not data["pending"]:
                continue
            if data["version"] < since:
                stale[device_id] = data["version"]
            else:
                found[device_id] = (data["version"], dict(data["states"]))
        if stale:
            self.mark_reported(user_id, stale)
        return found

    def drop_pending(self, user_id: str) -> None:
        self.mark_reported(user_id, {d: v for d, (v, _) in self.pending(user_id).items()})

    def forget(self, user_id: str, device_id: str) -> None:
        self._op(reads=0, writes=1)
        self.outbox[user_id].pop(device_id, None)

    def mark_reported(self, user_id: str, versions: dict[str, int]) -> None:
        if not versions:
            return
        self._op(reads=len(versions), writes=len(versions))
        for device_id, version in versions.items():
            data = self.outbox[user_id].setdefault(device_id, {"version": 0, "states": {}})
            reported = max(data.get("reportedVersion", 0), version)
            data["reportedVersion"] = reported
            data["pending"] = data.get("version", 0) > reported

    def count_calls(
        self, second: int, shard: int, sync: int, report: int, expire_at: int
    ) -> tuple[int, int]:
        self._op(reads=0, writes=1)
        counts = self.counts.setdefault((second, shard), [0, 0])
        counts[0] += sync
        counts[1] += report
        return counts[0], counts[1]


class QuotaHomeGraph:
    """Google's side: a ``HomeGraph`` that answers 429 once ``quota`` calls arrived within the
    last 60 s (every call counts, answered or not), fails ``failure_rate`` of the others (500s
    and timeouts), and keeps each device's reported ``brightness`` (the simulation's write
    sequence number). ``on_report`` hears each accepted device state."""

    def __init__(
        self,
        clock: Callable[[], int],
        sleep: Callable[[float], None],
        *,
        quota: int,
        failure_rate: float,
        latency: float = 0.05,
        seed: int = 0,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.quota = quota
        self.failure_rate = failure_rate
        self.latency = latency
        self.rng = random.Random(seed)
        self.window: deque[int] = deque()
        self.calls: list[tuple[int, str, int]] = []
        """(time, method, status) of every call."""
        self.reported: dict[tuple[str, str], int] = {}
        self.syncs: dict[str, int] = defaultdict(int)
        self.on_report: Callable[[str, str, int, int], None] = lambda *_: None

    def _arrive(self, method: str) -> None:
        now = self.clock()
        while self.window and self.window[0] <= now - 60 * SECOND:
            self.window.popleft()
        over = len(self.window) >= self.quota
        self.window.append(now)
        status = 200
        if over:
            status = 429
        elif self.rng.random() < self.failure_rate:
            status = self.rng.choice((500, 503, 0))
        self.calls.append((now, method, status))
        if self.latency:
            self.sleep(self.latency)
        if status == 429:
            raise HomeGraphError(429, "RESOURCE_EXHAUSTED: quota")
        if status == 0:
            raise HomeGraphError(None, "timed out", retryable=True)
        if status != 200:
            raise HomeGraphError(status, "INTERNAL")

    def request_sync(self, agent_user_id: str) -> None:
        self._arrive("requestSync")
        self.syncs[agent_user_id] += 1

    def notify(
        self,
        agent_user_id: str,
        request_id: str,
        event_id: str,
        notifications: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self._arrive("reportState")

    def report_state(
        self, agent_user_id: str, request_id: str, states: Mapping[str, Mapping[str, Any]]
    ) -> None:
        self._arrive("reportState")
        now = self.clock()
        for device_id, device_states in states.items():
            seq = int(device_states["brightness"])
            key = (agent_user_id, device_id)
            self.reported[key] = seq
            self.on_report(agent_user_id, device_id, seq, now)
