"""The long-running device backend: discovery, one worker per device, command records,
reconciliation, health.

``Bridge`` wires the parts: the adapter discovers the devices and the bridge creates their missing
documents; each device gets a ``Worker`` (bridge/worker.py: its queue and thread) that carries out
command records (bridge/execution.py) and polls (bridge/polling.py), reconciling what the device
said with what Firestore holds (bridge/reconciler.py); the command source (bridge/commands.py)
hands each record to its device's worker; the heartbeat (bridge/heartbeat.py) shows each device's
health. After ``offline_after`` failed requests in a row the device's documents say
``online: false``; reads back off exponentially, and rediscovery finds a device that moved.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from bridge.adapter import Adapter, Found
from bridge.commands import CommandSource, Journal, MemoryJournal
from bridge.errors import DeviceError
from bridge.heartbeat import Heartbeat, beat_of
from bridge.logs import log
from bridge.settings import Settings, with_settings
from bridge.store import CommandRecord, HomeStore, Snapshot
from bridge.worker import Worker

__all__ = ["Bridge", "Settings", "Worker", "with_settings"]


class Bridge:
    """One home's device backend: ``start()``, then ``stop()``."""

    def __init__(
        self,
        adapter: Adapter,
        store: HomeStore,
        settings: Settings | None = None,
        *,
        name: str = "bridge",
        clock: Callable[[], float] = time.monotonic,
        journal: Journal | None = None,
    ) -> None:
        self.adapter = adapter
        self.store = store
        self.settings = settings or Settings()
        self.name = name
        self.clock = clock
        self.journal = journal or MemoryJournal()
        self.source = CommandSource(store, self.route)
        self.workers: dict[str, Worker] = {}
        self._owner: dict[str, Worker] = {}
        self._unwatch: Callable[[], None] | None = None
        self._heartbeat = Heartbeat(store, self._beat, self.settings.heartbeat_interval)

    def add(self, found: Found) -> Worker | None:
        """Create the device's documents when missing and give it a worker; None (logged) when
        another backend owns one of its documents: the bridge never acts for a device it does
        not own."""
        theirs = []
        for device_id, document in self.adapter.documents(found).items():
            if self.store.create(device_id, document):
                log(logging.INFO, "device_created", device=device_id)
            elif not self.store.owned(device_id):
                theirs.append(device_id)
        if theirs:
            log(logging.ERROR, "device_not_ours", device=found.key, documents=theirs)
            return None
        worker = Worker(
            found,
            self.adapter,
            self.store,
            self.settings,
            self.rediscover,
            self.clock,
            self.journal,
        )
        self.workers[found.key] = worker
        for device_id in worker.device_ids:
            self._owner[device_id] = worker
        return worker

    def rediscover(self, key: str) -> Found | None:
        """The device ``key`` as discovery finds it now (a new address), or None."""
        try:
            return next((f for f in self.adapter.discover() if f.key == key), None)
        except DeviceError:
            return None

    def on_change(self, snapshot: Snapshot) -> None:
        """The watch's callback: hand the document to the worker that owns it."""
        worker = self._owner.get(snapshot.device_id)
        if worker is not None:
            worker.notify(snapshot)

    def device_ids(self) -> list[str]:
        """The ids of the device documents this bridge serves."""
        return sorted(self._owner)

    def worker_for(self, device_id: str) -> Worker | None:
        """The worker that serves ``device_id``, or None."""
        return self._owner.get(device_id)

    def document(self, device_id: str) -> dict[str, Any] | None:
        """The device document as the watch last delivered it (read when not yet delivered)."""
        worker = self._owner.get(device_id)
        if worker is None:
            return None
        snapshot = worker.wanted.get(device_id) or self.store.read(device_id)
        return snapshot.document

    def route(self, record: CommandRecord) -> None:
        """The command source's callback: queue the record on the worker of its device."""
        worker = self._owner.get(record.device_id)
        if worker is not None:
            worker.submit(record)

    def start(self, threads: bool = True) -> "Bridge":
        """Discover, create missing documents, watch the home and its command records, and
        (``threads``) start the workers. Returns once the command listeners are listening."""
        for found in self.adapter.discover():
            self.add(found)
        self._unwatch = self.store.watch(self.on_change)
        self.source.start(sorted(self._owner), self.settings.listen_timeout)
        log(logging.INFO, "bridge_started", devices=sorted(self.workers))
        if threads:
            for worker in self.workers.values():
                worker.start()
            self._heartbeat.start()
        return self

    def stop(self) -> None:
        """Stop listening, then the workers (a queued record not yet claimed stays unanswered,
        and is carried out after the next start)."""
        self._heartbeat.stop()
        self.source.stop()
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        for worker in self.workers.values():
            worker.stop()
        log(logging.INFO, "bridge_stopped")

    def heartbeat(self) -> dict[str, Any]:
        """Write and return the heartbeat document ``users/{home}/lan/heartbeat``."""
        return self._heartbeat.beat()

    def _beat(self) -> dict[str, Any]:
        health = {key: worker.health() for key, worker in self.workers.items()}
        return beat_of(self.name, self.settings.poll_interval, health)
