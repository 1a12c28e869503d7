"""TemperatureSetting: https://developers.home.google.com/cloud-to-cloud/traits/temperaturesetting

One setpoint shape per mode (heatcool: High/Low, else one setpoint); into heatcool the last range
the device accepts is kept, else one is derived around its setpoint; mode on restores the last mode.

Every temperature on the wire is in degrees Celsius, whatever ``thermostatTemperatureUnit`` says.

Shape: a thermostat in ``heatcool`` reports ``thermostatTemperatureSetpointHigh`` / ``Low``; in
any other mode it reports ``thermostatTemperatureSetpoint``. The document may keep both (the
values each shape had last), but QUERY, Report State and EXECUTE answers only carry the shape of
the current ``thermostatMode``. Google chains thermostat commands in one EXECUTE (ThermostatSetMode
first, then the setpoint or range) and the engine applies them in order, so the pair leaves a
consistent device. ThermostatTemperatureSetRange puts the device in ``heatcool`` (Google sets
heatcool when a range is asked); a single ThermostatTemperatureSetpoint while in ``heatcool``
answers ``inHeatOrCool`` rather than guessing how to move the range.

Into heatcool: a thermostat switched to ``heatcool`` (by ThermostatSetMode, or by ``on``
restoring it) reports the range, which Google's states require in that mode. The range the
document kept from the device's last time in heatcool is kept when the device still accepts it
(low <= high, at least ``bufferRangeCelsius`` apart, within ``thermostatTemperatureRange``), as a
thermostat keeps its heat-cool range; otherwise the range is derived from the single setpoint it
held: centred on it, ``bufferRangeCelsius`` wide, shifted inside ``thermostatTemperatureRange``
(narrowed to it when the range is narrower than the buffer), so the device keeps the target the
user set. With neither (no setpoint known, or a command-only device) nothing is guessed: the
device backend reports the range its device chose. A ThermostatTemperatureSetRange chained after
the mode (Google chains them) sets the range asked for.

Mode ``on`` restores the previous mode. The product remembers it in the states key
``previousThermostatMode`` (not a Google state, never reported): every ThermostatSetMode to a
running mode writes it, and switching ``off`` keeps the mode that was running. A device backend
that changes the mode on its own may write it too. ``on`` on a running device changes nothing; on
an off device it restores ``previousThermostatMode`` when declared, else the only running mode the
device declares, else answers ``onRequiresMode`` (Google's code asking the user to name a mode).
A device declaring no running mode besides ``on`` is set to ``on``.

TemperatureRelative is documented for command-only devices: there, or when the current setpoint
(or range) is unknown, it returns an empty patch (SUCCESS) and the step reaches the device
backend through the command record. A known setpoint moves within ``thermostatTemperatureRange``;
already at the limit it answers ``alreadyAtMax`` / ``alreadyAtMin``. ``thermostatTemperature
RelativeWeight`` (-5..5) is 1 degree per unit (Google gives no scale).
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields

MODES = ("off", "heat", "cool", "on", "heatcool", "auto", "fan-only", "purifier", "eco", "dry")
NOT_RUNNING = (None, "off", "on", "none")  # thermostatMode values that name no running mode
DEFAULT_BUFFER_CELSIUS = 2
WEIGHT_STEP_CELSIUS = 1  # degrees per unit of thermostatTemperatureRelativeWeight
COMMAND_ONLY = "commandOnlyTemperatureSetting"
SETPOINT = "thermostatTemperatureSetpoint"
HIGH, LOW = SETPOINT + "High", SETPOINT + "Low"
PREVIOUS_MODE = "previousThermostatMode"
"""States key (product-specific, never reported): the running mode ``on`` restores."""


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
    attributes.boolean(COMMAND_ONLY)
    attributes.boolean("queryOnlyTemperatureSetting")
    if attributes.raw(COMMAND_ONLY) and attributes.raw("queryOnlyTemperatureSetting"):
        attributes.error("commandOnly and queryOnlyTemperatureSetting cannot both be true")


def _limits(attributes: Mapping[str, Any]) -> tuple[float | None, float | None]:
    limits = attributes.get("thermostatTemperatureRange")
    if not isinstance(limits, Mapping):
        return None, None
    return limits.get("minThresholdCelsius"), limits.get("maxThresholdCelsius")


def _celsius(attributes: Mapping[str, Any], params: Fields, key: str) -> Any:
    low, high = _limits(attributes)
    return params.number(key, required=True, low=low, high=high)


def _ranged(states: States) -> bool:
    """True when the device reports the heatcool range shape rather than one setpoint."""
    mode = states.get("thermostatMode")
    if mode is None:
        return SETPOINT not in states and (HIGH in states or LOW in states)
    return bool(mode == "heatcool")


def query(_attributes: Mapping[str, Any], states: States) -> dict[str, Any]:
    """The states with the one setpoint shape the current mode reports."""
    dropped = (SETPOINT,) if _ranged(states) else (HIGH, LOW)
    return {key: value for key, value in states.items() if key not in dropped}


def _enter(mode: str) -> Patch:
    """Switch to ``mode``, remembering it for ``on`` when it is a running mode."""
    return (
        {"thermostatMode": mode}
        if mode in NOT_RUNNING
        else {"thermostatMode": mode, PREVIOUS_MODE: mode}
    )


def setpoint(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Set the single setpoint; a device in heatcool answers ``inHeatOrCool``."""
    value = _celsius(attributes, params, SETPOINT)
    if states.get("thermostatMode") == "heatcool" and attributes.get(COMMAND_ONLY) is not True:
        raise SmartHomeError("inHeatOrCool", "in heatcool mode: set a range or change mode first")
    return {SETPOINT: value}


