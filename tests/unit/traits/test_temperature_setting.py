import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# SYNC attribute examples from
# https://developers.home.google.com/cloud-to-cloud/traits/temperaturesetting
DISCRETE = {
    "availableThermostatModes": ["off", "heat", "cool", "on"],
    "thermostatTemperatureUnit": "F",
}
COMMAND_ONLY = {
    "availableThermostatModes": ["off", "heat", "cool", "on"],
    "thermostatTemperatureUnit": "C",
    "commandOnlyTemperatureSetting": True,
    "queryOnlyTemperatureSetting": False,
}
RANGED = {
    "availableThermostatModes": ["off", "heat", "cool", "heatcool", "on"],
    "thermostatTemperatureRange": {"minThresholdCelsius": 10, "maxThresholdCelsius": 30},
    "thermostatTemperatureUnit": "C",
}


@pytest.mark.parametrize(
    "attributes",
    [
        DISCRETE,
        COMMAND_ONLY,
        RANGED,
        {**RANGED, "bufferRangeCelsius": 1.5},
        {"availableThermostatModes": "off,heat,cool", "thermostatTemperatureUnit": "C"},
        {"availableThermostatModes": "off,heat,,", "thermostatTemperatureUnit": "C"},
        {
            "availableThermostatModes": ["fan-only", "dry", "eco", "purifier", "auto"],
            "thermostatTemperatureUnit": "C",
        },
    ],
)
def test_valid_attributes(attributes: dict) -> None:
    validate("TemperatureSetting", attributes)


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({"thermostatTemperatureUnit": "C"}, "availableThermostatModes"),
        ({**DISCRETE, "availableThermostatModes": []}, "availableThermostatModes"),
        ({**DISCRETE, "availableThermostatModes": ["off", "boost"]}, "availableThermostatModes"),
        ({**DISCRETE, "availableThermostatModes": "off,boost"}, "availableThermostatModes"),
        ({**DISCRETE, "availableThermostatModes": ","}, "availableThermostatModes"),
        ({**DISCRETE, "availableThermostatModes": [1]}, "availableThermostatModes"),
        ({"availableThermostatModes": ["off"]}, "thermostatTemperatureUnit"),
        ({**DISCRETE, "thermostatTemperatureUnit": "K"}, "thermostatTemperatureUnit"),
        ({**DISCRETE, "thermostatTemperatureRange": {"minThresholdCelsius": 10}}, "max"),
        ({**DISCRETE, "thermostatTemperatureRange": {"maxThresholdCelsius": 10}}, "min"),
        (
            {
                **DISCRETE,
                "thermostatTemperatureRange": {
                    "minThresholdCelsius": 30,
                    "maxThresholdCelsius": 10,
                },
            },
            "minThresholdCelsius",
        ),
        ({**DISCRETE, "bufferRangeCelsius": -1}, "bufferRangeCelsius"),
        ({**DISCRETE, "bufferRangeCelsius": "2"}, "bufferRangeCelsius"),
        ({**DISCRETE, "commandOnlyTemperatureSetting": 1}, "commandOnlyTemperatureSetting"),
        (
            {
                **DISCRETE,
                "commandOnlyTemperatureSetting": True,
                "queryOnlyTemperatureSetting": True,
            },
            "cannot both",
        ),
    ],
)
def test_invalid_attributes(attributes: dict, field: str) -> None:
    with pytest.raises(InvalidDevice, match=field):
        validate("TemperatureSetting", attributes)


def _error(command: str, params: dict, states: dict, attributes: dict) -> str:
    with pytest.raises(SmartHomeError) as raised:
        execute(command, params, states, attributes)
    return raised.value.code


def test_setpoint() -> None:
    params = {"thermostatTemperatureSetpoint": 22.5}
    assert execute("ThermostatTemperatureSetpoint", params, {}, RANGED) == params
    assert execute(
        "ThermostatTemperatureSetpoint", {"thermostatTemperatureSetpoint": 10}, {}, RANGED
    ) == {"thermostatTemperatureSetpoint": 10}
    # without a declared range any Celsius value is accepted
    assert execute(
        "ThermostatTemperatureSetpoint", {"thermostatTemperatureSetpoint": 40}, {}, DISCRETE
    ) == {"thermostatTemperatureSetpoint": 40}


@pytest.mark.parametrize("value", [9.9, 30.1, "22", None, True])
def test_setpoint_out_of_range(value: object) -> None:
    params = {"thermostatTemperatureSetpoint": value}
    assert _error("ThermostatTemperatureSetpoint", params, {}, RANGED) == "valueOutOfRange"


def test_set_range() -> None:
    params = {"thermostatTemperatureSetpointHigh": 24, "thermostatTemperatureSetpointLow": 20}
    assert execute("ThermostatTemperatureSetRange", params, {}, RANGED) == params
    exact = {"thermostatTemperatureSetpointHigh": 22, "thermostatTemperatureSetpointLow": 20}
    assert execute("ThermostatTemperatureSetRange", exact, {}, RANGED) == exact


