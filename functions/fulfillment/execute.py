"""EXECUTE: apply every command to every device, in order, and group the outcomes; pure.

https://developers.home.google.com/cloud-to-cloud/intents/execute

Per device, the executions of one command are all-or-nothing: if one fails, none of that
command's changes to that device are kept. Later commands see the states earlier ones set.

Every command a device accepts gets a command record (functions.devices.backend), even one that
changes no state (a scene, Locate, a relative step on a one-way device), written in the same
commit as the state patch. An optimistic device's patch is written and the answer is SUCCESS; a
confirmed device's patch is only expected, and its answer awaits the backend's outcome
(functions.fulfillment.confirm). A command whose answer carries results only the backend knows
(GetCameraStream, GetGuestNetworkPassword: a trait's ``results``) is awaited on any device: an
optimistic answer could only be a SUCCESS without them, which Google's results schema refuses.

No state the store cannot hold is ever planned: a command whose changes hold a non-finite number,
an integer beyond 64 bits, a string that is not Unicode, deep nesting, a bad map key or more than
PATCH_MAX_BYTES is refused with ``valueOutOfRange`` (whatever trait produced it), and the patches
are checked once more as they are built.
"""

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.core import logs
from functions.core.documents import Document, unstorable, valid_field_name
from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices import pins
from functions.devices.backend import (
    CONFIRMED,
    ExecutionPolicy,
    blocking_exception,
    command_record,
    new_command_id,
)
from functions.devices.model import READ_ERRORS, Device, parse_device, unreadable
from functions.devices.traits import COMMANDS
from functions.devices.traits.base import Trait
from functions.devices.traits.fields import params as param_fields
from functions.fulfillment.challenge import PinCheck, Verifier, required
from functions.fulfillment.store import Changes, StatePatches


@dataclass(frozen=True)
class Execution:
    command: str
    params: Mapping[str, Any]
    ack: bool = False
    """The user's acknowledgement of an ``ackNeeded`` challenge (``challenge.ack``)."""
    pin: str | None = field(default=None, repr=False)
    """The user's answer to a ``pinNeeded`` challenge (``challenge.pin``); never stored."""


@dataclass(frozen=True)
class Command:
    device_ids: tuple[str, ...]
    executions: tuple[Execution, ...]


PATCH_MAX_BYTES = 4096
"""The most one command may change on one device, as JSON; with at most 250 device entries per
EXECUTE a commit stays under 2 MiB, far inside Firestore's request limits."""
MAX_RECORDS_PER_DEVICE = 10
"""Command records one EXECUTE may write for one device, each a command its backend carries
out. Google gives a device one command per request (a thermostat's mode and setpoint are chained
in one command's executions), and a command given again right after itself is delivered once
(functions.fulfillment.intents); a command beyond this bound is answered ``deviceBusy`` and
changes nothing."""
PARAMS_MAX_BYTES = 8192
"""The most a command's params may hold, as JSON, to be kept in its command record."""
STATUS_REPORT = "action.devices.traits.StatusReport"

Outcome = dict[str, Any]
"""One result: ``{"status": "SUCCESS", "states": {...}}`` or ``{"status": "ERROR", ...}``."""


def error(code: str) -> Outcome:
    return {"status": "ERROR", "errorCode": code}


