import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate


def test_absolute() -> None:
    assert execute("BrightnessAbsolute", {"brightness": 65}) == {"brightness": 65}


@pytest.mark.parametrize("value", [-1, 101, 50.5, "65", True])
def test_absolute_out_of_range(value: object) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("BrightnessAbsolute", {"brightness": value})
    assert raised.value.code == "valueOutOfRange"


@pytest.mark.parametrize(
    ("params", "before", "after"),
    [
        ({"brightnessRelativePercent": 20}, 50, 70),
        ({"brightnessRelativePercent": -80}, 50, 0),
        ({"brightnessRelativePercent": 90}, 50, 100),
        ({"brightnessRelativeWeight": 2}, 50, 70),
        ({"brightnessRelativeWeight": -1}, 5, 0),
    ],
)
def test_relative(params: dict, before: int, after: int) -> None:
    assert execute("BrightnessRelative", params, {"brightness": before}) == {"brightness": after}


def test_relative_needs_a_param() -> None:
    with pytest.raises(SmartHomeError):
        execute("BrightnessRelative", {})


@pytest.mark.parametrize(
    ("attributes", "states"),
    [
        ({"commandOnlyBrightness": True}, {}),
        # a one-way light's stored brightness is only what an earlier command asked for
        ({"commandOnlyBrightness": True}, {"brightness": 40}),
        ({}, {}),
    ],
)
def test_relative_without_a_known_level_changes_nothing(attributes: dict, states: dict) -> None:
    # "20% brighter" on a one-way light must not become "set to 20%": the patch is empty and the
    # step reaches the device backend through the command record.
    assert (
        execute("BrightnessRelative", {"brightnessRelativePercent": 20}, states, attributes) == {}
    )
    assert execute("BrightnessRelative", {"brightnessRelativeWeight": -2}, states, attributes) == {}


@pytest.mark.parametrize(
    "params",
    [
        {"brightnessRelativePercent": 101},
        {"brightnessRelativePercent": 10.5},
        {"brightnessRelativeWeight": 6},
        {"brightnessRelativeWeight": -6},
        {"brightnessRelativeWeight": "1"},
    ],
)
def test_relative_bad_params(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("BrightnessRelative", params, {"brightness": 50})
    assert raised.value.code == "valueOutOfRange"


def test_golden_examples() -> None:
    # Every example of https://developers.home.google.com/cloud-to-cloud/traits/brightness?hl=zh-CN:
    # SYNC {} and {"commandOnlyBrightness": true}; QUERY {"brightness": 65}; BrightnessAbsolute 65;
    # BrightnessRelative {"brightnessRelativePercent": 20} and {"brightnessRelativeWeight": -1}
    # (sent to the command-only device, so they change no stored state).
    one_way = {"commandOnlyBrightness": True}
    validate("Brightness", {})
    validate("Brightness", one_way)
    trait = TRAITS["action.devices.traits.Brightness"]
    assert trait.query_states({}, {"brightness": 65}) == {"brightness": 65}
    assert trait.query_states(one_way, {"brightness": 65}) == {}
    assert execute("BrightnessAbsolute", {"brightness": 65}, {"brightness": 20}) == {
        "brightness": 65
    }
    assert execute("BrightnessRelative", {"brightnessRelativePercent": 20}, {}, one_way) == {}
    assert execute("BrightnessRelative", {"brightnessRelativeWeight": -1}, {}, one_way) == {}


@pytest.mark.parametrize("value", [1, "yes"])
def test_invalid_attributes(value: object) -> None:
    with pytest.raises(InvalidDevice, match="commandOnlyBrightness"):
        validate("Brightness", {"commandOnlyBrightness": value})
