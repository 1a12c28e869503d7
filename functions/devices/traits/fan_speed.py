"""FanSpeed: https://developers.home.google.com/cloud-to-cloud/traits/fanspeed"""

# A device offers named speeds (``availableFanSpeeds``), percentages (``supportsFanSpeedPercent``)
# or both; relative commands step through an ordered speed list or change the percentage.

from collections.abc import Callable, Mapping
from typing import Any

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields

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
    attributes.boolean("commandOnlyFanSpeed")
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
    weight = params.integer("fanSpeedRelativeWeight")
    if (percent is None) == (weight is None):
        params.error("exactly one of fanSpeedRelativePercent, fanSpeedRelativeWeight is required")
    names = _speed_names(attributes)
    ordered = (attributes.get("availableFanSpeeds") or {}).get("ordered") is True
    if weight is not None and ordered and states.get("currentFanSpeedSetting") in names:
        index = names.index(states["currentFanSpeedSetting"])
        target = max(0, min(len(names) - 1, index + weight))
        if target == index and weight:
            raise _limit(weight > 0)
        return {"currentFanSpeedSetting": names[target]}
    if not attributes.get("supportsFanSpeedPercent"):
        raise SmartHomeError("notSupported", "relative speed needs ordered speeds or percentages")
    delta = percent if percent is not None else weight * WEIGHT_STEP_PERCENT
    current = states.get("currentFanSpeedPercent", 0)
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
    command_only_attribute="commandOnlyFanSpeed",
)
