import copy
from typing import Any

import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# SYNC attribute example from https://developers.home.google.com/cloud-to-cloud/traits/fanspeed
# ("device with two speed settings that supports reversing and percentages").
DOCUMENTED: dict[str, Any] = {
    "availableFanSpeeds": {
        "speeds": [
            {
                "speed_name": "speed_low",
                "speed_values": [{"speed_synonym": ["Low", "Slow"], "lang": "en"}],
            },
            {
                "speed_name": "speed_high",
                "speed_values": [{"speed_synonym": ["High", "Fast"], "lang": "en"}],
            },
        ],
        "ordered": True,
    },
    "reversible": True,
    "supportsFanSpeedPercent": True,
}
NAMED = {"availableFanSpeeds": DOCUMENTED["availableFanSpeeds"]}
PERCENT = {"supportsFanSpeedPercent": True}
UNORDERED = {"availableFanSpeeds": {**DOCUMENTED["availableFanSpeeds"], "ordered": False}}


def _broken(path: tuple, value: object) -> dict:
    attributes = copy.deepcopy(DOCUMENTED)
    target: Any = attributes
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return attributes


@pytest.mark.parametrize("attributes", [DOCUMENTED, NAMED, PERCENT, UNORDERED])
def test_valid_attributes(attributes: dict) -> None:
    validate("FanSpeed", attributes)


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({}, "availableFanSpeeds or supportsFanSpeedPercent"),
        ({"supportsFanSpeedPercent": False}, "availableFanSpeeds or supportsFanSpeedPercent"),
        ({"supportsFanSpeedPercent": "yes"}, "supportsFanSpeedPercent"),
        ({**PERCENT, "reversible": 1}, "reversible"),
        ({**PERCENT, "commandOnlyFanSpeed": "no"}, "commandOnlyFanSpeed"),
        (_broken(("availableFanSpeeds", "ordered"), None), "ordered"),
        (_broken(("availableFanSpeeds", "speeds"), []), "speeds"),
        (_broken(("availableFanSpeeds", "speeds"), ["low"]), "speeds"),
        (_broken(("availableFanSpeeds", "speeds", 1, "speed_name"), ""), r"speeds\[1\].speed_name"),
        (_broken(("availableFanSpeeds", "speeds", 1, "speed_name"), "speed_low"), "distinct"),
        (_broken(("availableFanSpeeds", "speeds", 0, "speed_values"), []), "speed_values"),
        (
            _broken(("availableFanSpeeds", "speeds", 0, "speed_values", 0, "lang"), None),
            r"speeds\[0\].speed_values\[0\].lang",
        ),
        (
            _broken(("availableFanSpeeds", "speeds", 0, "speed_values", 0, "speed_synonym"), []),
            "speed_synonym",
        ),
        (
            _broken(("availableFanSpeeds", "speeds", 0, "speed_values", 0, "speed_synonym"), "Low"),
            "speed_synonym",
        ),
    ],
)
def test_invalid_attributes(attributes: dict, field: str) -> None:
    with pytest.raises(InvalidDevice, match=field):
        validate("FanSpeed", attributes)


def _error(command: str, params: dict, states: dict, attributes: dict) -> str:
    with pytest.raises(SmartHomeError) as raised:
        execute(command, params, states, attributes)
    return raised.value.code


def test_set_named_speed() -> None:
    states = {"currentFanSpeedSetting": "speed_low"}
    assert execute("SetFanSpeed", {"fanSpeed": "speed_high"}, states, DOCUMENTED) == {
        "currentFanSpeedSetting": "speed_high"
    }


@pytest.mark.parametrize("percent", [0, 10.0, 55.5, 100])
def test_set_percent(percent: float) -> None:
    assert execute("SetFanSpeed", {"fanSpeedPercent": percent}, {}, DOCUMENTED) == {
        "currentFanSpeedPercent": percent
    }


@pytest.mark.parametrize(
    ("params", "attributes", "code"),
    [
        ({"fanSpeed": "speed_turbo"}, DOCUMENTED, "valueOutOfRange"),
        ({"fanSpeed": "speed_low"}, PERCENT, "valueOutOfRange"),
        ({"fanSpeed": 2}, DOCUMENTED, "valueOutOfRange"),
        ({"fanSpeedPercent": 101}, DOCUMENTED, "valueOutOfRange"),
        ({"fanSpeedPercent": -1}, DOCUMENTED, "valueOutOfRange"),
        ({"fanSpeedPercent": "50"}, DOCUMENTED, "valueOutOfRange"),
        ({}, DOCUMENTED, "valueOutOfRange"),
        ({"fanSpeedPercent": 50}, NAMED, "notSupported"),
    ],
)
def test_set_speed_errors(params: dict, attributes: dict, code: str) -> None:
    assert _error("SetFanSpeed", params, {}, attributes) == code


@pytest.mark.parametrize(
    ("weight", "before", "after"),
    [
        (1, "speed_low", "speed_high"),
        (-1, "speed_high", "speed_low"),
        (5, "speed_low", "speed_high"),
    ],
)
def test_relative_weight_steps_ordered_speeds(weight: int, before: str, after: str) -> None:
    states = {"currentFanSpeedSetting": before}
    assert execute("SetFanSpeedRelative", {"fanSpeedRelativeWeight": weight}, states, NAMED) == {
        "currentFanSpeedSetting": after
    }


@pytest.mark.parametrize(
    ("weight", "before", "code"),
    [(1, "speed_high", "maxSpeedReached"), (-2, "speed_low", "minSpeedReached")],
)
def test_relative_weight_at_limit(weight: int, before: str, code: str) -> None:
    states = {"currentFanSpeedSetting": before}
    assert _error("SetFanSpeedRelative", {"fanSpeedRelativeWeight": weight}, states, NAMED) == code


