"""TemperatureSetting: https://developers.home.google.com/cloud-to-cloud/traits/temperaturesetting"""

# Every temperature on the wire is in degrees Celsius, whatever ``thermostatTemperatureUnit`` says.

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields

MODES = ("off", "heat", "cool", "on", "heatcool", "auto", "fan-only", "purifier", "eco", "dry")
DEFAULT_BUFFER_CELSIUS = 2
WEIGHT_STEP_CELSIUS = 1  # degrees per unit of thermostatTemperatureRelativeWeight
SETPOINT = "thermostatTemperatureSetpoint"
HIGH, LOW = SETPOINT + "High", SETPOINT + "Low"


def available_modes(attributes: Mapping[str, Any]) -> list[str]:
    """The declared modes; the deprecated comma-separated string form is accepted too."""
    modes = attributes.get("availableThermostatModes") or []
    return [mode for mode in modes.split(",") if mode] if isinstance(modes, str) else list(modes)


def validate(attributes: Fields) -> None:
    if isinstance(attributes.raw("availableThermostatModes"), str):
        attributes.string("availableThermostatModes")
    else:
        attributes.strings("availableThermostatModes", required=True, min_items=1)
    modes = available_modes(
        {"availableThermostatModes": attributes.raw("availableThermostatModes")}
    )
    if not modes or not set(modes) <= set(MODES):
        attributes.error(f"availableThermostatModes must list modes among {list(MODES)}")
    limits = attributes.obj("thermostatTemperatureRange")
    if limits is not None:
        low = limits.number("minThresholdCelsius", required=True)
        if low > limits.number("maxThresholdCelsius", required=True):
            attributes.error("thermostatTemperatureRange.minThresholdCelsius exceeds the maximum")
    attributes.string("thermostatTemperatureUnit", required=True, choices=("C", "F"))
    attributes.number("bufferRangeCelsius", low=0)
    attributes.boolean("commandOnlyTemperatureSetting")
    attributes.boolean("queryOnlyTemperatureSetting")
    if attributes.raw("commandOnlyTemperatureSetting") and attributes.raw(
        "queryOnlyTemperatureSetting"
    ):
        attributes.error("commandOnly and queryOnlyTemperatureSetting cannot both be true")


def _limits(attributes: Mapping[str, Any]) -> tuple[float | None, float | None]:
    limits = attributes.get("thermostatTemperatureRange")
    if not isinstance(limits, Mapping):
        return None, None
    return limits.get("minThresholdCelsius"), limits.get("maxThresholdCelsius")


def _celsius(attributes: Mapping[str, Any], params: Fields, key: str) -> Any:
    low, high = _limits(attributes)
    return params.number(key, required=True, low=low, high=high)


def setpoint(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    return {SETPOINT: _celsius(attributes, params, SETPOINT)}


def set_range(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """heatcool setpoints: low <= high, at least ``bufferRangeCelsius`` apart."""
    if "heatcool" not in available_modes(attributes):
        raise SmartHomeError("notSupported", "device does not support heatcool")
    high, low = _celsius(attributes, params, HIGH), _celsius(attributes, params, LOW)
    if low > high:
        params.error(f"{LOW} exceeds {HIGH}")
    if high - low < attributes.get("bufferRangeCelsius", DEFAULT_BUFFER_CELSIUS):
        raise SmartHomeError("rangeTooClose", "setpoints closer than bufferRangeCelsius")
    return {HIGH: high, LOW: low}


def set_mode(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Set a declared mode; ``on`` restores a running mode (the first declared one if off)."""
    modes = available_modes(attributes)
    mode = params.string("thermostatMode", required=True)
    if mode not in modes:
        raise SmartHomeError("notSupported", f"thermostatMode {mode!r} is not available")
    if mode == "on":
        if states.get("thermostatMode") not in (None, "off"):
            return {}
        mode = next((m for m in modes if m not in ("off", "on")), mode)
    return {"thermostatMode": mode}


def relative(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Shift the setpoint (both in heatcool) within the range; at a limit: alreadyAtMax/Min."""
    degree = params.number("thermostatTemperatureRelativeDegree")
    weight = params.number("thermostatTemperatureRelativeWeight")
    if degree is None and weight is None:
        params.error("thermostatTemperatureRelativeDegree or ...RelativeWeight is required")
    delta = degree if degree is not None else weight * WEIGHT_STEP_CELSIUS
    keys = (LOW, HIGH) if states.get("thermostatMode") == "heatcool" else (SETPOINT,)
    current = [value for key in keys if isinstance(value := states.get(key), int | float)]
    if len(current) != len(keys):
        raise SmartHomeError("valueOutOfRange", f"no current {' and '.join(keys)}")
    low, high = _limits(attributes)
    if delta > 0 and high is not None:
        if max(current) >= high:
            raise SmartHomeError("alreadyAtMax", "setpoint already at maxThresholdCelsius")
        delta = min(delta, high - max(current))
    if delta < 0 and low is not None:
        if min(current) <= low:
            raise SmartHomeError("alreadyAtMin", "setpoint already at minThresholdCelsius")
        delta = max(delta, low - min(current))
    return {key: round(value + delta, 2) for key, value in zip(keys, current, strict=True)}


TRAIT = Trait(
    name=TRAIT_PREFIX + "TemperatureSetting",
    states=(
        "activeThermostatMode",
        "targetTempReachedEstimateUnixTimestampSec",
        "thermostatHumidityAmbient",
        "thermostatMode",
        "thermostatTemperatureAmbient",
        SETPOINT,
        HIGH,
        LOW,
    ),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "ThermostatTemperatureSetpoint": setpoint,
        COMMAND_PREFIX + "ThermostatTemperatureSetRange": set_range,
        COMMAND_PREFIX + "ThermostatSetMode": set_mode,
        COMMAND_PREFIX + "TemperatureRelative": relative,
    },
    command_only_attribute="commandOnlyTemperatureSetting",
    query_only_attribute="queryOnlyTemperatureSetting",
)
