"""The project's budget of Home Graph calls, shared by every instance of on_device_change.

Google allows 6,000 calls per 60 seconds per project, every method together
(https://developers.home.google.com/cloud-to-cloud/integration/quotas); a 429 costs a retry and
tells nothing about when to try again. So the calls are counted before they are made:

- Time is cut into one-second slices. A slice holds ``calls_per_minute // 62`` calls: any 60 s
  window overlaps at most 61 slices, plus one for the delay between taking a call and Google
  receiving it (well under a second), so no 60 s window, wherever Google starts it, sees more
  than the budget.
- Each slice is counted in up to ``SHARDS`` Firestore documents (one per ``SHARD_CALLS`` calls
  of the slice), each holding an equal part of it, so no document takes more than a few writes
  per second. An instance reserves calls with one atomic
  increment of a random shard (no read, no transaction, never a conflict) and grants itself what
  fit under the shard's part; a refused or partly granted increment still counts, so the count
  may exceed what was made but never falls short of it.
- Request Sync may fill a slice; Report State only up to ``1 - request_sync_share`` of it until
  the slice's last ``LATE_SHARE``, so a Request Sync finds room even when states pile up, and
  the room it did not need goes to Report State rather than lapsing.
- Within an instance, callers are served oldest first (a caller takes a call only when fewer
  older callers are waiting than there are calls in hand), so no caller starves.
- Calls reserved but not made lapse with their slice. An instance reserves one call, or as many
  as its callers used in the last slice (at most ``MAX_BLOCK``): one write per call for an
  instance making one call at a time, fewer for a busy one, at the price of calls a busy
  instance reserved and then did not need (they lapse within the second).

When the slice is spent, callers wait for the next one (with jitter) up to a deadline given by
the caller; while a sender waits, its user's later messages wait behind it, and a state written
meanwhile supersedes the ones before it (they are skipped, not reported).
"""

import math
import random
import threading
from collections.abc import Callable
from typing import Protocol

from functions.core import logs
from functions.core.units import SECOND

SYNC_CALL, REPORT_CALL = "sync", "report"
"""The two kinds of call the budget tells apart: Request Sync, and every other call (Report
State, notifications, queries)."""
WINDOWS_PER_MINUTE = 62
SHARDS = 4
SHARD_CALLS = 24
MAX_BLOCK = 8
TRIES_PER_SLICE = 2
"""Shards an instance tries in one slice before it waits for the next."""
WAKE_JITTER = 0.25
LATE_SHARE = 0.3
KEEP_COUNTS_SECONDS = 3600
"""How long a slice's count documents are kept (``expireAt``, for a Firestore TTL policy)."""


class CallCounter(Protocol):
    def count_calls(
        self, second: int, shard: int, sync: int, report: int, expire_at: int
    ) -> tuple[int, int]: ...


class CallBudget:
    """One instance's share of the project's budget; thread-safe (callers may be threads)."""

    def __init__(
        self,
        counter: CallCounter,
        calls_per_minute: int,
        request_sync_share: float,
        *,
        clock: Callable[[], int],
        sleep: Callable[[float], None],
        rng: random.Random | None = None,
    ) -> None:
        self.counter = counter
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.enabled = calls_per_minute > 0
        per_slice = max(1, calls_per_minute // WINDOWS_PER_MINUTE)
        shards = max(1, min(SHARDS, per_slice // SHARD_CALLS))
        self.shard_calls = [
            per_slice // shards + (1 if shard < per_slice % shards else 0)
            for shard in range(shards)
        ]
        self.shard_reports = [c - math.ceil(c * request_sync_share) for c in self.shard_calls]
        self._lock = threading.Lock()
        self._slice = -1
        self._tokens = {SYNC_CALL: 0, REPORT_CALL: 0}
        self._full: dict[str, set[int]] = {SYNC_CALL: set(), REPORT_CALL: set()}
        self._used = 0
        self._used_before = 0
        self._late = False
        self._queue: dict[str, list[int]] = {SYNC_CALL: [], REPORT_CALL: []}
        self._tickets = 0
        self.reserved = 0
        """Calls counted in the shared documents by this instance (made or lapsed)."""
        self.writes = 0
        """Increments written (the budget's own cost in Firestore writes)."""

    def take(self, kind: str, until: int) -> float | None:
        """One call of ``kind`` (SYNC_CALL or REPORT_CALL), waiting for a later slice if this
        one is spent: how long it waited (s), or None when no call comes before ``until`` (ns).
        A waiting caller keeps its place in line."""
        if not self.enabled:
            return 0.0
        with self._lock:
            self._tickets += 1
            ticket = self._tickets
            self._queue[kind].append(ticket)
        try:
            return self._take(kind, ticket, until)
        finally:
            with self._lock:
                self._queue[kind].remove(ticket)

    def _take(self, kind: str, ticket: int, until: int) -> float | None:
        started, waited = self.clock(), False
        while True:
            now = self.clock()
            current = now // SECOND
            with self._lock:
                self._roll(current, now)
                ahead = self._queue[kind].index(ticket)
                if self._use(kind, ahead):
                    return (now - started) / SECOND
                shard = self._pick(kind)
                waiting = len(self._queue[kind])
                block = min(MAX_BLOCK, max(1, self._used_before, waiting))
            if shard is not None:
                self._reserve(kind, current, shard, block)
                continue
            wake = (current + 1) * SECOND + int(self.rng.uniform(0, WAKE_JITTER) * SECOND)
            if wake > until:
                return None
            if not waited:
                logs.warning("Home Graph budget exhausted; waiting", kind=kind)
                waited = True
            self.sleep((wake - now) / SECOND)

    def _roll(self, current: int, now: int) -> None:
        if current != self._slice:
            self._used_before = self._used if current == self._slice + 1 else 0
            self._slice, self._used, self._late = current, 0, False
            self._tokens = {SYNC_CALL: 0, REPORT_CALL: 0}
            self._full = {SYNC_CALL: set(), REPORT_CALL: set()}
        if not self._late and now % SECOND >= (1 - LATE_SHARE) * SECOND:
            self._late = True
            self._full[REPORT_CALL] = set(self._full[SYNC_CALL])

    def _use(self, kind: str, ahead: int) -> bool:
        """Take a call in hand, unless the ``ahead`` older callers need them all."""
        for pool in (kind, REPORT_CALL) if kind == SYNC_CALL else (REPORT_CALL,):
            if self._tokens[pool] > ahead:
                self._tokens[pool] -= 1
                self._used += 1
                return True
            ahead -= self._tokens[pool]
        return False

    def _pick(self, kind: str) -> int | None:
        full = self._full[kind]
        if len(full) >= TRIES_PER_SLICE:
            return None
        left = [s for s in range(len(self.shard_calls)) if s not in full]
        return self.rng.choice(left) if left else None

    def _reserve(self, kind: str, current: int, shard: int, block: int) -> None:
        sync, report = (block, 0) if kind == SYNC_CALL else (0, block)
        expire = (current + KEEP_COUNTS_SECONDS) * SECOND
        sync_total, report_total = self.counter.count_calls(current, shard, sync, report, expire)
        before = sync_total + report_total - block
        room = self.shard_calls[shard] - before
        if kind == REPORT_CALL and not self._late:
            room = min(room, self.shard_reports[shard] - (report_total - block))
        granted = max(0, min(block, room))
        with self._lock:
            self.writes += 1
            self.reserved += block
            if current == self._slice:
                self._tokens[kind] += granted
                if granted < block:
                    self._full[kind].add(shard)
                    if kind == SYNC_CALL:
                        self._full[REPORT_CALL].add(shard)