@pytest.mark.parametrize(
    ("params", "before", "after"),
    [
        ({"fanSpeedRelativePercent": 10.0}, 50, 60),
        ({"fanSpeedRelativePercent": -20}, 50, 30),
        ({"fanSpeedRelativePercent": 30}, 90, 100),
        ({"fanSpeedRelativePercent": -30}, 10, 0),
        ({"fanSpeedRelativeWeight": -1}, 50, 40),
        ({"fanSpeedRelativeWeight": 2}, 50, 70),
    ],
)
def test_relative_percent(params: dict, before: float, after: float) -> None:
    states = {"currentFanSpeedPercent": before}
    assert execute("SetFanSpeedRelative", params, states, PERCENT) == {
        "currentFanSpeedPercent": after
    }


@pytest.mark.parametrize(
    ("params", "before", "code"),
    [
        ({"fanSpeedRelativePercent": 10}, 100, "maxSpeedReached"),
        ({"fanSpeedRelativePercent": -10}, 0, "minSpeedReached"),
        ({"fanSpeedRelativeWeight": 1}, 100, "maxSpeedReached"),
    ],
)
def test_relative_percent_at_limit(params: dict, before: float, code: str) -> None:
    states = {"currentFanSpeedPercent": before}
    assert _error("SetFanSpeedRelative", params, states, PERCENT) == code


@pytest.mark.parametrize(
    ("params", "attributes", "code"),
    [
        ({}, DOCUMENTED, "valueOutOfRange"),
        (
            {"fanSpeedRelativePercent": 10, "fanSpeedRelativeWeight": 1},
            DOCUMENTED,
            "valueOutOfRange",
        ),
        ({"fanSpeedRelativePercent": 101}, DOCUMENTED, "valueOutOfRange"),
        ({"fanSpeedRelativeWeight": 1.5}, DOCUMENTED, "valueOutOfRange"),
        ({"fanSpeedRelativeWeight": 1}, UNORDERED, "notSupported"),
        ({"fanSpeedRelativePercent": 10}, NAMED, "notSupported"),
    ],
)
def test_relative_errors(params: dict, attributes: dict, code: str) -> None:
    states = {"currentFanSpeedSetting": "speed_low"}
    assert _error("SetFanSpeedRelative", params, states, attributes) == code


def test_reverse() -> None:
    assert execute("Reverse", {}, {"currentFanSpeedPercent": 20}, DOCUMENTED) == {}
    assert _error("Reverse", {}, {}, PERCENT) == "notSupported"


def test_query_states_and_command_only() -> None:
    trait = TRAITS["action.devices.traits.FanSpeed"]
    # QUERY example from the trait page
    states = {"currentFanSpeedSetting": "speed_low", "currentFanSpeedPercent": 10.0, "on": True}
    assert trait.query_states(DOCUMENTED, states) == {
        "currentFanSpeedSetting": "speed_low",
        "currentFanSpeedPercent": 10.0,
    }
    assert trait.query_states({**DOCUMENTED, "commandOnlyFanSpeed": True}, states) == {}


@pytest.mark.parametrize(
    ("params", "attributes", "states"),
    [
        ({"fanSpeedRelativeWeight": 1}, {**NAMED, "commandOnlyFanSpeed": True}, {}),
        # a one-way fan's stored speed is only what an earlier command asked for
        (
            {"fanSpeedRelativeWeight": 1},
            {**NAMED, "commandOnlyFanSpeed": True},
            {"currentFanSpeedSetting": "speed_low"},
        ),
        ({"fanSpeedRelativeWeight": 1}, NAMED, {}),
        ({"fanSpeedRelativePercent": 20}, PERCENT, {}),
        ({"fanSpeedRelativePercent": 20}, {**PERCENT, "commandOnlyFanSpeed": True}, {}),
        (
            {"fanSpeedRelativeWeight": -2},
            {**PERCENT, "commandOnlyFanSpeed": True},
            {"currentFanSpeedPercent": 50},
        ),
    ],
)
def test_relative_without_a_known_speed_changes_nothing(
    params: dict, attributes: dict, states: dict
) -> None:
    # "a little faster" on a one-way fan: no invented absolute speed; the step reaches the device
    # backend through the command record.
    assert execute("SetFanSpeedRelative", params, states, attributes) == {}


@pytest.mark.parametrize("weight", [6, -6])
def test_relative_weight_is_minus_five_to_five(weight: int) -> None:
    states = {"currentFanSpeedSetting": "speed_low"}
    with pytest.raises(SmartHomeError) as raised:
        execute("SetFanSpeedRelative", {"fanSpeedRelativeWeight": weight}, states, DOCUMENTED)
    assert raised.value.code == "valueOutOfRange"


def test_golden_examples() -> None:
    # https://developers.home.google.com/cloud-to-cloud/traits/fanspeed (?hl=zh-CN copy): the
    # documented device, its QUERY state and a SetFanSpeed to a named speed.
    validate("FanSpeed", DOCUMENTED)
    trait = TRAITS["action.devices.traits.FanSpeed"]
    state = {"currentFanSpeedSetting": "speed_low", "currentFanSpeedPercent": 25}
    assert trait.query_states(DOCUMENTED, state) == state
    assert execute("SetFanSpeed", {"fanSpeed": "speed_high"}, state, DOCUMENTED) == {
        "currentFanSpeedSetting": "speed_high"
    }
