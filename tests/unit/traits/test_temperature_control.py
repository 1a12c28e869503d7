import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Golden examples from https://developers.home.google.com/cloud-to-cloud/traits/temperaturecontrol
# (attributes and states read on the ?hl=zh-cn copy; the SetTemperature example, 350 F = 176.67 C,
# and the error list from Google's smart-home schema).
OVEN = {
    "temperatureRange": {"minThresholdCelsius": 65.5, "maxThresholdCelsius": 260},
    "temperatureStepCelsius": 2.778,
    "temperatureUnitForUX": "F",
}
SET_TO_150 = {"temperatureSetpointCelsius": 150}
ONE_WAY = {**OVEN, "commandOnlyTemperatureControl": True}
READ_ONLY = {**OVEN, "queryOnlyTemperatureControl": True}
TRAIT = TRAITS["action.devices.traits.TemperatureControl"]


def _code(params: dict, states: dict, attributes: dict = OVEN) -> str:
    with pytest.raises(SmartHomeError) as raised:
        execute("SetTemperature", params, states, attributes)
    return raised.value.code


@pytest.mark.parametrize(
    "attributes", [OVEN, ONE_WAY, READ_ONLY, {**OVEN, "temperatureUnitForUX": "C"}]
)
def test_valid_attributes(attributes: dict) -> None:
    validate("TemperatureControl", attributes)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"temperatureUnitForUX": "C"}, "temperatureRange is required"),
        (
            {**OVEN, "temperatureRange": {"minThresholdCelsius": 0}},
            "maxThresholdCelsius is required",
        ),
        (
            {**OVEN, "temperatureRange": {"minThresholdCelsius": 90, "maxThresholdCelsius": 40}},
            "must not exceed",
        ),
        (
            {**OVEN, "temperatureRange": {"minThresholdCelsius": "0", "maxThresholdCelsius": 9}},
            "must be a number",
        ),
        (
            {key: v for key, v in OVEN.items() if key != "temperatureUnitForUX"},
            "temperatureUnitForUX is required",
        ),
        ({**OVEN, "temperatureUnitForUX": "K"}, "temperatureUnitForUX='K' is not one of"),
        ({**OVEN, "temperatureStepCelsius": 0}, "temperatureStepCelsius must be positive"),
        ({**OVEN, "commandOnlyTemperatureControl": "no"}, "must be a boolean"),
        ({**ONE_WAY, "queryOnlyTemperatureControl": True}, "cannot both be true"),
    ],
)
def test_invalid_attributes(attributes: dict, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("TemperatureControl", attributes)


def test_documented_query_and_flags() -> None:
    both = {**SET_TO_150, "temperatureAmbientCelsius": 120.5}
    assert TRAIT.query_states(OVEN, {**both, "on": True}) == both
    assert TRAIT.query_states(ONE_WAY, both) == {}
    assert TRAIT.query_states(READ_ONLY, both) == both
    assert not TRAIT.accepts_commands(READ_ONLY)
    assert TRAIT.accepts_commands(ONE_WAY)


@pytest.mark.parametrize("temperature", [176.67, 65.5, 260, 100])
def test_set_temperature(temperature: float) -> None:
    assert execute("SetTemperature", {"temperature": temperature}, SET_TO_150, OVEN) == {
        "temperatureSetpointCelsius": temperature
    }


def test_set_temperature_on_a_one_way_device() -> None:
    assert execute("SetTemperature", {"temperature": 200}, {}, ONE_WAY) == {
        "temperatureSetpointCelsius": 200
    }


@pytest.mark.parametrize(
    ("temperature", "states", "attributes", "code"),
    [
        (262.8, {"temperatureSetpointCelsius": 260}, OVEN, "alreadyAtMax"),
        (62.7, {"temperatureSetpointCelsius": 65.5}, OVEN, "alreadyAtMin"),
        (262.8, SET_TO_150, OVEN, "valueOutOfRange"),
        (62.7, SET_TO_150, OVEN, "valueOutOfRange"),
        (262.8, {}, OVEN, "valueOutOfRange"),
        (262.8, {"temperatureSetpointCelsius": 260}, ONE_WAY, "valueOutOfRange"),
        ("176", SET_TO_150, OVEN, "valueOutOfRange"),
        (None, SET_TO_150, OVEN, "valueOutOfRange"),
    ],
)
def test_set_temperature_errors(
    temperature: object, states: dict, attributes: dict, code: str
) -> None:
    assert _code({"temperature": temperature}, states, attributes) == code


def test_no_relative_command() -> None:
    assert set(TRAIT.commands) == {"action.devices.commands.SetTemperature"}