class UnstorablePatch(RuntimeError):
    """A planned patch the store cannot hold got past the per-command check (a bug)."""


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of ``new`` that are absent from ``old`` or differ."""
    return {key: value for key, value in new.items() if key not in old or old[key] != value}


def patch_problem(patch: Mapping[str, Any]) -> str | None:
    """Why the store cannot hold this state patch, or None when it can."""
    for key, value in patch.items():
        if not valid_field_name(key):
            return "a state name the store cannot hold"
        problem = unstorable(value)
        if problem:
            return f"{key} is {problem}"
    size = len(json.dumps(patch, separators=(",", ":"), ensure_ascii=False).encode())
    if size > PATCH_MAX_BYTES:
        return f"the changes are {size} bytes as JSON; at most {PATCH_MAX_BYTES}"
    return None


def params_problem(executions: Sequence[Execution]) -> str | None:
    """Why a command record cannot hold these params, or None when it can."""
    params = [dict(execution.params) for execution in executions]
    problem = unstorable(params)
    if problem:
        return f"params hold {problem}"
    size = len(json.dumps(params, separators=(",", ":"), ensure_ascii=False).encode())
    if size > PARAMS_MAX_BYTES:
        return f"params are {size} bytes as JSON; at most {PARAMS_MAX_BYTES}"
    return None


def refusal(device: Device, states: Mapping[str, Any]) -> Outcome | None:
    """Why the device cannot act on any command now: offline, a device error its backend set,
    or a blocking exception about itself (answered EXCEPTIONS with its StatusReport); or None."""
    if not device.online:
        return error("deviceOffline")
    if device.error:
        return error(device.error)
    blocking = blocking_exception(device.id, states)
    if blocking:
        report = Device(device.id, {**device.data, "states": states}).trait_states()
        return {"status": "EXCEPTIONS", "errorCode": blocking, "states": report}
    return None


def run_executions(
    device: Device, states: dict[str, Any], executions: Sequence[Execution]
) -> tuple[dict[str, Any], Outcome]:
    """Apply one command's executions to one device; returns (new states, outcome)."""
    refused = refusal(device, states)
    if refused:
        return states, refused
    declared = {trait.name for trait in device.traits}
    working = dict(states)
    touched: list[Trait] = []
    for execution in executions:
        trait = COMMANDS.get(execution.command)
        if (
            trait is None
            or trait.name not in declared
            or not trait.accepts_commands(device.attributes)
        ):
            return states, error("functionNotSupported")
        try:
            working.update(
                trait.commands[execution.command](
                    device.attributes, working, param_fields(execution.params)
                )
            )
        except SmartHomeError as failure:
            logs.warning(
                "command refused",
                deviceId=device.id,
                command=execution.command,
                errorCode=failure.code,
                reason=failure.debug,
            )
            return states, error(failure.code)
        if trait not in touched:
            touched.append(trait)
    problem = patch_problem(changes(states, working)) or params_problem(executions)
    if problem:
        logs.warning(
            "command refused", deviceId=device.id, errorCode="valueOutOfRange", reason=problem
        )
        return states, error("valueOutOfRange")
    changed = Device(device.id, {**device.data, "states": working})
    reports = [t for t in device.traits if t.name == STATUS_REPORT and t not in touched]
    return working, {
        "status": "SUCCESS",
        "states": {**changed.trait_states(touched + reports), "online": True},
    }


@dataclass(frozen=True)
class Awaiting:
    """A command to a confirmed device: its answer waits for the backend's outcome."""

    index: int
    """Where its outcome goes in ``Planned.results``."""
    device_id: str
    command_id: str
    expected: Outcome
    """The SUCCESS answer the command's patch implies, before the backend's own states."""
    timeout_ms: int
    results: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    """Reads the results the answer carries from the outcome's states (raises BadResult)."""


@dataclass
class Planned:
    changes: Changes = field(default_factory=Changes)
    results: list[tuple[str, Outcome]] = field(default_factory=list)
    """(device id, outcome) in request order; awaiting ones hold their expected outcome."""
    awaiting: list[Awaiting] = field(default_factory=list)


def refused(commands: Sequence[Command], code: str) -> Planned:
    """Every device of every command answered ``code``; nothing written."""
    return Planned(results=[(d, error(code)) for c in commands for d in c.device_ids])


def plan(
    commands: Sequence[Command],
    documents: Mapping[str, Document | None],
    request_id: str,
    now: datetime,
    *,
    pin: Document | None = None,
    check: PinCheck = pins.matches,
) -> Planned:
    """The state patches, command records and PIN bookkeeping to write, and each device's
    outcome. A command that needs the user's confirmation runs only with the right answer
    (``check`` tests a PIN against the record)."""
    devices: dict[str, Device | None] = {}
    for device_id, document in documents.items():
        try:
            devices[device_id] = parse_device(device_id, document) if document else None
        except InvalidDevice as invalid:
            logs.error("invalid device document", deviceId=device_id, reason=str(invalid))
            devices[device_id] = None
    states = {device_id: dict(device.states) for device_id, device in devices.items() if device}
    planned = Planned()
    verifier = Verifier(pin, now, check)
    for command in commands:
        for device_id in command.device_ids:
            device = devices.get(device_id)
            if device is None:
                code = "deviceNotFound" if documents.get(device_id) is None else "hardError"
                planned.results.append((device_id, error(code)))
                continue
            states[device_id], outcome = _one(
                planned,
                verifier,
                device,
                command,
                states[device_id],
                request_id=request_id,
                now=now,
            )
            planned.results.append((device_id, outcome))
    planned.changes.states = _patches(devices, states)
    planned.changes.pin = verifier.update
    return planned


