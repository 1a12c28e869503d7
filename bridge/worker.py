"""One physical device's thread: its command queue first, then its poll when due.

Each device gets one worker thread, so requests to one device never overlap. The worker carries
out each command record the command source hands it (bridge/execution.py) as soon as it comes, and
polls on its interval (bridge/polling.py) so changes made on the device itself reach Firestore.
"""

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from bridge.adapter import Adapter, Found
from bridge.commands import Journal, MemoryJournal
from bridge.execution import Executor
from bridge.logs import log
from bridge.polling import Poller
from bridge.reconciler import Reconciler
from bridge.settings import Settings
from bridge.store import CommandRecord, HomeStore, Snapshot

LONGEST_SLEEP = 3600.0
"""Seconds an idle worker sleeps at most before looking again."""


class Worker:
    """One device: its state memory and its serial I/O. ``step`` is synchronous; ``start`` runs
    it in the worker's own thread whenever a record comes or the poll is due."""

    def __init__(  # noqa: PLR0917 - the worker's collaborators
        self,
        found: Found,
        adapter: Adapter,
        store: HomeStore,
        settings: Settings,
        rediscover: Callable[[str], Found | None],
        clock: Callable[[], float] = time.monotonic,
        journal: Journal | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.device_ids = list(adapter.documents(found))
        self.reconciler = Reconciler(
            store, self.device_ids, adapter.commandable, self.pending, clock, settings.command_grace
        )
        self.poller = Poller(
            found,
            self.device_ids,
            adapter,
            store,
            settings,
            self.reconciler,
            rediscover,
            clock,
            self.command_waiting,
        )
        self.executor = Executor(
            adapter, store, journal or MemoryJournal(), self.reconciler, self.poller
        )
        self._queue: deque[CommandRecord] = deque()
        self._acting: CommandRecord | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def found(self) -> Found:
        """The device as last discovered (its address changes when it moves)."""
        return self.poller.found

    @property
    def next_poll(self) -> float:
        return self.poller.next_poll

    @property
    def wanted(self) -> dict[str, Snapshot]:
        """The device documents as the watch last delivered them."""
        return self.reconciler.wanted

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"bridge-{self.found.key}")
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def notify(self, snapshot: Snapshot) -> None:
        """A device document changed (the watch): remember it for the next reconciliation."""
        self.reconciler.notify(snapshot)

    def submit(self, record: CommandRecord) -> None:
        """A command record for one of this worker's devices (the command source): queue it."""
        with self._lock:
            self._queue.append(record)
        self._wake.set()

    def command_waiting(self) -> bool:
        """Whether a command record is queued (a poll in progress gives way to it)."""
        with self._lock:
            return bool(self._queue)

    def pending(self, device_id: str) -> bool:
        """Whether a command for ``device_id`` is queued or being carried out."""
        with self._lock:
            acting = self._acting is not None and self._acting.device_id == device_id
            return acting or any(r.device_id == device_id for r in self._queue)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(max(0.0, min(self.next_poll - self.clock(), LONGEST_SLEEP)))
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self.step()
            except Exception as error:
                log(logging.ERROR, "worker_error", device=self.found.key, error=repr(error))
                self.poller.next_poll = self.clock() + self.settings.retry_base

    def step(self) -> None:
        """Whatever is due: queued commands, then the poll if its time has come."""
        while not self._stopping.is_set():
            with self._lock:
                if not self._queue:
                    break
                self._acting = self._queue.popleft()
            try:
                self.executor.execute(self._acting)
            finally:
                with self._lock:
                    self._acting = None
        if self.poller.due():
            self.poll()

    def poll(self) -> None:
        """Read the device and reconcile every one of its documents."""
        self.poller.poll()

    def health(self) -> dict[str, Any]:
        """The heartbeat's entry for the device."""
        return self.poller.health.as_dict()
