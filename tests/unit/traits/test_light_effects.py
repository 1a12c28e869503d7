import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Attributes and states from https://developers.home.google.com/cloud-to-cloud/traits/lighteffects?hl=zh-cn
# and ?authuser=4&hl=zh-cn ({} when no effect is active); the attribute examples and the
# "Colorloop my lights for 60 minutes" param example also appear in Google's LightEffects schema.
COLOR_LOOP = {"supportedEffects": ["colorLoop"]}
SLEEP_WAKE = {
    "defaultSleepDuration": 300,
    "defaultWakeDuration": 600,
    "supportedEffects": ["sleep", "wake"],
}
ALL = {"supportedEffects": ["colorLoop", "sleep", "wake"], "defaultColorLoopDuration": 1800}
LOOPING = {"activeLightEffect": "colorLoop", "lightEffectEndUnixTimestampSec": 1700000000}


@pytest.mark.parametrize("attributes", [COLOR_LOOP, SLEEP_WAKE, ALL])
def test_valid_attributes(attributes: dict) -> None:
    validate("LightEffects", attributes)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({}, "supportedEffects is required"),
        ({"supportedEffects": []}, "at least 1"),
        ({"supportedEffects": ["pulse"]}, r"unknown effect\(s\) \['pulse'\]"),
        ({**SLEEP_WAKE, "defaultSleepDuration": 299}, "defaultSleepDuration=299 is outside"),
        ({**SLEEP_WAKE, "defaultWakeDuration": 3601}, "defaultWakeDuration=3601 is outside"),
        ({**ALL, "defaultColorLoopDuration": 0}, "defaultColorLoopDuration=0 is outside"),
        ({**ALL, "defaultColorLoopDuration": 60.5}, "must be an integer"),
    ],
)
def test_invalid_attributes(attributes: dict, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("LightEffects", attributes)


@pytest.mark.parametrize(
    ("command", "effect", "params"),
    [
        ("ColorLoop", "colorLoop", {"duration": 3600}),
        ("ColorLoop", "colorLoop", {}),
        ("Sleep", "sleep", {"duration": 300}),
        ("Wake", "wake", {}),
    ],
)
def test_start_an_effect(command: str, effect: str, params: dict) -> None:
    assert execute(command, params, LOOPING, ALL) == {
        "activeLightEffect": effect,
        "lightEffectEndUnixTimestampSec": None,
    }
    assert execute(command, params, {}, ALL) == {"activeLightEffect": effect}


def test_stop_effect() -> None:
    assert execute("StopEffect", {}, LOOPING, ALL) == {
        "activeLightEffect": None,
        "lightEffectEndUnixTimestampSec": None,
    }
    assert execute("StopEffect", {}, {"activeLightEffect": "sleep"}, ALL) == {
        "activeLightEffect": None
    }
    assert execute("StopEffect", {}, {}, ALL) == {}


@pytest.mark.parametrize(
    ("command", "params", "attributes", "code"),
    [
        ("ColorLoop", {}, SLEEP_WAKE, "functionNotSupported"),
        ("Sleep", {}, COLOR_LOOP, "functionNotSupported"),
        ("Wake", {"duration": 600}, COLOR_LOOP, "functionNotSupported"),
        ("ColorLoop", {"duration": 299}, ALL, "belowMinimumLightEffectsDuration"),
        ("Sleep", {"duration": 60}, ALL, "belowMinimumLightEffectsDuration"),
        ("Wake", {"duration": 3601}, ALL, "aboveMaximumLightEffectsDuration"),
        ("ColorLoop", {"duration": 7200}, ALL, "aboveMaximumLightEffectsDuration"),
        ("ColorLoop", {"duration": 600.5}, ALL, "valueOutOfRange"),
        ("Sleep", {"duration": "600"}, ALL, "valueOutOfRange"),
    ],
)
def test_errors(command: str, params: dict, attributes: dict, code: str) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute(command, params, {}, attributes)
    assert raised.value.code == code


def test_query_states_leave_a_cleared_effect_out() -> None:
    trait = TRAITS["action.devices.traits.LightEffects"]
    assert trait.query_states(ALL, {**LOOPING, "on": True}) == LOOPING
    cleared = {"activeLightEffect": None, "lightEffectEndUnixTimestampSec": None, "on": True}
    assert trait.query_states(ALL, cleared) == {}  # the page's "{}" for no active effect
    assert trait.query_states(ALL, {"activeLightEffect": "sleep"}) == {"activeLightEffect": "sleep"}