def _one(
    planned: Planned,
    verifier: Verifier,
    device: Device,
    command: Command,
    before: dict[str, Any],
    *,
    request_id: str,
    now: datetime,
) -> tuple[dict[str, Any], Outcome]:
    """One command on one device: (its states after, its outcome); records what it accepts."""
    if len(planned.changes.commands.get(device.id, {})) >= MAX_RECORDS_PER_DEVICE:
        reason = f"over {MAX_RECORDS_PER_DEVICE} commands in one request"
        logs.warning("command refused", deviceId=device.id, errorCode="deviceBusy", reason=reason)
        return before, error("deviceBusy")
    try:
        after, outcome = run_executions(device, before, command.executions)
    except READ_ERRORS as bad:  # a value of an unexpected type in the document
        logs.error("invalid device document", deviceId=device.id, reason=str(unreadable(bad)))
        return before, error("hardError")
    if outcome["status"] != "SUCCESS":
        return after, outcome
    refused = _challenge(verifier, device, command.executions)
    if refused:
        return before, refused
    after = _record(
        planned,
        device,
        command,
        before=before,
        after=after,
        outcome=outcome,
        request_id=request_id,
        now=now,
    )
    return after, outcome


def _challenge(
    verifier: Verifier, device: Device, executions: Sequence[Execution]
) -> Outcome | None:
    """The challenge or error to answer instead of running the command, or None."""
    needed = required(device.data, [(e.command, e.params) for e in executions])
    ack = all(e.ack for e in executions)
    pin = next((e.pin for e in executions if e.pin is not None), None)
    return verifier.answer(needed, ack, pin)


def _record(
    planned: Planned,
    device: Device,
    command: Command,
    *,
    before: dict[str, Any],
    after: dict[str, Any],
    outcome: Outcome,
    request_id: str,
    now: datetime,
) -> dict[str, Any]:
    """Write the command's record; the device's states after it (unchanged when confirmed)."""
    command_id = new_command_id()
    executions = [{"command": e.command, "params": e.params} for e in command.executions]
    policy, results = device.policy, _results(device, command.executions)
    if results is not None:
        policy = ExecutionPolicy(CONFIRMED, policy.timeout_ms)
    records = planned.changes.commands.setdefault(device.id, {})
    patch = changes(before, after)
    position = len(records)
    records[command_id] = command_record(
        request_id, executions, patch, policy, now, position=position
    )
    if not policy.confirmed:
        return after
    index = len(planned.results)
    awaiting = Awaiting(index, device.id, command_id, outcome, policy.timeout_ms, results)
    planned.awaiting.append(awaiting)
    return before


def _results(
    device: Device, executions: Sequence[Execution]
) -> Callable[[Mapping[str, Any]], dict[str, Any]] | None:
    """What reads the results of a command whose answer carries some, or None."""
    readers = [
        (reader, execution.params)
        for execution in executions
        if (reader := COMMANDS[execution.command].results.get(execution.command))
    ]
    if not readers:
        return None

    def read(reported: Mapping[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for reader, params in readers:
            found.update(reader(device.attributes, params, reported))
        return found

    return read


def _patches(
    devices: Mapping[str, Device | None], states: Mapping[str, dict[str, Any]]
) -> StatePatches:
    """The final guard: a patch the store cannot hold is never returned to be committed."""
    patches: StatePatches = {}
    for device_id, new in states.items():
        device = devices[device_id]
        assert device is not None
        patch = changes(device.states, new)
        if not patch:
            continue
        problem = next(filter(None, (patch_problem({key: v}) for key, v in patch.items())), None)
        if problem:
            raise UnstorablePatch(f"device {device_id}: {problem}")
        patches[device_id] = patch
    return patches


def group(results: Sequence[tuple[str, Outcome]]) -> list[dict[str, Any]]:
    """Group devices with identical outcomes into one entry, in first-seen order."""
    grouped: dict[str, dict[str, Any]] = {}
    for device_id, outcome in results:
        key = json.dumps(outcome, sort_keys=True)
        entry = grouped.setdefault(key, {"ids": [], **outcome})
        if device_id not in entry["ids"]:
            entry["ids"].append(device_id)
    return list(grouped.values())