def set_range(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """heatcool setpoints: low <= high, at least ``bufferRangeCelsius`` apart; mode heatcool."""
    if "heatcool" not in available_modes(attributes):
        raise SmartHomeError("notSupported", "device does not support heatcool")
    high, low = _celsius(attributes, params, HIGH), _celsius(attributes, params, LOW)
    if low > high:
        params.error(f"{LOW} exceeds {HIGH}")
    if high - low < attributes.get("bufferRangeCelsius", DEFAULT_BUFFER_CELSIUS):
        raise SmartHomeError("rangeTooClose", "setpoints closer than bufferRangeCelsius")
    patch: Patch = {HIGH: high, LOW: low}
    if states.get("thermostatMode") != "heatcool":
        patch.update(_enter("heatcool"))
    return patch


def _turn_on(attributes: Mapping[str, Any], states: States, modes: list[str]) -> Patch:
    """``on``: restore the previous running mode of a device that is off."""
    if attributes.get(COMMAND_ONLY) is True or states.get("thermostatMode") not in NOT_RUNNING:
        return {}  # a one-way device restores its own mode; a running one is already on
    if states.get("thermostatMode") == "on":
        return {}
    running = [mode for mode in modes if mode not in NOT_RUNNING]
    previous = states.get(PREVIOUS_MODE)
    if previous in running:
        return {"thermostatMode": previous}
    if len(running) == 1:
        return _enter(running[0])
    if not running:
        return {"thermostatMode": "on"}
    raise SmartHomeError("onRequiresMode", "no previous mode to restore: name the mode")


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _accepted(attributes: Mapping[str, Any], low: Any, high: Any) -> bool:
    """True when (low, high) is a range the device accepts."""
    low, high = _number(low), _number(high)
    floor, ceiling = _limits(attributes)
    return (
        low is not None
        and high is not None
        and low <= high
        and high - low >= attributes.get("bufferRangeCelsius", DEFAULT_BUFFER_CELSIUS)
        and (floor is None or low >= floor)
        and (ceiling is None or high <= ceiling)
    )


def heatcool_range(attributes: Mapping[str, Any], states: States) -> Patch:
    """The setpoints a device entering heatcool reports: its last range if still accepted,
    else one derived from its single setpoint, else none (see the module docstring)."""
    if attributes.get(COMMAND_ONLY) is True or _accepted(
        attributes, states.get(LOW), states.get(HIGH)
    ):
        return {}
    setpoint = _number(states.get(SETPOINT))
    if setpoint is None:
        return {}
    buffer = attributes.get("bufferRangeCelsius", DEFAULT_BUFFER_CELSIUS)
    low, high = setpoint - buffer / 2, setpoint + buffer / 2
    floor, ceiling = _limits(attributes)
    if ceiling is not None and high > ceiling:
        low, high = ceiling - buffer, ceiling
    if floor is not None and low < floor:
        low, high = floor, floor + buffer
    if ceiling is not None and high > ceiling:
        high = ceiling
    return {LOW: round(low, 2), HIGH: round(high, 2)}


def set_mode(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Set a declared mode; ``on`` restores the previous one; heatcool brings its range (see the
    module docstring)."""
    modes = available_modes(attributes)
    mode = params.string("thermostatMode", required=True)
    if mode not in modes:
        raise SmartHomeError("notSupported", f"thermostatMode {mode!r} is not available")
    if mode == "on":
        patch = _turn_on(attributes, states, modes)
    else:
        current = states.get("thermostatMode")
        patch = _enter(mode)
        if mode == "off" and current not in NOT_RUNNING:
            patch[PREVIOUS_MODE] = current
    if patch.get("thermostatMode") == "heatcool":
        patch.update(heatcool_range(attributes, states))
    return patch


def relative(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Shift the setpoint (both in heatcool) within the range; at a limit: alreadyAtMax/Min."""
    degree = params.number("thermostatTemperatureRelativeDegree")
    weight = params.integer("thermostatTemperatureRelativeWeight", low=-5, high=5)
    if degree is None and weight is None:
        params.error("thermostatTemperatureRelativeDegree or ...RelativeWeight is required")
    delta = degree if degree is not None else weight * WEIGHT_STEP_CELSIUS
    if attributes.get(COMMAND_ONLY) is True:
        return {}
    keys = (LOW, HIGH) if _ranged(states) else (SETPOINT,)
    current = [
        value
        for key in keys
        if isinstance(value := states.get(key), int | float) and not isinstance(value, bool)
    ]
    if len(current) != len(keys):
        return {}
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
    command_only_attribute=COMMAND_ONLY,
    query_only_attribute="queryOnlyTemperatureSetting",
    query=query,
)
