import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import COMMANDS, TRAITS
from functions.devices.traits.transport_control import REQUIRES
from tests.unit.traits.helpers import execute, validate

# Golden examples from https://developers.home.google.com/cloud-to-cloud/traits/transportcontrol
# (attribute example and the mediaStop..mediaResume requirements read on the ?hl=zh-cn copies;
# the remaining commands' params from Google's smart-home schema).
PLAYER = {"transportControlSupportedCommands": ["NEXT", "PREVIOUS", "PAUSE", "STOP", "RESUME"]}
EVERYTHING = {"transportControlSupportedCommands": sorted(set(REQUIRES.values()))}
WITH_MEDIA_STATE = {**EVERYTHING, "supportPlaybackState": True}
DOCUMENTED_PARAMS: dict[str, list[dict[str, object]]] = {
    "mediaSeekRelative": [{"relativePositionMs": 10000}, {"relativePositionMs": -10000}],
    "mediaSeekToPosition": [{"absPositionMs": 30000}],
    "mediaRepeatMode": [{"isOn": True}, {"isOn": False}, {"isOn": True, "isSingle": True}],
    "mediaClosedCaptioningOn": [
        {"closedCaptioningLanguage": "en"},
        {"closedCaptioningLanguage": "ko-KR", "userQueryLanguage": "en-US"},
    ],
}


def _code(command: str, params: dict, attributes: dict, states: dict | None = None) -> str:
    with pytest.raises(SmartHomeError) as raised:
        execute(command, params, states or {}, attributes)
    return raised.value.code


def test_attributes() -> None:
    validate("TransportControl", PLAYER)
    validate("TransportControl", EVERYTHING)
    assert len(EVERYTHING["transportControlSupportedCommands"]) == 10


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({}, "transportControlSupportedCommands is required"),
        ({"transportControlSupportedCommands": []}, "at least 1"),
        ({"transportControlSupportedCommands": ["PLAY"]}, r"unknown value\(s\) \['PLAY'\]"),
        ({"transportControlSupportedCommands": ["pause"]}, "unknown value"),
        ({"transportControlSupportedCommands": "PAUSE"}, "must be a list"),
    ],
)
def test_invalid_attributes(attributes: dict, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("TransportControl", attributes)


def test_every_command_is_registered_with_its_exact_name() -> None:
    trait = TRAITS["action.devices.traits.TransportControl"]
    assert set(trait.commands) == {f"action.devices.commands.{name}" for name in REQUIRES}
    assert COMMANDS["action.devices.commands.mediaPause"] is trait
    assert trait.states == ()
    assert trait.query_states(PLAYER, {"playbackState": "PLAYING"}) == {}


@pytest.mark.parametrize("command", sorted(REQUIRES))
def test_commands_change_no_state(command: str) -> None:
    for params in DOCUMENTED_PARAMS.get(command, [{}]):
        assert execute(command, params, {"playbackState": "PLAYING"}, EVERYTHING) == {}


@pytest.mark.parametrize("command", sorted(REQUIRES))
def test_unsupported_command(command: str) -> None:
    supported = [name for name in REQUIRES.values() if name != REQUIRES[command]]
    params = DOCUMENTED_PARAMS.get(command, [{}])[0]
    assert (
        _code(command, params, {"transportControlSupportedCommands": supported})
        == "functionNotSupported"
    )


@pytest.mark.parametrize(
    ("command", "params"),
    [
        ("mediaSeekRelative", {}),
        ("mediaSeekRelative", {"relativePositionMs": 1.5}),
        ("mediaSeekToPosition", {"absPositionMs": -1}),
        ("mediaSeekToPosition", {"absPositionMs": "30000"}),
        ("mediaRepeatMode", {}),
        ("mediaRepeatMode", {"isOn": True, "isSingle": "yes"}),
        ("mediaClosedCaptioningOn", {"closedCaptioningLanguage": 7}),
    ],
)
def test_bad_params(command: str, params: dict) -> None:
    assert _code(command, params, EVERYTHING) == "valueOutOfRange"


@pytest.mark.parametrize(
    ("command", "before", "after"),
    [
        ("mediaPause", "PLAYING", "PAUSED"),
        ("mediaPause", "BUFFERING", "PAUSED"),
        ("mediaResume", "PAUSED", "PLAYING"),
        ("mediaStop", "PLAYING", "STOPPED"),
        ("mediaStop", "PAUSED", "STOPPED"),
    ],
)
def test_media_state_follows_pause_resume_stop(command: str, before: str, after: str) -> None:
    assert execute(command, {}, {"playbackState": before}, WITH_MEDIA_STATE) == {
        "playbackState": after
    }


@pytest.mark.parametrize(
    ("command", "states"),
    [
        ("mediaPause", {"playbackState": "STOPPED"}),
        ("mediaResume", {"playbackState": "STOPPED"}),
        ("mediaStop", {"playbackState": "STOPPED"}),
        ("mediaPause", {}),
        ("mediaResume", {}),
        ("mediaNext", {"playbackState": "PAUSED"}),
    ],
)
def test_media_state_is_never_invented(command: str, states: dict) -> None:
    assert execute(command, {}, states, WITH_MEDIA_STATE) == {}
