import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# SYNC shape from https://developers.google.com/assistant/smarthome/traits/channel?hl=zh-cn;
# selectChannel examples ("Change to KTVU", "Turn to channel three") from Google's params schema.
CHANNELS = {
    "availableChannels": [
        {"key": "kqed", "names": ["KQED", "KQED HD"], "number": "4-11"},
        {"key": "ktvu2", "names": ["KTVU", "KTVU HD"], "number": "7"},
    ]
}


def test_valid_attributes() -> None:
    validate("Channel", CHANNELS)
    validate("Channel", {"availableChannels": [{"key": "a", "names": ["A"]}]})
    validate("Channel", {**CHANNELS, "commandOnlyChannels": True})


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({}, "availableChannels is required"),
        ({"availableChannels": [{"names": ["A"]}]}, r"\[0\]\.key is required"),
        ({"availableChannels": [{"key": "a"}]}, r"\[0\]\.names is required"),
        ({"availableChannels": [{"key": "a", "names": []}]}, "names must be a list of at least 1"),
        ({"availableChannels": [{"key": "a", "names": ["A"], "number": 4}]}, "number must be a"),
        ({"availableChannels": [{"key": "a", "names": ["A"]}] * 2}, "repeats a name"),
        ({**CHANNELS, "commandOnlyChannels": "yes"}, "commandOnlyChannels must be a boolean"),
    ],
)
def test_invalid_attributes(attributes: dict, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("Channel", attributes)


@pytest.mark.parametrize(
    "params",
    [
        {"channelCode": "ktvu2", "channelName": "KTVU"},
        {"channelCode": "kqed", "channelName": "KQED", "channelNumber": "4-11"},
        {"channelNumber": "3"},  # not declared: the short list need not hold every channel
        {"channelNumber": "4-11"},
    ],
)
def test_select_channel_changes_no_state(params: dict) -> None:
    assert execute("selectChannel", params, {"on": True}, CHANNELS) == {}


def test_select_undeclared_channel_code() -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("selectChannel", {"channelCode": "cnn"}, {}, CHANNELS)
    assert raised.value.code == "noAvailableChannel"


@pytest.mark.parametrize(
    "params",
    [{}, {"channelName": "KTVU"}, {"channelCode": 7}, {"channelNumber": 3}, {"channelCode": ""}],
)
def test_select_channel_bad_params(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("selectChannel", params, {}, CHANNELS)
    assert raised.value.code == "valueOutOfRange"


@pytest.mark.parametrize("change", [1, -1, 5])
def test_relative_channel(change: int) -> None:
    assert execute("relativeChannel", {"relativeChannelChange": change}, {}, CHANNELS) == {}


@pytest.mark.parametrize(
    "params", [{}, {"relativeChannelChange": 1.5}, {"relativeChannelChange": "1"}]
)
def test_relative_channel_bad_params(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("relativeChannel", params, {}, CHANNELS)
    assert raised.value.code == "valueOutOfRange"


def test_return_channel() -> None:
    assert execute("returnChannel", {}, {}, CHANNELS) == {}


def test_no_query_states() -> None:
    trait = TRAITS["action.devices.traits.Channel"]
    assert trait.query_states(CHANNELS, {"on": True, "channel": "kqed"}) == {}
    assert trait.accepts_commands({**CHANNELS, "commandOnlyChannels": True})
