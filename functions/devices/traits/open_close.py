"""OpenClose: https://developers.home.google.com/cloud-to-cloud/traits/openclose

A locked device answers lockedState; a relative step from an unknown position changes nothing.

A single-direction device reports ``openPercent`` (and ``targetOpenPercent`` while moving, kept in
step when the document holds it); a device declaring ``openDirection`` reports ``openState``, one
``{openPercent, openDirection}`` entry per direction it knows (an unknown direction is left out
rather than reported as closed). The trait's errors include ``lockedState`` (the device is locked)
and ``deviceJammingDetected``: a device whose LockUnlock state says ``isLocked`` / ``isJammed``
answers them and does not move. ``discreteOnlyOpenClose`` devices accept only 0 and 100.
OpenCloseRelative is documented for command-only devices: there, or when the current position
is unknown, it returns an empty patch (SUCCESS) and the step reaches the device backend through
the command record. ``followUpToken`` is accepted; the follow-up response is sent elsewhere.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import (
    COMMAND_PREFIX,
    TRAIT_PREFIX,
    Patch,
    States,
    Trait,
    current_number,
)
from functions.devices.traits.fields import Fields

COMMAND_ONLY = "commandOnlyOpenClose"
DIRECTIONS = ("UP", "DOWN", "LEFT", "RIGHT", "IN", "OUT")
DISCRETE = (0, 100)


def validate(attributes: Fields) -> None:
    attributes.boolean("discreteOnlyOpenClose")
    directions = attributes.strings("openDirection", min_items=1) or []
    if not set(directions) <= set(DIRECTIONS) or len(set(directions)) != len(directions):
        attributes.error(f"openDirection must list distinct values among {list(DIRECTIONS)}")
    attributes.boolean(COMMAND_ONLY)
    attributes.boolean("queryOnlyOpenClose")
    if attributes.raw(COMMAND_ONLY) and attributes.raw("queryOnlyOpenClose"):
        attributes.error("commandOnlyOpenClose and queryOnlyOpenClose cannot both be true")


def _targets(attributes: Mapping[str, Any], params: Fields) -> list[str]:
    """Directions the command moves: the named one, else every declared one."""
    declared = list(attributes.get("openDirection") or [])
    direction = params.string("openDirection")
    if direction is None:
        return declared
    if direction not in declared:
        params.error(f"openDirection {direction!r} is not declared by the device")
    return [direction]


def _check_movable(states: States) -> None:
    """A device whose lock is jammed or locked cannot open or close."""
    if states.get("isJammed") is True:
        raise SmartHomeError("deviceJammingDetected", "the device is jammed")
    if states.get("isLocked") is True:
        raise SmartHomeError("lockedState", "the device is locked")


def _position(attributes: Mapping[str, Any], value: Any) -> Any:
    if attributes.get("discreteOnlyOpenClose") and value not in DISCRETE:
        raise SmartHomeError("discreteOnlyOpenClose", f"openPercent {value} is not 0 or 100")
    return value


def _single(states: States, value: Any) -> Patch:
    patch: Patch = {"openPercent": value}
    if "targetOpenPercent" in states:
        patch["targetOpenPercent"] = value
    return patch


def _known_directions(states: States) -> dict[str, Mapping[str, Any]]:
    entries = states.get("openState")
    if not isinstance(entries, list):
        return {}
    return {
        e["openDirection"]: e for e in entries if isinstance(e, Mapping) and "openDirection" in e
    }


def _multi(attributes: Mapping[str, Any], states: States, new: Mapping[str, Any]) -> Patch:
    """``openState`` with the ``new`` positions; known entries kept, unknown ones left out."""
    known = _known_directions(states)
    entries = []
    for direction in attributes.get("openDirection") or []:
        if direction in new:
            entries.append({"openPercent": new[direction], "openDirection": direction})
        elif direction in known:
            entries.append(dict(known[direction]))
    return {"openState": entries}


def open_close(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Move to ``openPercent`` (in the named direction, else every declared one)."""
    percent = params.number("openPercent", required=True, low=0, high=100)
    params.string("followUpToken")
    targets = _targets(attributes, params)
    _check_movable(states)
    value = _position(attributes, percent)
    if not targets:
        return _single(states, value)
    return _multi(attributes, states, dict.fromkeys(targets, value))


def open_close_relative(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Add ``openRelativePercent`` to the known position, clamped to [0, 100]."""
    percent = params.number("openRelativePercent", required=True, low=-100, high=100)
    targets = _targets(attributes, params)
    _check_movable(states)
    if attributes.get(COMMAND_ONLY) is True:
        return {}

    def moved(current: float) -> Any:
        return _position(attributes, max(0, min(100, current + percent)))

    if not targets:
        current = current_number(attributes, states, "openPercent", COMMAND_ONLY)
        return {} if current is None else _single(states, moved(current))
    known = _known_directions(states)
    new = {}
    for direction in targets:
        current = current_number(attributes, known.get(direction, {}), "openPercent", COMMAND_ONLY)
        if current is not None:
            new[direction] = moved(current)
    return _multi(attributes, states, new) if new else {}


TRAIT = Trait(
    name=TRAIT_PREFIX + "OpenClose",
    states=("openPercent", "targetOpenPercent", "openState"),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "OpenClose": open_close,
        COMMAND_PREFIX + "OpenCloseRelative": open_close_relative,
    },
    command_only_attribute=COMMAND_ONLY,
    query_only_attribute="queryOnlyOpenClose",
)
