"""EXECUTE: apply every command to every device, in order, and group the outcomes; pure.

https://developers.home.google.com/cloud-to-cloud/intents/execute

Per device, the executions of one command are all-or-nothing: if one fails, none of that
command's changes to that device are kept. Later commands see the states earlier ones set.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from functions.core import logs
from functions.core.errors import InvalidDevice, SmartHomeError
from functions.core.repository import Document, StatePatches
from functions.devices.model import Device, parse_device
from functions.devices.traits import COMMANDS
from functions.devices.traits.base import Trait
from functions.devices.traits.fields import params as param_fields


@dataclass(frozen=True)
class Execution:
    command: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Command:
    device_ids: tuple[str, ...]
    executions: tuple[Execution, ...]


Outcome = dict[str, Any]
"""One result: ``{"status": "SUCCESS", "states": {...}}`` or ``{"status": "ERROR", ...}``."""


def error(code: str) -> Outcome:
    return {"status": "ERROR", "errorCode": code}


def run_executions(
    device: Device, states: dict[str, Any], executions: Sequence[Execution]
) -> tuple[dict[str, Any], Outcome]:
    """Apply one command's executions to one device; returns (new states, outcome)."""
    if not device.online:
        return states, error("deviceOffline")
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
    changed = Device(device.id, {**device.data, "states": working})
    return working, {
        "status": "SUCCESS",
        "states": {**changed.trait_states(touched), "online": True},
    }


def plan(
    commands: Sequence[Command], documents: Mapping[str, Document | None]
) -> tuple[StatePatches, list[dict[str, Any]]]:
    """The state patches to write and the ``payload.commands`` answer."""
    devices: dict[str, Device | None] = {}
    for device_id, document in documents.items():
        try:
            devices[device_id] = parse_device(device_id, document) if document else None
        except InvalidDevice as invalid:
            logs.error("invalid device document", deviceId=device_id, reason=str(invalid))
            devices[device_id] = None
    states = {device_id: dict(device.states) for device_id, device in devices.items() if device}
    results: list[tuple[str, Outcome]] = []
    for command in commands:
        for device_id in command.device_ids:
            device = devices.get(device_id)
            if device is None:
                code = "deviceNotFound" if documents.get(device_id) is None else "hardError"
                results.append((device_id, error(code)))
                continue
            states[device_id], outcome = run_executions(
                device, states[device_id], command.executions
            )
            results.append((device_id, outcome))
    return _patches(devices, states), group(results)


def _patches(
    devices: Mapping[str, Device | None], states: Mapping[str, dict[str, Any]]
) -> StatePatches:
    patches: StatePatches = {}
    for device_id, new in states.items():
        device = devices[device_id]
        assert device is not None
        old = device.states
        patch = {key: value for key, value in new.items() if key not in old or old[key] != value}
        if patch:
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
