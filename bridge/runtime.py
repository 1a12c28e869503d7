"""The long-running device backend: discovery, per-device serial I/O, command records,
reconciliation, health.

Each device gets one worker thread, so requests to one device never overlap. A worker carries out
each command record the command source hands it (bridge/commands.py) as soon as it comes, records
the outcome in one batch with the states it confirmed, and polls on its interval so changes made on
the device itself reach Firestore. After ``offline_after`` failed requests in a row the device's
documents say ``online: false``; reads back off exponentially, and rediscovery finds a device that
moved.
"""

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bridge.adapter import Adapter, Found
from bridge.budget import BudgetExhausted
from bridge.commands import (
    INTERRUPTED,
    CommandSource,
    Journal,
    MemoryJournal,
    error_code,
    outcome_of,
)
from bridge.contract import states_of
from bridge.errors import DeviceError, Unauthorized, Unconfirmed, Unreachable, Unsupported
from bridge.logs import log
from bridge.reconcile import online_patch, plan
from bridge.store import CommandRecord, HomeStore, Snapshot


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
    command_grace: float = 10.0
    """Seconds a ``states`` change on Firestore's side (an optimistic EXECUTE's patch) waits for
    its command record before the device's value wins (a record arrives within milliseconds)."""
    listen_timeout: float = 30.0
    """Seconds ``start`` waits for the command listeners' first snapshots."""
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
        journal: Journal | None = None,
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
        self.journal = journal or MemoryJournal()
        self.failures = 0
        self.offline = False
        self.unsupported = False
        self.last_error = ""
        self.last_read_at: str | None = None
        self.next_poll = clock()
        self.executed = 0
        self._queue: deque[CommandRecord] = deque()
        self._acting: CommandRecord | None = None
        self._awaiting_since: dict[tuple[str, str], tuple[Any, float]] = {}
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
        """A device document changed (the watch): remember it for the next reconciliation."""
        with self._lock:
            self.wanted[snapshot.device_id] = snapshot

    def submit(self, record: CommandRecord) -> None:
        """A command record for one of this worker's devices (the command source): queue it."""
        with self._lock:
            self._queue.append(record)
        self._wake.set()

    def pending(self, device_id: str) -> bool:
        """Whether a command for ``device_id`` is queued or being carried out."""
        with self._lock:
            acting = self._acting is not None and self._acting.device_id == device_id
            return acting or any(r.device_id == device_id for r in self._queue)

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
        """Whatever is due: queued commands, then the poll if its time has come."""
        while not self._stopping.is_set():
            with self._lock:
                if not self._queue:
                    break
                self._acting = self._queue.popleft()
            try:
                self.execute(self._acting)
            finally:
                with self._lock:
                    self._acting = None
        if self.clock() >= self.next_poll:
            self.poll()

    # -- the work -----------------------------------------------------------------------------

    def execute(self, record: CommandRecord) -> None:
        """Carry one command record out, at most once, and record its outcome."""
        started = time.monotonic()
        if record.expired(datetime.now(UTC)):
            log(logging.WARNING, "command_expired", device=record.device_id, command=record.key)
            return
        if not self.journal.claim(record.key, record.deadline):
            # Claimed before a restart and never answered: the device may have acted. Never act
            # twice; the next poll reports the device's real state.
            log(logging.ERROR, "command_interrupted", device=record.device_id, command=record.key)
            self._record(record, outcome_of("ERROR", code=INTERRUPTED), {}, started)
            return
        states, outcome = self._carry_out(record)
        self._record(record, outcome, states, started)

    def _carry_out(self, record: CommandRecord) -> tuple[dict[str, Any], dict[str, Any]]:
        """(states to write, outcome): the confirmed states, or the read-back of a lying setter."""
        device_id = record.device_id
        confirmed: dict[str, Any] = {}
        try:
            if not record.executions:
                raise Unsupported(f"{record.key}: no executions")
            for execution in record.executions:
                change = self.adapter.change_for(device_id, execution.command, execution.params)
                if change is None:
                    self.adapter.perform(self.found, device_id, execution.command, execution.params)
                    continue
                if not set(change) <= self._commandable(device_id):
                    raise Unsupported(f"{device_id}: cannot change {sorted(change)}")
                try:
                    done = self.adapter.apply(self.found, device_id, change)
                except Unconfirmed as error:
                    actual = {k: v for k, v in error.actual.items() if k in change}
                    self._learned(device_id, actual)
                    confirmed.update(actual)
                    raise
                self._learned(device_id, done)
                confirmed.update(done)
        except (DeviceError, BudgetExhausted) as error:
            code = error_code(error)
            log(
                logging.WARNING,
                "command_failed",
                device=device_id,
                command=record.key,
                errorCode=code,
                error=f"{type(error).__name__}: {error}",
            )
            if isinstance(error, (Unreachable, Unauthorized)):
                self._failed(error)
            return confirmed, outcome_of("ERROR", code=code)
        except Exception as error:
            log(logging.ERROR, "command_crashed", device=device_id, error=repr(error))
            return confirmed, outcome_of("ERROR", code="hardError")
        self.failures = 0
        return confirmed, outcome_of("SUCCESS", confirmed)

    def _learned(self, device_id: str, values: Mapping[str, Any]) -> None:
        """The device confirmed ``values`` by a read; the outcome's batch writes them."""
        self.said.setdefault(device_id, {}).update(values)
        self.agreed[device_id].update(values)

    def _record(
        self,
        record: CommandRecord,
        outcome: dict[str, Any],
        states: dict[str, Any],
        started: float,
    ) -> None:
        try:
            written = self.store.record_outcome(
                record.device_id, record.command_id, outcome, states
            )
        except Exception as error:
            log(logging.ERROR, "outcome_not_recorded", command=record.key, error=repr(error))
            return
        self.executed += 1
        log(
            logging.INFO if written else logging.WARNING,
            "command_done" if written else "command_already_answered",
            device=record.device_id,
            command=record.key,
            outcome=outcome,
            tookMs=round((time.monotonic() - started) * 1000),
        )

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
            to_store = {
                **steps.to_store,
                **self._no_command_coming(device_id, wanted, steps.awaiting),
            }
            patch = {**to_store, **online_patch(wanted, True)}
            if not patch:
                return
            if self.store.update_states(device_id, patch, version=snapshot.version):
                agreed.update(to_store)
                log(logging.INFO, "reported", device=device_id, states=patch)
                return
            # A newer write (EXECUTE) came first: read it and decide again.
            with self._lock:
                self.wanted.pop(device_id, None)
        log(logging.WARNING, "reconcile_gave_up", device=device_id)

    def _no_command_coming(
        self, device_id: str, wanted: Mapping[str, Any], awaiting: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The awaiting keys whose command is not coming: ``states`` changed on Firestore's side,
        no record for the device is queued, and ``command_grace`` has passed since the bridge
        first saw the change. The device's values win for those; the others wait."""
        now = self.clock()
        for stale in [
            k for k in self._awaiting_since if k[0] == device_id and k[1] not in awaiting
        ]:
            del self._awaiting_since[stale]
        if not awaiting or self.pending(device_id):
            return {}
        overdue = {}
        for key, value in awaiting.items():
            seen_value, since = self._awaiting_since.get((device_id, key), (None, now))
            if seen_value != wanted.get(key):
                since = now
            self._awaiting_since[(device_id, key)] = (wanted.get(key), since)
            if now - since >= self.settings.command_grace:
                overdue[key] = value
        if overdue:
            log(logging.WARNING, "state_without_command", device=device_id, states=overdue)
        return overdue

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
            "commands": self.executed,
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
        self._stopping = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def add(self, found: Found) -> Worker:
        """Create the device's documents when missing and give it a worker."""
        for device_id, document in self.adapter.documents(found).items():
            if self.store.create(device_id, document):
                log(logging.INFO, "device_created", device=device_id)
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
            self._heartbeat = threading.Thread(target=self._beat, name="bridge-heartbeat")
            self._heartbeat.start()
        return self

    def stop(self) -> None:
        """Stop listening, then the workers (a queued record not yet claimed stays unanswered,
        and is carried out after the next start)."""
        self._stopping.set()
        self.source.stop()
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
