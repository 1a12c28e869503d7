"""A reference device backend for the local stack: it listens to the command records of a home's
devices, acts on simulated devices and records each outcome as a maker's backend should.

For every new record with ``outcome: null`` it waits the device's reaction delay, then commits
ONE batch: the device's new ``states.*`` (the record's ``patch``; an optimistic device's patch was
already written by the fulfillment, so only the outcome is needed) and the record's ``outcome``.
A commit that fails on a transient error is retried (bounded, logged). A device configured to
fail records ``{"status": "ERROR", "errorCode": ...}``; a jammed one also sets
``deviceError: "deviceJammingDetected"`` (and ``states.isJammed`` on a lock), as a real lock
reports a jam. A command that changes no state (a scene, Locate, a relative step on a one-way
device) is acted on by logging it, and recorded as SUCCESS. docs/devices.md explains the contract.
"""

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath

from bridge.store import issue_order
from functions.core import retry
from functions.devices.backend import COMMANDS, CONFIRMED

LOG = logging.getLogger("devstack.device_backend")
JAMMED = "deviceJammingDetected"
LOCK_UNLOCK = "action.devices.commands.LockUnlock"
COMMIT_RETRY_SECONDS = 10.0
TRANSIENT = (
    exceptions.Aborted,
    exceptions.Cancelled,
    exceptions.DeadlineExceeded,
    exceptions.InternalServerError,
    exceptions.ServiceUnavailable,
)
"""Firestore errors a commit is retried on (the emulator under load answers CANCELLED too)."""


@dataclass(frozen=True)
class Reaction:
    """How a simulated device reacts to a command."""

    delay: float = 0.0
    """Seconds before the device has acted and the outcome is recorded."""
    fail: str | None = None
    """A Google error code the device answers with instead of acting."""
    jam: bool = False
    """The device jams: ``deviceError`` is set and the outcome is deviceJammingDetected."""


DEMO_REACTIONS: dict[str, Reaction] = {
    "front-door-lock": Reaction(delay=0.2),
    "garage-door": Reaction(delay=3.0),
}
"""The demo home's reactions: a lock that answers inside its 800 ms, and a garage door slower
than its 300 ms (Google hears PENDING, then Report State carries the final state)."""
BRIDGED = {"bedroom-speaker-dnd"}
"""Demo devices another backend owns (the LAN bridge, docs/lan.md)."""


@dataclass(frozen=True)
class Handled:
    """A command the backend acted on, and the outcome it recorded."""

    device_id: str
    command_id: str
    commands: tuple[str, ...]
    outcome: dict[str, Any]


