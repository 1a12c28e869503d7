from typing import Any

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


HEATCOOL = {"thermostatMode": "heatcool", "previousThermostatMode": "heatcool"}


def test_set_range() -> None:
    params = {"thermostatTemperatureSetpointHigh": 24, "thermostatTemperatureSetpointLow": 20}
    assert execute("ThermostatTemperatureSetRange", params, {}, RANGED) == {**params, **HEATCOOL}
    exact = {"thermostatTemperatureSetpointHigh": 22, "thermostatTemperatureSetpointLow": 20}
    in_heatcool = {"thermostatMode": "heatcool"}
    assert execute("ThermostatTemperatureSetRange", exact, in_heatcool, RANGED) == exact


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
    states = {"thermostatMode": "heatcool"}
    assert execute("ThermostatTemperatureSetRange", params, states, attributes) == params


def test_set_mode() -> None:
    params = {"thermostatMode": "heatcool"}
    assert execute("ThermostatSetMode", params, {"thermostatMode": "off"}, RANGED) == HEATCOOL
    legacy = {**DISCRETE, "availableThermostatModes": "off,heat,cool"}
    assert execute("ThermostatSetMode", {"thermostatMode": "cool"}, {}, legacy) == {
        "thermostatMode": "cool",
        "previousThermostatMode": "cool",
    }


def test_off_remembers_the_running_mode() -> None:
    off = {"thermostatMode": "off"}
    assert execute("ThermostatSetMode", off, {"thermostatMode": "cool"}, DISCRETE) == {
        "thermostatMode": "off",
        "previousThermostatMode": "cool",
    }
    assert execute("ThermostatSetMode", off, {"thermostatMode": "off"}, DISCRETE) == off


@pytest.mark.parametrize(
    ("states", "patch"),
    [
        # off with a remembered mode: restore it, not the first declared one
        ({"thermostatMode": "off", "previousThermostatMode": "cool"}, {"thermostatMode": "cool"}),
        # already running: nothing to do
        ({"thermostatMode": "cool", "previousThermostatMode": "heat"}, {}),
    ],
)
def test_on_restores_the_previous_mode(states: dict, patch: dict) -> None:
    assert execute("ThermostatSetMode", {"thermostatMode": "on"}, states, DISCRETE) == patch


def test_on_without_memory() -> None:
    on = {"thermostatMode": "on"}
    # several running modes and nothing remembered: Google's code asks the user which one
    assert _error("ThermostatSetMode", on, {"thermostatMode": "off"}, DISCRETE) == "onRequiresMode"
    undeclared = {"thermostatMode": "off", "previousThermostatMode": "heatcool"}
    assert _error("ThermostatSetMode", on, undeclared, DISCRETE) == "onRequiresMode"
    heater = {"availableThermostatModes": ["off", "heat", "on"], "thermostatTemperatureUnit": "C"}
    assert execute("ThermostatSetMode", on, {"thermostatMode": "off"}, heater) == {
        "thermostatMode": "heat",
        "previousThermostatMode": "heat",
    }
    switch = {"availableThermostatModes": ["off", "on"], "thermostatTemperatureUnit": "C"}
    assert execute("ThermostatSetMode", on, {"thermostatMode": "off"}, switch) == on
    assert execute("ThermostatSetMode", on, {"thermostatMode": "off"}, COMMAND_ONLY) == {}


def test_off_then_on_round_trip() -> None:
    states: dict[str, Any] = {"thermostatMode": "heatcool", "thermostatTemperatureSetpointLow": 20}
    states |= execute("ThermostatSetMode", {"thermostatMode": "off"}, states, RANGED)
    assert states["thermostatMode"] == "off"
    states |= execute("ThermostatSetMode", {"thermostatMode": "on"}, states, RANGED)
    assert states["thermostatMode"] == "heatcool"


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


def test_relative_without_a_known_setpoint_changes_nothing() -> None:
    # "warmer by 2" on a one-way thermostat: no invented setpoint; the step reaches the device
    # backend through the command record.
    params = {"thermostatTemperatureRelativeDegree": 2}
    assert execute("TemperatureRelative", params, {}, COMMAND_ONLY) == {}
    stored = {"thermostatMode": "heat", "thermostatTemperatureSetpoint": 20}
    assert execute("TemperatureRelative", params, stored, COMMAND_ONLY) == {}
    assert execute("TemperatureRelative", params, {"thermostatMode": "heat"}, RANGED) == {}
    half = {"thermostatMode": "heatcool", "thermostatTemperatureSetpointLow": 20}
    assert execute("TemperatureRelative", params, half, RANGED) == {}


@pytest.mark.parametrize("weight", [6, -6, 1.5])
def test_relative_weight_is_minus_five_to_five(weight: object) -> None:
    params = {"thermostatTemperatureRelativeWeight": weight}
    states = {"thermostatMode": "heat", "thermostatTemperatureSetpoint": 20}
    assert _error("TemperatureRelative", params, states, RANGED) == "valueOutOfRange"


