"""The long-running device backend: discovery, per-device serial I/O, reconciliation, health.

Each device gets one worker thread, so requests to one device never overlap. A worker polls on its
interval, and carries out a command as soon as the watch shows one (a ``states`` change written by
EXECUTE). After ``offline_after`` failed reads in a row the device's documents say
``online: false``; reads back off exponentially, and rediscovery finds a device that moved.
"""

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bridge.adapter import Adapter, Found
from bridge.budget import BudgetExhausted
from bridge.contract import states_of
from bridge.errors import DeviceError, Unconfirmed, Unsupported
from bridge.logs import log
from bridge.reconcile import online_patch, plan
from bridge.store import HomeStore, Snapshot


@dataclass(frozen=True)
class Settings:
    poll_interval: float = 180.0
    """Seconds between reads of one device (speakers hang when polled every 10 s)."""
    retry_base: float = 15.0
    """First retry after a failed read; doubles per failure up to ``backoff_max``."""
    backoff_max: float = 900.0
    offline_after: int = 3
    """Failed reads in a row before the device's documents say ``online: false``."""
    rediscover_after: int = 2
    """Failed reads in a row before discovery looks for the device's new address."""
    confirm_attempts: int = 3
    """Writes a device may ignore before the bridge gives up and reports the device's value."""
    heartbeat_interval: float = 60.0