@dataclass
class DeviceBackend:
    """Start with ``start()``, stop with ``stop()`` (unsubscribes, then waits for the devices
    still acting; a command not yet acted on when stopping is left unanswered)."""

    client: firestore.Client
    user_id: str
    device_ids: Iterable[str]
    reactions: dict[str, Reaction] = field(default_factory=lambda: dict(DEMO_REACTIONS))
    log: Callable[[str], None] = LOG.info
    handled: list[Handled] = field(default_factory=list)
    _watches: list[Any] = field(default_factory=list)
    _workers: list[threading.Thread] = field(default_factory=list)
    _last: dict[str, threading.Thread] = field(default_factory=dict)
    """Each device's latest worker: the next one waits for it, so one device's commands are
    acted on one at a time, in the order they were issued."""
    _seen: set[str] = field(default_factory=set)
    _listening: set[str] = field(default_factory=set)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def device(self, device_id: str) -> firestore.DocumentReference:
        return self.client.document(f"users/{self.user_id}/devices/{device_id}")

    def start(self, timeout: float = 30) -> "DeviceBackend":
        """Listen to every device's unanswered commands; returns once each listener has had its
        first snapshot (so no command issued after this returns can be missed)."""
        devices = list(self.device_ids)
        for device_id in devices:
            unanswered = (
                self.device(device_id)
                .collection(COMMANDS)
                .where(filter=firestore.FieldFilter("outcome", "==", None))
            )
            self._watches.append(unanswered.on_snapshot(self._listener(device_id)))
        with self._changed:
            listening = self._changed.wait_for(lambda: self._listening >= set(devices), timeout)
        if not listening:
            self.stop()
            raise TimeoutError(f"the command listeners did not start within {timeout} s")
        return self

    def stop(self) -> None:
        self._stopping.set()
        for watch in self._watches:
            watch.unsubscribe()
        self._watches.clear()
        with self._changed:
            workers = list(self._workers)
        for worker in workers:
            worker.join()

    def react(self, device_id: str, reaction: Reaction) -> None:
        """Change how a device reacts from its next command on."""
        with self._changed:
            self.reactions[device_id] = reaction

    def wait_for(self, check: Callable[[list[Handled]], bool], timeout: float) -> bool:
        """Wait (bounded) until ``check(handled)`` holds; returns whether it did."""
        with self._changed:
            return self._changed.wait_for(lambda: check(list(self.handled)), timeout)

    def _listener(self, device_id: str) -> Callable[[list[Any], list[Any], Any], None]:
        def on_snapshot(_snaps: list[Any], changes: list[Any], _read_time: Any) -> None:
            with self._changed:
                self._listening.add(device_id)
                self._changed.notify_all()
            added = [
                (c.document, c.document.to_dict() or {}) for c in changes if c.type.name == "ADDED"
            ]
            for snap, record in sorted(added, key=lambda item: issue_order(item[1])):
                if record.get("outcome") is not None:
                    continue
                with self._changed:
                    if snap.id in self._seen or self._stopping.is_set():
                        continue
                    if _expired(record):
                        continue  # the product expires it; acting now would surprise the user
                    self._seen.add(snap.id)
                    worker = threading.Thread(
                        target=self._act,
                        args=(device_id, snap.reference, record, self._last.get(device_id)),
                        name=f"device-{device_id}",
                    )
                    self._workers.append(worker)
                    self._last[device_id] = worker
                worker.start()

        return on_snapshot

    def _act(
        self,
        device_id: str,
        ref: Any,
        record: Mapping[str, Any],
        after: threading.Thread | None,
    ) -> None:
        if after is not None:
            after.join()  # the device's previous command first
        with self._changed:
            reaction = self.reactions.get(device_id, Reaction())
        if self._stopping.wait(reaction.delay):
            return
        commands = tuple(str(e.get("command")) for e in record.get("executions") or [])
        patch = dict(record.get("patch") or {})
        device = self.device(device_id)
        writes: list[tuple[Any, dict[str, Any]]] = []
        if reaction.jam:
            jam: dict[str, Any] = {"deviceError": JAMMED}
            if LOCK_UNLOCK in commands:
                jam[FieldPath("states", "isJammed").to_api_repr()] = True
            writes.append((device, jam))
            outcome: dict[str, Any] = {"status": "ERROR", "errorCode": JAMMED}
        elif reaction.fail:
            outcome = {"status": "ERROR", "errorCode": reaction.fail}
        else:
            if record.get("mode") == CONFIRMED and patch:
                states = {FieldPath("states", k).to_api_repr(): v for k, v in patch.items()}
                writes.append((device, states))
            outcome = {"status": "SUCCESS", "states": patch}
        writes.append((ref, {"outcome": outcome}))
        names = ", ".join(c.rsplit(".", 1)[-1] for c in commands)
        try:
            self._commit(writes, f"{device_id} {names}")
        except Exception as error:
            self.log(f"gave up recording the outcome: {device_id} {names}: {error}")
            return  # the record stays unanswered; the product expires it at its deadline
        what = "acted" if patch or outcome["status"] != "SUCCESS" else "acted (no state change)"
        self.log(f"{what}: {device_id} {names}")
        with self._changed:
            self.handled.append(Handled(device_id, ref.id, commands, outcome))
            self._changed.notify_all()

    def _commit(self, writes: list[tuple[Any, dict[str, Any]]], what: str) -> None:
        """Commit ``writes`` in ONE batch, retried within COMMIT_RETRY_SECONDS on a transient
        error (the writes are idempotent: the same fields, the same values)."""

        def commit() -> None:
            batch = self.client.batch()
            for ref, fields in writes:
                batch.update(ref, fields)
            batch.commit()

        def on_retry(error: Exception, wait: float) -> None:
            self.log(f"retrying in {wait:.1f} s: {what}: {error}")

        def pause(wait: float) -> None:
            self._stopping.wait(wait)  # cut short when stopping

        retry.call(commit, _transient, pause, COMMIT_RETRY_SECONDS, on_retry)


def _transient(error: Exception) -> bool:
    return isinstance(error, TRANSIENT)


def _expired(record: Mapping[str, Any]) -> bool:
    deadline = record.get("deadline")
    return isinstance(deadline, datetime) and deadline <= datetime.now(UTC)


def demo_backend(client: firestore.Client, user_id: str) -> DeviceBackend:
    """The reference backend for the demo home's devices (all but the bridged ones)."""
    from devstack.demo_home import DEMO_DEVICES

    devices = [d for d in DEMO_DEVICES if d not in BRIDGED]
    return DeviceBackend(client, user_id, devices)