BOTH_SHAPES = {
    "thermostatMode": "heat",
    "thermostatTemperatureAmbient": 19,
    "thermostatTemperatureSetpoint": 21,
    "thermostatTemperatureSetpointHigh": 25,
    "thermostatTemperatureSetpointLow": 18,
    "previousThermostatMode": "heat",
}


def test_query_reports_the_shape_of_the_mode() -> None:
    trait = TRAITS["action.devices.traits.TemperatureSetting"]
    assert trait.query_states(RANGED, BOTH_SHAPES) == {
        "thermostatMode": "heat",
        "thermostatTemperatureAmbient": 19,
        "thermostatTemperatureSetpoint": 21,
    }
    assert trait.query_states(RANGED, {**BOTH_SHAPES, "thermostatMode": "heatcool"}) == {
        "thermostatMode": "heatcool",
        "thermostatTemperatureAmbient": 19,
        "thermostatTemperatureSetpointHigh": 25,
        "thermostatTemperatureSetpointLow": 18,
    }


def _chain(states: dict, *executions: tuple[str, dict]) -> tuple[dict, dict]:
    """Apply chained executions the way EXECUTE does; returns (states, QUERY answer)."""
    working = dict(states)
    for command, params in executions:
        working |= execute(command, params, working, RANGED)
    trait = TRAITS["action.devices.traits.TemperatureSetting"]
    return working, trait.query_states(RANGED, working)


def test_chained_mode_then_setpoint_leaves_one_shape() -> None:
    # "set the heat to 22": ThermostatSetMode then ThermostatTemperatureSetpoint, one EXECUTE
    # (THERMOSTAT guide, https://developers.home.google.com/cloud-to-cloud/guides/thermostat).
    before = {**BOTH_SHAPES, "thermostatMode": "heatcool"}
    _, answer = _chain(
        before,
        ("ThermostatSetMode", {"thermostatMode": "heat"}),
        ("ThermostatTemperatureSetpoint", {"thermostatTemperatureSetpoint": 22}),
    )
    assert answer == {
        "thermostatMode": "heat",
        "thermostatTemperatureAmbient": 19,
        "thermostatTemperatureSetpoint": 22,
    }


def test_chained_mode_then_range_leaves_one_shape() -> None:
    _, answer = _chain(
        BOTH_SHAPES,
        ("ThermostatSetMode", {"thermostatMode": "heatcool"}),
        (
            "ThermostatTemperatureSetRange",
            {"thermostatTemperatureSetpointHigh": 26, "thermostatTemperatureSetpointLow": 20},
        ),
    )
    assert answer == {
        "thermostatMode": "heatcool",
        "thermostatTemperatureAmbient": 19,
        "thermostatTemperatureSetpointHigh": 26,
        "thermostatTemperatureSetpointLow": 20,
    }


def test_a_range_alone_switches_to_heatcool() -> None:
    params = {"thermostatTemperatureSetpointHigh": 26, "thermostatTemperatureSetpointLow": 20}
    states, answer = _chain(BOTH_SHAPES, ("ThermostatTemperatureSetRange", params))
    assert states["thermostatMode"] == "heatcool"
    assert "thermostatTemperatureSetpoint" not in answer


def test_a_single_setpoint_in_heatcool_is_refused() -> None:
    params = {"thermostatTemperatureSetpoint": 22}
    states = {**BOTH_SHAPES, "thermostatMode": "heatcool"}
    assert _error("ThermostatTemperatureSetpoint", params, states, RANGED) == "inHeatOrCool"


def test_golden_examples() -> None:
    # SYNC attribute examples of https://developers.home.google.com/cloud-to-cloud/traits/
    # temperaturesetting (developers.google.cn copy) and the command params of the older page
    # (developers.google.com/assistant/sdk/reference/traits/temperaturesetting).
    for attributes in (DISCRETE, COMMAND_ONLY, RANGED):
        validate("TemperatureSetting", attributes)
    assert execute(
        "ThermostatTemperatureSetpoint",
        {"thermostatTemperatureSetpoint": 22},
        {"thermostatMode": "heat"},
        RANGED,
    ) == {"thermostatTemperatureSetpoint": 22}
    assert execute(
        "ThermostatSetMode", {"thermostatMode": "heat"}, {"thermostatMode": "off"}, RANGED
    ) == {"thermostatMode": "heat", "previousThermostatMode": "heat"}


# Into heatcool from a single setpoint: Google's states in heatcool are the range
# (thermostatTemperatureSetpointHigh / Low, both required in that mode).
HEATCOOL_MODE = {"thermostatMode": "heatcool"}
HEATING = {"thermostatMode": "heat", "thermostatTemperatureSetpoint": 21}


