"""FanSpeed: https://developers.home.google.com/cloud-to-cloud/traits/fanspeed

Relative steps walk the ordered speeds or the percentage; from an unknown speed they do nothing.

A device offers named speeds (``availableFanSpeeds``), percentages (``supportsFanSpeedPercent``)
or both. SetFanSpeedRelative steps through an ordered speed list (``fanSpeedRelativeWeight``,
-5..5, one list entry per unit) or changes the percentage (``fanSpeedRelativePercent``, or 10
points per weight unit on a percentage-only fan; Google gives no scale). At the end of the range
it answers ``maxSpeedReached`` / ``minSpeedReached`` (Google's error list). On a command-only fan,
or when the current speed is unknown, it returns an empty patch (SUCCESS): the step reaches the
device backend through the command record, never as an invented absolute speed. Reverse has no
state (Google defines no direction state). The page asks for an ``en`` entry among each speed's
``speed_values``; that is not enforced, so a device named in other languages only stays in SYNC.
"""

from collections.abc import Callable, Mapping
from typing import Any

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits.base import (
    COMMAND_PREFIX,
    TRAIT_PREFIX,
    Patch,
    States,
    Trait,
    current_number,
)
from functions.devices.traits.fields import Fields

COMMAND_ONLY = "commandOnlyFanSpeed"
WEIGHT_STEP_PERCENT = 10  # percent per unit of fanSpeedRelativeWeight on a percentage-only fan


def _items(parent: Fields, key: str, path: str) -> list[Fields]:
    """Typed readers for ``path.key``, a required non-empty list of objects."""
    values = parent.array(key, required=True, min_items=1) or []
    if not all(isinstance(value, Mapping) for value in values):
        parent.error(f"{key} must be a list of objects")
    return [Fields(value, _fail(f"{path}.{key}[{i}]")) for i, value in enumerate(values)]


def _fail(path: str) -> Callable[[str], Exception]:
    return lambda message: InvalidDevice(f"attributes.{path}.{message}")


def validate(attributes: Fields) -> None:
    attributes.boolean("reversible")
    attributes.boolean(COMMAND_ONLY)
    percent = attributes.boolean("supportsFanSpeedPercent")
    available = attributes.obj("availableFanSpeeds")
    if available is not None:
        available.boolean("ordered", required=True)
        names = []
        for i, speed in enumerate(_items(available, "speeds", "availableFanSpeeds")):
            names.append(speed.string("speed_name", required=True))
            for value in _items(speed, "speed_values", f"availableFanSpeeds.speeds[{i}]"):
                value.strings("speed_synonym", required=True, min_items=1)
                value.string("lang", required=True)
        if len(set(names)) != len(names):
            available.error("speeds must have distinct speed_name values")
    if available is None and not percent:
        attributes.error("availableFanSpeeds or supportsFanSpeedPercent: true is required")


def _speed_names(attributes: Mapping[str, Any]) -> list[str]:
    available = attributes.get("availableFanSpeeds") or {}
    return [speed["speed_name"] for speed in available.get("speeds", [])]


def _percent_patch(attributes: Mapping[str, Any], percent: Any) -> Patch:
    if not attributes.get("supportsFanSpeedPercent"):
        raise SmartHomeError("notSupported", "device does not support fan speed percentages")
    return {"currentFanSpeedPercent": percent}


def set_speed(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Set a named speed (``fanSpeed``) or a percentage (``fanSpeedPercent``)."""
    name = params.string("fanSpeed")
    if name is not None:
        if name not in _speed_names(attributes):
            params.error(f"fanSpeed {name!r} is not in availableFanSpeeds")
        return {"currentFanSpeedSetting": name}
    percent = params.number("fanSpeedPercent", required=True, low=0, high=100)
    return _percent_patch(attributes, percent)


def _limit(going_up: bool) -> SmartHomeError:
    if going_up:
        return SmartHomeError("maxSpeedReached", "fan already at its highest speed")
    return SmartHomeError("minSpeedReached", "fan already at its lowest speed")


def set_speed_relative(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Weight steps an ordered speed list; a percentage change applies to percentage fans."""
    percent = params.number("fanSpeedRelativePercent", low=-100, high=100)
    weight = params.integer("fanSpeedRelativeWeight", low=-5, high=5)
    if (percent is None) == (weight is None):
        params.error("exactly one of fanSpeedRelativePercent, fanSpeedRelativeWeight is required")
    names = _speed_names(attributes)
    ordered = (attributes.get("availableFanSpeeds") or {}).get("ordered") is True
    command_only = attributes.get(COMMAND_ONLY) is True
    current_name = None if command_only else states.get("currentFanSpeedSetting")
    if weight is not None and ordered and current_name in names:
        index = names.index(current_name)
        target = max(0, min(len(names) - 1, index + weight))
        if target == index and weight:
            raise _limit(weight > 0)
        return {"currentFanSpeedSetting": names[target]}
    if not attributes.get("supportsFanSpeedPercent"):
        if weight is not None and ordered:
            return {}  # the current speed is unknown: the backend gets the step itself
        raise SmartHomeError("notSupported", "relative speed needs ordered speeds or percentages")
    delta = percent if percent is not None else weight * WEIGHT_STEP_PERCENT
    current = current_number(attributes, states, "currentFanSpeedPercent", COMMAND_ONLY)
    if current is None:
        return {}
    if (delta > 0 and current >= 100) or (delta < 0 and current <= 0):
        raise _limit(delta > 0)
    return {"currentFanSpeedPercent": max(0, min(100, current + delta))}


def reverse(attributes: Mapping[str, Any], _states: States, _params: Fields) -> Patch:
    """Reverse the airflow; no state reports the direction."""
    if not attributes.get("reversible"):
        raise SmartHomeError("notSupported", "device is not reversible")
    return {}


TRAIT = Trait(
    name=TRAIT_PREFIX + "FanSpeed",
    states=("currentFanSpeedSetting", "currentFanSpeedPercent"),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "SetFanSpeed": set_speed,
        COMMAND_PREFIX + "SetFanSpeedRelative": set_speed_relative,
        COMMAND_PREFIX + "Reverse": reverse,
    },
    command_only_attribute=COMMAND_ONLY,
)
