import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# SYNC attribute and QUERY state examples from
# https://developers.home.google.com/cloud-to-cloud/traits/volume
SPEAKER = {
    "volumeMaxLevel": 11,
    "volumeCanMuteAndUnmute": True,
    "levelStepSize": 2,
    "commandOnlyVolume": False,
    "volumeDefaultPercentage": 6,
}
SPEAKER_STATE = {"currentVolume": 5, "isMuted": False}
NO_MUTE = {"volumeMaxLevel": 100, "volumeCanMuteAndUnmute": False}


@pytest.mark.parametrize("attributes", [SPEAKER, NO_MUTE, {**NO_MUTE, "commandOnlyVolume": True}])
def test_valid_attributes(attributes: dict) -> None:
    validate("Volume", attributes)


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({"volumeCanMuteAndUnmute": True}, "volumeMaxLevel"),
        ({"volumeMaxLevel": 10}, "volumeCanMuteAndUnmute"),
        ({**SPEAKER, "volumeMaxLevel": 0}, "volumeMaxLevel"),
        ({**SPEAKER, "volumeMaxLevel": 10.5}, "volumeMaxLevel"),
        ({**SPEAKER, "volumeCanMuteAndUnmute": "yes"}, "volumeCanMuteAndUnmute"),
        ({**SPEAKER, "volumeDefaultPercentage": 101}, "volumeDefaultPercentage"),
        ({**SPEAKER, "volumeDefaultPercentage": -1}, "volumeDefaultPercentage"),
        ({**SPEAKER, "levelStepSize": 0}, "levelStepSize"),
        ({**SPEAKER, "commandOnlyVolume": 1}, "commandOnlyVolume"),
    ],
)
def test_invalid_attributes(attributes: dict, field: str) -> None:
    with pytest.raises(InvalidDevice, match=field):
        validate("Volume", attributes)


def _error(command: str, params: dict, states: dict, attributes: dict) -> str:
    with pytest.raises(SmartHomeError) as raised:
        execute(command, params, states, attributes)
    return raised.value.code


def test_mute_keeps_the_volume() -> None:
    assert execute("mute", {"mute": True}, SPEAKER_STATE, SPEAKER) == {"isMuted": True}
    muted = {"currentVolume": 5, "isMuted": True}
    assert execute("mute", {"mute": False}, muted, SPEAKER) == {"isMuted": False}


@pytest.mark.parametrize(
    ("params", "attributes", "code"),
    [
        ({"mute": True}, NO_MUTE, "notSupported"),
        ({}, SPEAKER, "valueOutOfRange"),
        ({"mute": "true"}, SPEAKER, "valueOutOfRange"),
    ],
)
def test_mute_errors(params: dict, attributes: dict, code: str) -> None:
    assert _error("mute", params, SPEAKER_STATE, attributes) == code


@pytest.mark.parametrize("level", [0, 7, 11])
def test_set_volume(level: int) -> None:
    assert execute("setVolume", {"volumeLevel": level}, SPEAKER_STATE, SPEAKER) == {
        "currentVolume": level
    }


@pytest.mark.parametrize("level", [-1, 12, 5.5, "5", None])
def test_set_volume_out_of_range(level: object) -> None:
    assert _error("setVolume", {"volumeLevel": level}, SPEAKER_STATE, SPEAKER) == "valueOutOfRange"


@pytest.mark.parametrize(
    ("steps", "before", "after"),
    [(2, 5, 7), (-2, 5, 3), (-1, 5, 4), (10, 5, 11), (-10, 5, 0), (3, 10, 11), (-3, 1, 0)],
)
def test_volume_relative_clamps(steps: int, before: int, after: int) -> None:
    states = {"currentVolume": before, "isMuted": False}
    assert execute("volumeRelative", {"relativeSteps": steps}, states, SPEAKER) == {
        "currentVolume": after
    }


@pytest.mark.parametrize("params", [{}, {"relativeSteps": 1.5}, {"relativeSteps": "1"}])
def test_volume_relative_bad_params(params: dict) -> None:
    assert _error("volumeRelative", params, SPEAKER_STATE, SPEAKER) == "valueOutOfRange"


def test_query_states_and_command_only() -> None:
    trait = TRAITS["action.devices.traits.Volume"]
    assert trait.query_states(SPEAKER, {**SPEAKER_STATE, "on": True}) == SPEAKER_STATE
    assert trait.query_states({**SPEAKER, "commandOnlyVolume": True}, SPEAKER_STATE) == {}


@pytest.mark.parametrize(
    ("steps", "before", "code"),
    [(1, 11, "volumeAlreadyMax"), (5, 11, "volumeAlreadyMax"), (-1, 0, "volumeAlreadyMin")],
)
def test_volume_relative_at_a_limit(steps: int, before: int, code: str) -> None:
    # Google's samples answer volumeAlreadyMax / volumeAlreadyMin for a step from the limit.
    states = {"currentVolume": before, "isMuted": False}
    assert _error("volumeRelative", {"relativeSteps": steps}, states, SPEAKER) == code


def test_set_volume_at_the_limit_succeeds() -> None:
    states = {"currentVolume": 11, "isMuted": False}
    assert execute("setVolume", {"volumeLevel": 11}, states, SPEAKER) == {"currentVolume": 11}


@pytest.mark.parametrize(
    ("attributes", "states"),
    [
        ({**NO_MUTE, "commandOnlyVolume": True}, {}),
        # an IR remote's stored volume is only what an earlier command asked for
        ({**NO_MUTE, "commandOnlyVolume": True}, {"currentVolume": 0}),
        (SPEAKER, {}),
    ],
)
def test_volume_relative_on_a_one_way_device_invents_no_level(
    attributes: dict, states: dict
) -> None:
    # "volume down 3" on an IR remote: no absolute level is written; the step reaches the device
    # backend through the command record.
    assert execute("volumeRelative", {"relativeSteps": -3}, states, attributes) == {}


def test_golden_examples() -> None:
    # https://developers.home.google.com/cloud-to-cloud/traits/volume (?hl=zh-cn copy): the
    # speaker's SYNC attributes and QUERY state, and the documented mute / setVolume params.
    validate("Volume", SPEAKER)
    trait = TRAITS["action.devices.traits.Volume"]
    assert trait.query_states(SPEAKER, SPEAKER_STATE) == {"currentVolume": 5, "isMuted": False}
    assert execute("mute", {"mute": True}, SPEAKER_STATE, SPEAKER) == {"isMuted": True}
    assert execute("setVolume", {"volumeLevel": 7}, SPEAKER_STATE, SPEAKER) == {"currentVolume": 7}
