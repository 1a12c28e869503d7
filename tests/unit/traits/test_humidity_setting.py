import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Attribute and state examples from
# https://developers.home.google.com/cloud-to-cloud/traits/humiditysetting?authuser=0&hl=pl
# (custom range 25-75; states 20/15); relative params from Google's HumiditySetting schema.
RANGED = {"humiditySetpointRange": {"minPercent": 25, "maxPercent": 75}}
STATE = {"humiditySetpointPercent": 40, "humidityAmbientPercent": 35}


@pytest.mark.parametrize(
    "attributes",
    [
        {},
        RANGED,
        {"humiditySetpointRange": {"maxPercent": 60}},
        {"humiditySetpointRange": {"minPercent": 80}},
        {"commandOnlyHumiditySetting": True},
        {"queryOnlyHumiditySetting": True},
    ],
)
def test_valid_attributes(attributes: dict) -> None:
    validate("HumiditySetting", attributes)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"humiditySetpointRange": {"minPercent": -1}}, "minPercent=-1 is outside"),
        ({"humiditySetpointRange": {"maxPercent": 101}}, "maxPercent=101 is outside"),
        ({"humiditySetpointRange": {"minPercent": 2.5}}, "minPercent must be an integer"),
        ({"humiditySetpointRange": {"minPercent": 80, "maxPercent": 70}}, "must not exceed"),
        ({"humiditySetpointRange": {"minPercent": 80, "maxPercent": 79}}, "must not exceed"),
        ({"humiditySetpointRange": 50}, "humiditySetpointRange must be an object"),
        ({"commandOnlyHumiditySetting": "yes"}, "must be a boolean"),
        (
            {"commandOnlyHumiditySetting": True, "queryOnlyHumiditySetting": True},
            "cannot both be true",
        ),
    ],
)
def test_invalid_attributes(attributes: dict, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("HumiditySetting", attributes)


@pytest.mark.parametrize(
    ("humidity", "attributes"), [(25, RANGED), (75, RANGED), (0, {}), (100, {})]
)
def test_set_humidity(humidity: int, attributes: dict) -> None:
    assert execute("SetHumidity", {"humidity": humidity}, STATE, attributes) == {
        "humiditySetpointPercent": humidity
    }


@pytest.mark.parametrize(
    ("params", "attributes"),
    [
        ({"humidity": 24}, RANGED),
        ({"humidity": 76}, RANGED),
        ({"humidity": 101}, {}),
        ({"humidity": 50.5}, {}),
        ({"humidity": "50"}, {}),
        ({}, {}),
    ],
)
def test_set_humidity_out_of_range(params: dict, attributes: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("SetHumidity", params, STATE, attributes)
    assert raised.value.code == "valueOutOfRange"


@pytest.mark.parametrize(
    ("params", "before", "after"),
    [
        ({"humidityRelativePercent": 10}, 40, 50),  # "Increase the humidity 10 percent"
        ({"humidityRelativeWeight": -5}, 50, 25),  # "Decrease the humidity a lot"
        ({"humidityRelativeWeight": 1}, 40, 45),
        ({"humidityRelativePercent": 50}, 40, 75),
        ({"humidityRelativePercent": -50}, 40, 25),
    ],
)
def test_humidity_relative(params: dict, before: int, after: int) -> None:
    states = {"humiditySetpointPercent": before}
    assert execute("HumidityRelative", params, states, RANGED) == {"humiditySetpointPercent": after}


@pytest.mark.parametrize(
    ("params", "before", "code"),
    [
        ({"humidityRelativePercent": 5}, 75, "maxSettingReached"),
        ({"humidityRelativeWeight": -1}, 25, "minSettingReached"),
    ],
)
def test_humidity_relative_at_a_limit(params: dict, before: int, code: str) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("HumidityRelative", params, {"humiditySetpointPercent": before}, RANGED)
    assert raised.value.code == code


@pytest.mark.parametrize(
    ("states", "attributes"),
    [
        ({}, RANGED),
        ({"humidityAmbientPercent": 30}, {}),
        ({"humiditySetpointPercent": 40}, {"commandOnlyHumiditySetting": True}),
        ({"humiditySetpointPercent": "40"}, {}),
    ],
)
def test_humidity_relative_never_invents_a_setpoint(states: dict, attributes: dict) -> None:
    assert execute("HumidityRelative", {"humidityRelativePercent": 10}, states, attributes) == {}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"humidityRelativePercent": 10, "humidityRelativeWeight": 1},
        {"humidityRelativePercent": 101},
        {"humidityRelativeWeight": 6},
        {"humidityRelativeWeight": 1.5},
        {"humidityRelativePercent": "10"},
    ],
)
def test_humidity_relative_bad_params(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("HumidityRelative", params, STATE, RANGED)
    assert raised.value.code == "valueOutOfRange"


def test_query_states_and_flags() -> None:
    trait = TRAITS["action.devices.traits.HumiditySetting"]
    example = {"humiditySetpointPercent": 20, "humidityAmbientPercent": 15}
    assert trait.query_states({}, {**example, "on": True}) == example
    assert trait.query_states({"commandOnlyHumiditySetting": True}, example) == {}
    assert not trait.accepts_commands({"queryOnlyHumiditySetting": True})