@pytest.mark.parametrize(
    ("attributes", "states", "low", "high"),
    [
        # centred on the setpoint, bufferRangeCelsius wide (2 by default)
        (RANGED, HEATING, 20, 22),
        ({**RANGED, "bufferRangeCelsius": 3}, HEATING, 19.5, 22.5),
        ({**RANGED, "bufferRangeCelsius": 0}, HEATING, 21, 21),
        # shifted inside thermostatTemperatureRange (10..30)
        (RANGED, {**HEATING, "thermostatTemperatureSetpoint": 29.5}, 28, 30),
        (RANGED, {**HEATING, "thermostatTemperatureSetpoint": 10}, 10, 12),
        # no range declared: centred, unbounded
        ({**RANGED, "thermostatTemperatureRange": None}, HEATING, 20, 22),
    ],
)
def test_heatcool_from_a_single_setpoint_derives_a_range_the_device_accepts(
    attributes: dict, states: dict, low: float, high: float
) -> None:
    attributes = {k: v for k, v in attributes.items() if v is not None}
    working, answer = _chain_with(attributes, states, ("ThermostatSetMode", HEATCOOL_MODE))
    assert (
        answer["thermostatTemperatureSetpointLow"],
        answer["thermostatTemperatureSetpointHigh"],
    ) == (
        low,
        high,
    )
    assert "thermostatTemperatureSetpoint" not in answer
    set_range = {"thermostatTemperatureSetpointHigh": high, "thermostatTemperatureSetpointLow": low}
    assert execute("ThermostatTemperatureSetRange", set_range, working, attributes) == {
        "thermostatTemperatureSetpointHigh": high,
        "thermostatTemperatureSetpointLow": low,
    }, "the derived range is one the device accepts"
    assert working["thermostatTemperatureSetpoint"] == states["thermostatTemperatureSetpoint"]


def test_a_device_whose_range_is_narrower_than_its_buffer_reports_its_whole_range() -> None:
    narrow = {
        **RANGED,
        "thermostatTemperatureRange": {"minThresholdCelsius": 20, "maxThresholdCelsius": 21},
    }
    patch = execute("ThermostatSetMode", HEATCOOL_MODE, HEATING, narrow)
    assert (
        patch["thermostatTemperatureSetpointLow"],
        patch["thermostatTemperatureSetpointHigh"],
    ) == (
        20,
        21,
    )


def test_heatcool_keeps_the_last_range_the_device_still_accepts() -> None:
    kept = {
        **HEATING,
        "thermostatTemperatureSetpointLow": 18,
        "thermostatTemperatureSetpointHigh": 25,
    }
    patch = execute("ThermostatSetMode", HEATCOOL_MODE, kept, RANGED)
    assert patch == {"thermostatMode": "heatcool", "previousThermostatMode": "heatcool"}
    too_close = {**kept, "thermostatTemperatureSetpointHigh": 19}
    outside = {**kept, "thermostatTemperatureSetpointHigh": 35}
    for states in (too_close, outside):
        patch = execute("ThermostatSetMode", HEATCOOL_MODE, states, RANGED)
        assert (
            patch["thermostatTemperatureSetpointLow"],
            patch["thermostatTemperatureSetpointHigh"],
        ) == (20, 22)


def test_heatcool_guesses_nothing_it_does_not_know() -> None:
    assert execute("ThermostatSetMode", HEATCOOL_MODE, {"thermostatMode": "heat"}, RANGED) == {
        "thermostatMode": "heatcool",
        "previousThermostatMode": "heatcool",
    }
    one_way = {**COMMAND_ONLY, "availableThermostatModes": ["off", "heatcool"]}
    assert "thermostatTemperatureSetpointLow" not in execute(
        "ThermostatSetMode", HEATCOOL_MODE, HEATING, one_way
    )


def test_on_restoring_heatcool_brings_its_range() -> None:
    states = {
        "thermostatMode": "off",
        "previousThermostatMode": "heatcool",
        "thermostatTemperatureSetpoint": 21,
    }
    patch = execute("ThermostatSetMode", {"thermostatMode": "on"}, states, RANGED)
    assert patch == {
        "thermostatMode": "heatcool",
        "thermostatTemperatureSetpointLow": 20,
        "thermostatTemperatureSetpointHigh": 22,
    }


def test_a_range_chained_after_heatcool_wins() -> None:
    params = {"thermostatTemperatureSetpointHigh": 26, "thermostatTemperatureSetpointLow": 17}
    _, answer = _chain_with(
        RANGED,
        HEATING,
        ("ThermostatSetMode", HEATCOOL_MODE),
        ("ThermostatTemperatureSetRange", params),
    )
    assert (
        answer["thermostatTemperatureSetpointLow"],
        answer["thermostatTemperatureSetpointHigh"],
    ) == (17, 26)


def _chain_with(attributes: dict, states: dict, *executions: tuple[str, dict]) -> tuple[dict, dict]:
    working = dict(states)
    for command, params in executions:
        working |= execute(command, params, working, attributes)
    trait = TRAITS["action.devices.traits.TemperatureSetting"]
    return working, trait.query_states(attributes, working)
