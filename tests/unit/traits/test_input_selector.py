from typing import Any

import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Attribute shape from https://developers.home.google.com/cloud-to-cloud/traits/inputselector?hl=de
# (hdmi_1 also named "DVD player"); orderedInputs, states and commands from Google's schema.
INPUTS: dict[str, Any] = {
    "availableInputs": [
        {
            "key": "hdmi_1",
            "names": [
                {"lang": "en", "name_synonym": ["HDMI 1", "DVD player"]},
                {"lang": "de", "name_synonym": ["HDMI 1", "DVD-Player"]},
            ],
        },
        {"key": "hdmi_2", "names": [{"lang": "en", "name_synonym": ["HDMI 2"]}]},
        {"key": "usb_1", "names": [{"lang": "en", "name_synonym": ["USB 1"]}]},
    ],
    "commandOnlyInputSelector": False,
    "orderedInputs": True,
}
UNORDERED = {"availableInputs": INPUTS["availableInputs"]}


@pytest.mark.parametrize("attributes", [INPUTS, UNORDERED])
def test_valid_attributes(attributes: dict) -> None:
    validate("InputSelector", attributes)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({}, "availableInputs is required"),
        ({"availableInputs": []}, "at least 1"),
        (
            {"availableInputs": [{"names": INPUTS["availableInputs"][2]["names"]}]},
            "key is required",
        ),
        ({"availableInputs": [{"key": "a"}]}, r"availableInputs\[0\]\.names is required"),
        (
            {"availableInputs": [{"key": "a", "names": [{"lang": "en"}]}]},
            "name_synonym is required",
        ),
        (
            {"availableInputs": [{"key": "a", "names": [{"name_synonym": ["A"]}]}]},
            "lang is required",
        ),
        ({"availableInputs": INPUTS["availableInputs"][:1] * 2}, "availableInputs repeats a name"),
        ({**INPUTS, "orderedInputs": "yes"}, "orderedInputs must be a boolean"),
        ({**INPUTS, "commandOnlyInputSelector": 0}, "commandOnlyInputSelector must be a boolean"),
    ],
)
def test_invalid_attributes(attributes: dict, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("InputSelector", attributes)


def test_set_input() -> None:
    states = {"currentInput": "hdmi_1"}
    assert execute("SetInput", {"newInput": "usb_1"}, states, INPUTS) == {"currentInput": "usb_1"}
    assert execute("SetInput", {"newInput": "hdmi_2"}, {}, UNORDERED) == {"currentInput": "hdmi_2"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"newInput": "hdmi_3"}, "notSupported"),
        ({"newInput": "HDMI 1"}, "notSupported"),
        ({}, "valueOutOfRange"),
        ({"newInput": 1}, "valueOutOfRange"),
    ],
)
def test_set_input_errors(params: dict, code: str) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("SetInput", params, {}, INPUTS)
    assert raised.value.code == code


@pytest.mark.parametrize(
    ("command", "before", "after"),
    [
        ("NextInput", "hdmi_1", "hdmi_2"),
        ("NextInput", "usb_1", "hdmi_1"),
        ("PreviousInput", "hdmi_2", "hdmi_1"),
        ("PreviousInput", "hdmi_1", "usb_1"),
    ],
)
def test_next_and_previous_wrap(command: str, before: str, after: str) -> None:
    assert execute(command, {}, {"currentInput": before}, INPUTS) == {"currentInput": after}


@pytest.mark.parametrize("command", ["NextInput", "PreviousInput"])
def test_next_and_previous_need_ordered_inputs(command: str) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute(command, {}, {"currentInput": "hdmi_1"}, UNORDERED)
    assert raised.value.code == "functionNotSupported"


@pytest.mark.parametrize("command", ["NextInput", "PreviousInput"])
@pytest.mark.parametrize(
    ("states", "attributes"),
    [
        ({}, INPUTS),
        ({"currentInput": "tuner"}, INPUTS),
        ({"currentInput": "hdmi_1"}, {**INPUTS, "commandOnlyInputSelector": True}),
    ],
)
def test_next_and_previous_never_invent_an_input(
    command: str, states: dict, attributes: dict
) -> None:
    assert execute(command, {}, states, attributes) == {}


def test_query_states_and_command_only() -> None:
    trait = TRAITS["action.devices.traits.InputSelector"]
    assert trait.query_states(INPUTS, {"currentInput": "hdmi_1", "on": True}) == {
        "currentInput": "hdmi_1"
    }
    command_only = {**INPUTS, "commandOnlyInputSelector": True}
    assert trait.query_states(command_only, {"currentInput": "hdmi_1"}) == {}
