import pytest

from functions.core.errors import InvalidDevice
from functions.devices.traits import COMMANDS, TRAITS
from tests.unit.traits.helpers import validate

# Golden examples from https://developers.home.google.com/cloud-to-cloud/traits/mediastate
# (whole page read on the ?hl=pl copy; the example state is also in Google's smart-home schema).
BOTH = {"supportActivityState": True, "supportPlaybackState": True}
STATES = {"activityState": "ACTIVE", "playbackState": "PAUSED"}
TRAIT = TRAITS["action.devices.traits.MediaState"]


@pytest.mark.parametrize("attributes", [BOTH, {}, {"supportPlaybackState": False}])
def test_valid_attributes(attributes: dict) -> None:
    validate("MediaState", attributes)


@pytest.mark.parametrize("flag", ["supportActivityState", "supportPlaybackState"])
def test_invalid_attributes(flag: str) -> None:
    with pytest.raises(InvalidDevice, match=f"{flag} must be a boolean"):
        validate("MediaState", {flag: "true"})


def test_documented_query_states() -> None:
    assert TRAIT.query_states(BOTH, {**STATES, "on": True}) == STATES


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"supportActivityState": True}, {"activityState": "ACTIVE"}),
        ({"supportPlaybackState": True}, {"playbackState": "PAUSED"}),
        ({"supportPlaybackState": False}, {}),
        ({}, {}),
    ],
)
def test_only_supported_states_are_answered(attributes: dict, expected: dict) -> None:
    assert TRAIT.query_states(attributes, STATES) == expected


def test_no_commands() -> None:
    assert TRAIT.commands == {}
    assert TRAIT not in COMMANDS.values()
