"""HumiditySetting: https://developers.home.google.com/cloud-to-cloud/traits/humiditysetting

The setpoint runs over ``humiditySetpointRange`` (default 0 to 100 percent).

Where Google is silent:

- SetHumidity outside the range answers ``valueOutOfRange``.
- HumidityRelative takes exactly one of ``humidityRelativePercent`` (-100..100 percentage
  points) and ``humidityRelativeWeight`` (-5..5, worth 5 points a step here). The result is
  clamped to the range; a step up from the maximum answers ``maxSettingReached`` and a step
  down from the minimum ``minSettingReached``.
- On a command-only device, or when ``humiditySetpointPercent`` is unknown, a relative step
  never becomes an invented absolute value: the patch is empty and the step itself reaches the
  device backend.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields

WEIGHT_STEP_PERCENT = 5  # percentage points per unit of humidityRelativeWeight
SETPOINT = "humiditySetpointPercent"


def validate(attributes: Fields) -> None:
    bounds = attributes.obj("humiditySetpointRange")
    if bounds is not None:
        low = bounds.integer("minPercent", default=0, low=0, high=100)
        high = bounds.integer("maxPercent", default=100, low=0, high=100)
        if low > high:
            bounds.error("minPercent must not exceed maxPercent")
    attributes.boolean("commandOnlyHumiditySetting")
    attributes.boolean("queryOnlyHumiditySetting")
    if attributes.raw("commandOnlyHumiditySetting") and attributes.raw("queryOnlyHumiditySetting"):
        attributes.error(
            "commandOnlyHumiditySetting and queryOnlyHumiditySetting cannot both be true"
        )


def _range(attributes: Mapping[str, Any]) -> tuple[int, int]:
    bounds = attributes.get("humiditySetpointRange") or {}
    return bounds.get("minPercent", 0), bounds.get("maxPercent", 100)


def set_humidity(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    low, high = _range(attributes)
    return {SETPOINT: params.integer("humidity", required=True, low=low, high=high)}


def _current(attributes: Mapping[str, Any], states: States) -> int | float | None:
    """The setpoint a relative step starts from, or None when it is not known."""
    if attributes.get("commandOnlyHumiditySetting") is True:
        return None
    value = states.get(SETPOINT)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def humidity_relative(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Move the setpoint by a percentage or a weight, clamped to the range."""
    percent = params.integer("humidityRelativePercent", low=-100, high=100)
    weight = params.integer("humidityRelativeWeight", low=-5, high=5)
    if (percent is None) == (weight is None):
        params.error("exactly one of humidityRelativePercent, humidityRelativeWeight is required")
    delta = percent if percent is not None else weight * WEIGHT_STEP_PERCENT
    current = _current(attributes, states)
    if current is None:
        return {}
    low, high = _range(attributes)
    if delta > 0 and current >= high:
        raise SmartHomeError("maxSettingReached", f"setpoint already at {current}")
    if delta < 0 and current <= low:
        raise SmartHomeError("minSettingReached", f"setpoint already at {current}")
    return {SETPOINT: max(low, min(high, round(current + delta)))}


TRAIT = Trait(
    name=TRAIT_PREFIX + "HumiditySetting",
    states=(SETPOINT, "humidityAmbientPercent"),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "SetHumidity": set_humidity,
        COMMAND_PREFIX + "HumidityRelative": humidity_relative,
    },
    command_only_attribute="commandOnlyHumiditySetting",
    query_only_attribute="queryOnlyHumiditySetting",
)
