"""Stand-ins for the simulations, on a virtual clock (no emulator, no network); the ledger is the
product's own in-memory adapter (functions/on_device_change/memory_ledger.py).

``Scheduler`` runs many handlers "at once" on one thread: each handler is a greenlet, and its
``sleep`` hands control back to the scheduler until the virtual clock reaches the wake time, so
the real pipeline code (which sleeps while it waits) runs unchanged. ``QuotaHomeGraph``
implements ``HomeGraph`` and enforces Google's per-project quota with 429s.
"""

import heapq
import random
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from typing import Any

from greenlet import greenlet  # type: ignore[import-untyped]

from functions.core.units import SECOND
from functions.on_device_change.client import HomeGraphError


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

    def query(
        self, agent_user_id: str, request_id: str, device_ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        self._arrive("query")
        return {
            d: {"brightness": self.reported[(agent_user_id, d)]}
            for d in device_ids
            if (agent_user_id, d) in self.reported
        }