class Worker:
    """One device: its state memory and its serial I/O. The methods are synchronous; ``start``
    runs them in the worker's own thread."""

    def __init__(  # noqa: PLR0917 - the worker's collaborators
        self,
        found: Found,
        adapter: Adapter,
        store: HomeStore,
        settings: Settings,
        rediscover: Callable[[str], Found | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.found = found
        self.adapter = adapter
        self.store = store
        self.settings = settings
        self.rediscover = rediscover
        self.clock = clock
        self.device_ids = list(adapter.documents(found))
        self.agreed: dict[str, dict[str, Any]] = {d: {} for d in self.device_ids}
        self.said: dict[str, dict[str, Any]] = {}
        self.wanted: dict[str, Snapshot] = {}
        self.side: dict[str, Any] | None = None
        self.failures = 0
        self.unconfirmed = 0
        self.offline = False
        self.unsupported = False
        self.last_error = ""
        self.last_read_at: str | None = None
        self.next_poll = clock()
        self._commands: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the thread ---------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"bridge-{self.found.key}")
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def notify(self, snapshot: Snapshot) -> None:
        """A device document changed (the watch): remember it; act if it carries a command."""
        with self._lock:
            self.wanted[snapshot.device_id] = snapshot
            self._commands.add(snapshot.device_id)
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(max(0.0, min(self.next_poll - self.clock(), 3600.0)))
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self.step()
            except Exception as error:
                log(logging.ERROR, "worker_error", device=self.found.key, error=repr(error))
                self.next_poll = self.clock() + self.settings.retry_base

    def step(self) -> None:
        """Whatever is due: pending commands, then the poll if its time has come."""
        with self._lock:
            commands, self._commands = self._commands, set()
        for device_id in commands:
            self.command(device_id)
        if self.clock() >= self.next_poll:
            self.poll()

    # -- the work -----------------------------------------------------------------------------

    def command(self, device_id: str) -> None:
        """Carry out what EXECUTE wrote, if the document now differs from what was agreed."""
        if self.unsupported or device_id not in self.said:
            return  # the next poll decides with a fresh read
        snapshot = self.wanted.get(device_id)
        if snapshot is None or snapshot.document is None:
            return
        wanted = states_of(snapshot.document)
        change = plan(
            wanted, self.said[device_id], self.agreed[device_id], self._commandable(device_id)
        ).to_device
        if change:
            self._apply(device_id, change, snapshot)

    def poll(self) -> None:
        """Read the device and reconcile every one of its documents."""
        if self.unsupported:
            self.next_poll = float("inf")
            return
        try:
            reading = self.adapter.read(self.found)
        except Unsupported as error:
            self.unsupported = True
            self.next_poll = float("inf")
            log(logging.WARNING, "device_unsupported", device=self.found.key, error=str(error))
            self._mark_offline()
            return
        except BudgetExhausted as error:
            self.next_poll = self.clock() + self.settings.retry_base
            log(logging.WARNING, "budget_exhausted", device=self.found.key, error=str(error))
            return
        except DeviceError as error:
            self._failed(error)
            return
        self.failures = 0
        self.offline = False
        self.last_error = ""
        self.last_read_at = datetime.now(UTC).isoformat()
        self.next_poll = self.clock() + self.settings.poll_interval
        for device_id, said in reading.states.items():
            self.said[device_id] = dict(said)
            self._reconcile(device_id)
        side = {
            "name": self.found.name,
            "host": self.found.host,
            "model": self.found.model,
            "firmware": self.found.firmware,
            **reading.side,
        }
        if side != self.side:
            self.store.write_side(self.found.key, side)
            self.side = side

    def _reconcile(self, device_id: str) -> None:
        for _ in range(3):
            snapshot = self.wanted.get(device_id) or self.store.read(device_id)
            if snapshot.document is None:
                return  # the owner deleted it: the bridge does not bring it back while running
            wanted = states_of(snapshot.document)
            said = self.said[device_id]
            agreed = self.agreed[device_id]
            agreed.update({k: v for k, v in said.items() if wanted.get(k) == v})
            steps = plan(wanted, said, agreed, self._commandable(device_id))
            if steps.to_device:
                self._apply(device_id, steps.to_device, snapshot)
            patch = {**steps.to_store, **online_patch(wanted, True)}
            if not patch:
                return
            if self.store.update_states(device_id, patch, version=snapshot.version):
                agreed.update(steps.to_store)
                log(logging.INFO, "reported", device=device_id, states=patch)
                return
            # A newer write (EXECUTE) came first: read it and decide again.
            with self._lock:
                self.wanted.pop(device_id, None)
        log(logging.WARNING, "reconcile_gave_up", device=device_id)

    def _apply(self, device_id: str, change: Mapping[str, Any], snapshot: Snapshot) -> None:
        try:
            confirmed = self.adapter.apply(self.found, device_id, change)
        except Unconfirmed as error:
            self.said.setdefault(device_id, {}).update(error.actual)
            self.unconfirmed += 1
            log(
                logging.WARNING,
                "unconfirmed",
                device=device_id,
                wanted=dict(change),
                actual=error.actual,
                attempt=self.unconfirmed,
            )
            if self.unconfirmed < self.settings.confirm_attempts:
                self.next_poll = min(self.next_poll, self.clock() + self.settings.retry_base)
                return
            # The device keeps ignoring the command: Google must see what the device does.
            self.unconfirmed = 0
            self.agreed[device_id].update(error.actual)
            self.store.update_states(device_id, error.actual, version=snapshot.version)
            log(logging.ERROR, "command_ignored_by_device", device=device_id, actual=error.actual)
            return
        except BudgetExhausted as error:
            self.next_poll = min(self.next_poll, self.clock() + self.settings.retry_base)
            log(logging.WARNING, "budget_exhausted", device=self.found.key, error=str(error))
            return
        except DeviceError as error:
            self._failed(error)
            return
        self.unconfirmed = 0
        self.said.setdefault(device_id, {}).update(confirmed)
        self.agreed[device_id].update(confirmed)
        log(logging.INFO, "applied", device=device_id, states=confirmed)

    def _failed(self, error: DeviceError) -> None:
        self.failures += 1
        self.last_error = f"{type(error).__name__}: {error}"
        log(
            logging.WARNING,
            "device_failed",
            device=self.found.key,
            failures=self.failures,
            error=self.last_error,
        )
        if self.failures >= self.settings.offline_after:
            self._mark_offline()
        if self.failures >= self.settings.rediscover_after:
            moved = self.rediscover(self.found.key)
            if moved and (moved.host, moved.port) != (self.found.host, self.found.port):
                log(logging.INFO, "device_moved", device=self.found.key, host=moved.host)
                self.found = moved
        delay = min(self.settings.backoff_max, self.settings.retry_base * 2 ** (self.failures - 1))
        self.next_poll = self.clock() + delay * random.uniform(0.9, 1.1)

    def _mark_offline(self) -> None:
        if self.offline:
            return
        self.offline = True
        for device_id in self.device_ids:
            self.store.update_states(device_id, {"online": False})
        log(logging.WARNING, "device_offline", device=self.found.key)

    def _commandable(self, device_id: str) -> frozenset[str]:
        return self.adapter.commandable(device_id)

    def health(self) -> dict[str, Any]:
        return {
            "online": not self.offline and not self.unsupported,
            "unsupported": self.unsupported,
            "failures": self.failures,
            "lastError": self.last_error,
            "lastReadAt": self.last_read_at,
        }


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
    ) -> None:
        self.adapter = adapter
        self.store = store
        self.settings = settings or Settings()
        self.name = name
        self.clock = clock
        self.workers: dict[str, Worker] = {}
        self._owner: dict[str, Worker] = {}
        self._unwatch: Callable[[], None] | None = None
        self._stopping = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def add(self, found: Found) -> Worker:
        """Create the device's documents when missing and give it a worker."""
        for device_id, document in self.adapter.documents(found).items():
            if self.store.create(device_id, document):
                log(logging.INFO, "device_created", device=device_id)
        worker = Worker(found, self.adapter, self.store, self.settings, self.rediscover, self.clock)
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

    def start(self, threads: bool = True) -> "Bridge":
        """Discover, create missing documents, watch the home, and (``threads``) start polling."""
        for found in self.adapter.discover():
            self.add(found)
        log(logging.INFO, "bridge_started", devices=sorted(self.workers))
        self._unwatch = self.store.watch(self.on_change)
        if threads:
            for worker in self.workers.values():
                worker.start()
            self._heartbeat = threading.Thread(target=self._beat, name="bridge-heartbeat")
            self._heartbeat.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        for worker in self.workers.values():
            worker.stop()
        if self._heartbeat is not None:
            self._heartbeat.join()
            self._heartbeat = None
        log(logging.INFO, "bridge_stopped")

    def heartbeat(self) -> dict[str, Any]:
        """Write and return the heartbeat document ``users/{home}/lan/heartbeat``."""
        beat = {
            "bridge": self.name,
            "at": datetime.now(UTC).isoformat(),
            "pollIntervalSeconds": self.settings.poll_interval,
            "devices": {key: worker.health() for key, worker in self.workers.items()},
        }
        self.store.write_side("heartbeat", beat)
        return beat

    def _beat(self) -> None:
        while not self._stopping.is_set():
            try:
                self.heartbeat()
            except Exception as error:
                log(logging.WARNING, "heartbeat_failed", error=repr(error))
            self._stopping.wait(self.settings.heartbeat_interval)


def with_settings(settings: Settings, **changes: Any) -> Settings:
    """A copy of ``settings`` with ``changes``."""
    return replace(settings, **changes)