@pytest.mark.parametrize(
    ("params", "attributes", "code"),
    [
        (
            {"thermostatTemperatureSetpointHigh": 21, "thermostatTemperatureSetpointLow": 20},
            RANGED,
            "rangeTooClose",
        ),
        (
            {"thermostatTemperatureSetpointHigh": 21, "thermostatTemperatureSetpointLow": 20},
            {**RANGED, "bufferRangeCelsius": 1.5},
            "rangeTooClose",
        ),
        (
            {"thermostatTemperatureSetpointHigh": 20, "thermostatTemperatureSetpointLow": 24},
            RANGED,
            "valueOutOfRange",
        ),
        (
            {"thermostatTemperatureSetpointHigh": 31, "thermostatTemperatureSetpointLow": 20},
            RANGED,
            "valueOutOfRange",
        ),
        (
            {"thermostatTemperatureSetpointHigh": 25, "thermostatTemperatureSetpointLow": 9},
            RANGED,
            "valueOutOfRange",
        ),
        ({"thermostatTemperatureSetpointHigh": 25}, RANGED, "valueOutOfRange"),
        (
            {"thermostatTemperatureSetpointHigh": 25, "thermostatTemperatureSetpointLow": 20},
            DISCRETE,
            "notSupported",
        ),
    ],
)
def test_set_range_errors(params: dict, attributes: dict, code: str) -> None:
    assert _error("ThermostatTemperatureSetRange", params, {}, attributes) == code


def test_set_range_buffer_attribute() -> None:
    params = {"thermostatTemperatureSetpointHigh": 21, "thermostatTemperatureSetpointLow": 20}
    attributes = {**RANGED, "bufferRangeCelsius": 1}
    assert execute("ThermostatTemperatureSetRange", params, {}, attributes) == params


def test_set_mode() -> None:
    params = {"thermostatMode": "heatcool"}
    assert execute("ThermostatSetMode", params, {"thermostatMode": "off"}, RANGED) == params
    legacy = {**DISCRETE, "availableThermostatModes": "off,heat,cool"}
    assert execute("ThermostatSetMode", {"thermostatMode": "cool"}, {}, legacy) == {
        "thermostatMode": "cool"
    }


def test_set_mode_on_restores_a_running_mode() -> None:
    on = {"thermostatMode": "on"}
    assert execute("ThermostatSetMode", on, {"thermostatMode": "off"}, DISCRETE) == {
        "thermostatMode": "heat"
    }
    assert execute("ThermostatSetMode", on, {"thermostatMode": "cool"}, DISCRETE) == {}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"thermostatMode": "dry"}, "notSupported"),
        ({"thermostatMode": "boost"}, "notSupported"),
        ({"thermostatMode": ""}, "valueOutOfRange"),
        ({"thermostatMode": 1}, "valueOutOfRange"),
        ({}, "valueOutOfRange"),
    ],
)
def test_set_mode_errors(params: dict, code: str) -> None:
    assert _error("ThermostatSetMode", params, {}, DISCRETE) == code


@pytest.mark.parametrize(
    ("params", "before", "after"),
    [
        ({"thermostatTemperatureRelativeDegree": 2}, 20, 22),
        ({"thermostatTemperatureRelativeDegree": -1.5}, 20, 18.5),
        ({"thermostatTemperatureRelativeWeight": 2}, 20, 22),
        ({"thermostatTemperatureRelativeWeight": -1}, 20, 19),
        ({"thermostatTemperatureRelativeDegree": 5}, 28, 30),
        ({"thermostatTemperatureRelativeDegree": -5}, 12, 10),
    ],
)
def test_relative(params: dict, before: float, after: float) -> None:
    states = {"thermostatMode": "heat", "thermostatTemperatureSetpoint": before}
    assert execute("TemperatureRelative", params, states, RANGED) == {
        "thermostatTemperatureSetpoint": after
    }


def test_relative_moves_both_heatcool_setpoints_within_range() -> None:
    states = {
        "thermostatMode": "heatcool",
        "thermostatTemperatureSetpointLow": 20,
        "thermostatTemperatureSetpointHigh": 28,
    }
    assert execute(
        "TemperatureRelative", {"thermostatTemperatureRelativeDegree": 5}, states, RANGED
    ) == {
        "thermostatTemperatureSetpointLow": 22,
        "thermostatTemperatureSetpointHigh": 30,
    }


@pytest.mark.parametrize(
    ("params", "states", "code"),
    [
        (
            {"thermostatTemperatureRelativeDegree": 1},
            {"thermostatTemperatureSetpoint": 30},
            "alreadyAtMax",
        ),
        (
            {"thermostatTemperatureRelativeDegree": -1},
            {"thermostatTemperatureSetpoint": 10},
            "alreadyAtMin",
        ),
        ({"thermostatTemperatureRelativeDegree": 1}, {}, "valueOutOfRange"),
        ({}, {"thermostatTemperatureSetpoint": 20}, "valueOutOfRange"),
        (
            {"thermostatTemperatureRelativeDegree": "1"},
            {"thermostatTemperatureSetpoint": 20},
            "valueOutOfRange",
        ),
    ],
)
def test_relative_errors(params: dict, states: dict, code: str) -> None:
    assert _error("TemperatureRelative", params, states, RANGED) == code


def test_query_states_and_flags() -> None:
    trait = TRAITS["action.devices.traits.TemperatureSetting"]
    states = {
        "on": True,
        "thermostatMode": "heat",
        "thermostatTemperatureSetpoint": 21,
        "thermostatTemperatureAmbient": 19.5,
        "thermostatHumidityAmbient": 40,
    }
    assert trait.query_states(DISCRETE, states) == {
        "thermostatMode": "heat",
        "thermostatTemperatureSetpoint": 21,
        "thermostatTemperatureAmbient": 19.5,
        "thermostatHumidityAmbient": 40,
    }
    assert trait.query_states(COMMAND_ONLY, states) == {}
    assert not trait.accepts_commands({**DISCRETE, "queryOnlyTemperatureSetting": True})
