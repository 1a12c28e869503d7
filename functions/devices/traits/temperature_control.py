"""TemperatureControl: https://developers.home.google.com/cloud-to-cloud/traits/temperaturecontrol

The temperature of a device itself (oven, kettle, sous-vide), always in Celsius on the wire even
when ``temperatureUnitForUX`` is ``F``. ``SetTemperature`` is the only command: Google turns a
relative request ("warmer", "10 degrees hotter") into the absolute ``temperature`` itself, using
``temperatureStepCelsius`` or a percentage of ``temperatureRange``; the trait has no
TemperatureRelative command (that one belongs to TemperatureSetting).

Where Google is silent:
- a temperature outside ``temperatureRange`` answers ``alreadyAtMax`` / ``alreadyAtMin`` when the
  stored setpoint already sits at that end of the range (the user pushed past the limit), and
  ``valueOutOfRange`` otherwise, including on a one-way device whose setpoint is unknown;
- the requested value is stored as sent (no snapping to ``temperatureStepCelsius``);
- ``minThresholdCelsius`` may not exceed ``maxThresholdCelsius``; the step must be positive;
  ``commandOnlyTemperatureControl`` and ``queryOnlyTemperatureControl`` cannot both be true.
A query-only device refuses every command before it reaches the handler (functionNotSupported).
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields

UNITS = ("C", "F")
COMMAND_ONLY = "commandOnlyTemperatureControl"
QUERY_ONLY = "queryOnlyTemperatureControl"


def validate(attributes: Fields) -> None:
    span = attributes.obj("temperatureRange", required=True)
    assert span is not None
    low = span.number("minThresholdCelsius", required=True)
    high = span.number("maxThresholdCelsius", required=True)
    if low > high:
        span.error("minThresholdCelsius must not exceed maxThresholdCelsius")
    step = attributes.number("temperatureStepCelsius")
    if step is not None and step <= 0:
        attributes.error("temperatureStepCelsius must be positive")
    attributes.string("temperatureUnitForUX", required=True, choices=UNITS)
    attributes.boolean(COMMAND_ONLY)
    attributes.boolean(QUERY_ONLY)
    if attributes.raw(COMMAND_ONLY) and attributes.raw(QUERY_ONLY):
        attributes.error(f"{COMMAND_ONLY} and {QUERY_ONLY} cannot both be true")


def _current(attributes: Mapping[str, Any], states: States) -> Any:
    """The stored setpoint, or None when unknown (one-way device, or never reported)."""
    value = states.get("temperatureSetpointCelsius")
    known = isinstance(value, int | float) and not isinstance(value, bool)
    return value if known and attributes.get(COMMAND_ONLY) is not True else None


def set_temperature(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Set ``temperatureSetpointCelsius`` to ``temperature``, within ``temperatureRange``."""
    temperature = params.number("temperature", required=True)
    span = attributes.get("temperatureRange") or {}
    low, high = span.get("minThresholdCelsius"), span.get("maxThresholdCelsius")
    current = _current(attributes, states)
    if high is not None and temperature > high:
        if current is not None and current >= high:
            raise SmartHomeError("alreadyAtMax", f"already at the maximum {high}")
        raise SmartHomeError("valueOutOfRange", f"{temperature} is above {high}")
    if low is not None and temperature < low:
        if current is not None and current <= low:
            raise SmartHomeError("alreadyAtMin", f"already at the minimum {low}")
        raise SmartHomeError("valueOutOfRange", f"{temperature} is below {low}")
    return {"temperatureSetpointCelsius": temperature}


TRAIT = Trait(
    name=TRAIT_PREFIX + "TemperatureControl",
    states=("temperatureSetpointCelsius", "temperatureAmbientCelsius"),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + "SetTemperature": set_temperature},
    command_only_attribute=COMMAND_ONLY,
    query_only_attribute=QUERY_ONLY,
)
