"""Carrying one command out on its device, at most once, and recording its outcome: for a cloud
record, in one batch with the states the device confirmed (docs/devices.md, "Command records");
for a local one (docs/local-fulfillment.md), the states on the device document and the outcome to
the waiting Local Home request.

A command is claimed in the journal by its identity (device, Google's request id, executions),
so when a local EXECUTE and the cloud's fallback of the same request both arrive, the second is
answered with the first's outcome and the device acts once."""

import logging
import time
from datetime import UTC, datetime
from typing import Any

from bridge.adapter import Adapter
from bridge.budget import BudgetExhausted
from bridge.commands import INTERRUPTED, Journal, error_code, outcome_of
from bridge.errors import DeviceError, Unauthorized, Unconfirmed, Unreachable, Unsupported
from bridge.logs import log
from bridge.polling import Poller
from bridge.reconciler import Reconciler
from bridge.store import CommandRecord, HomeStore


class Executor:
    """``execute(record)``: claim, carry out, record; a failure to reach the device counts
    toward offline like a failed read."""

    def __init__(
        self,
        adapter: Adapter,
        store: HomeStore,
        journal: Journal,
        reconciler: Reconciler,
        poller: Poller,
    ) -> None:
        self.adapter = adapter
        self.store = store
        self.journal = journal
        self.reconciler = reconciler
        self.poller = poller

    def execute(self, record: CommandRecord) -> None:
        """Carry one command record out, at most once, and record its outcome."""
        started = time.monotonic()
        if record.expired(datetime.now(UTC)):
            log(logging.WARNING, "command_expired", device=record.device_id, command=record.key)
            return
        identity = record.identity
        if not self.journal.claim(identity, record.deadline):
            known = self.journal.outcome(identity)
            if known is not None:
                # The same command came by the other path (or again): answer what happened.
                log(
                    logging.INFO,
                    "command_already_done",
                    device=record.device_id,
                    command=record.key,
                    origin=record.origin,
                )
                self._record(record, known, {}, started)
                return
            # Claimed before a restart and never answered: the device may have acted. Never act
            # twice; the next poll reports the device's real state.
            log(logging.ERROR, "command_interrupted", device=record.device_id, command=record.key)
            self._record(record, outcome_of("ERROR", code=INTERRUPTED), {}, started)
            return
        states, outcome = self._carry_out(record)
        self.journal.settle(identity, outcome)
        self._record(record, outcome, states, started)

    def _carry_out(self, record: CommandRecord) -> tuple[dict[str, Any], dict[str, Any]]:
        """(states to write, outcome): the confirmed states, or the read-back of a lying setter."""
        device_id = record.device_id
        found = self.poller.found
        confirmed: dict[str, Any] = {}
        try:
            if not record.executions:
                raise Unsupported(f"{record.key}: no executions")
            for execution in record.executions:
                change = self.adapter.change_for(device_id, execution.command, execution.params)
                if change is None:
                    self.adapter.perform(found, device_id, execution.command, execution.params)
                    continue
                if not set(change) <= self.adapter.commandable(device_id):
                    raise Unsupported(f"{device_id}: cannot change {sorted(change)}")
                try:
                    done = self.adapter.apply(found, device_id, change)
                except Unconfirmed as error:
                    actual = {k: v for k, v in error.actual.items() if k in change}
                    self.reconciler.learned(device_id, actual)
                    confirmed.update(actual)
                    raise
                self.reconciler.learned(device_id, done)
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
                self.poller.failed(error)
            return confirmed, outcome_of("ERROR", code=code)
        except Exception as error:
            log(logging.ERROR, "command_crashed", device=device_id, error=repr(error))
            return confirmed, outcome_of("ERROR", code="hardError")
        self.poller.health.failures = 0
        return confirmed, outcome_of("SUCCESS", confirmed)

    def _record(
        self,
        record: CommandRecord,
        outcome: dict[str, Any],
        states: dict[str, Any],
        started: float,
    ) -> None:
        try:
            if record.origin == "local":
                written = self._record_local(record, outcome, states)
            else:
                written = self.store.record_outcome(
                    record.device_id, record.command_id, outcome, states
                )
        except Exception as error:
            log(logging.ERROR, "outcome_not_recorded", command=record.key, error=repr(error))
            return
        self.poller.health.executed += 1
        log(
            logging.INFO if written else logging.WARNING,
            "command_done" if written else "command_already_answered",
            device=record.device_id,
            command=record.key,
            outcome=outcome,
            origin=record.origin,
            tookMs=round((time.monotonic() - started) * 1000),
        )

    def _record_local(
        self, record: CommandRecord, outcome: dict[str, Any], states: dict[str, Any]
    ) -> bool:
        """A local command: the confirmed states on the device document (Report State follows
        from there), then the outcome to the waiting request."""
        try:
            if states:
                self.store.update_states(record.device_id, states)
        finally:
            if record.reply is not None:
                record.reply(outcome)
        return True
