import copy

import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Attribute examples from https://developers.home.google.com/cloud-to-cloud/traits/fill?hl=pl;
# params ("Fill the bathtub halfway": half_level) and states from Google's Fill schema.
LEVELS = {
    "availableFillLevels": {
        "levels": [
            {
                "level_name": "half_level",
                "level_values": [{"level_synonym": ["half"], "lang": "en"}],
            },
            {
                "level_name": "full_level",
                "level_values": [{"level_synonym": ["full"], "lang": "en"}],
            },
        ],
        "ordered": True,
        "supportsFillPercent": True,
    }
}
NO_PERCENT = copy.deepcopy(LEVELS)
del NO_PERCENT["availableFillLevels"]["supportsFillPercent"]


@pytest.mark.parametrize("attributes", [LEVELS, NO_PERCENT, {}])
def test_valid_attributes(attributes: dict) -> None:
    validate("Fill", attributes)


def _broken(path: tuple, value: object) -> dict:
    attributes = copy.deepcopy(LEVELS)
    parent: dict = attributes
    for key in path[:-1]:
        parent = parent[key]
    if value is None:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return attributes


AVAILABLE = ("availableFillLevels",)
LEVEL = (*AVAILABLE, "levels", 0)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (AVAILABLE, [], "availableFillLevels must be an object"),
        ((*AVAILABLE, "levels"), None, "levels is required"),
        ((*AVAILABLE, "ordered"), None, "ordered is required"),
        ((*AVAILABLE, "supportsFillPercent"), "yes", "supportsFillPercent must be a boolean"),
        ((*LEVEL, "level_name"), "full_level", "levels repeats a name"),
        ((*LEVEL, "level_values"), None, "level_values is required"),
        ((*LEVEL, "level_values", 0, "level_synonym"), None, "level_synonym is required"),
        ((*LEVEL, "level_values", 0, "lang"), None, "lang is required"),
    ],
)
def test_invalid_attributes(path: tuple, value: object, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("Fill", _broken(path, value))


def test_fill_and_drain_a_plain_device() -> None:
    assert execute("Fill", {"fill": True}, {"isFilled": False}) == {"isFilled": True}
    assert execute("Fill", {"fill": False}, {"isFilled": True}) == {"isFilled": False}


def test_fill_to_a_level() -> None:
    params = {"fill": True, "fillLevel": "half_level"}
    assert execute("Fill", params, {"isFilled": False}, LEVELS) == {
        "isFilled": True,
        "currentFillLevel": "half_level",
    }


def test_fill_to_the_default_level_names_no_level() -> None:
    assert execute("Fill", {"fill": True}, {"isFilled": False}, LEVELS) == {"isFilled": True}


def test_drain_empties_a_percentage_device() -> None:
    states = {"isFilled": True, "currentFillLevel": "full_level", "currentFillPercent": 100}
    assert execute("Fill", {"fill": False}, states, LEVELS) == {
        "isFilled": False,
        "currentFillPercent": 0,
    }
    assert execute("Fill", {"fill": False}, states, NO_PERCENT) == {"isFilled": False}


@pytest.mark.parametrize(("percent", "filled"), [(50, True), (0, False), (100, True), (12.5, True)])
def test_fill_to_a_percentage(percent: float, filled: bool) -> None:
    assert execute("Fill", {"fill": True, "fillPercent": percent}, {}, LEVELS) == {
        "isFilled": filled,
        "currentFillPercent": percent,
    }


def test_drain_to_a_level() -> None:
    states = {"isFilled": True, "currentFillLevel": "full_level"}
    assert execute("Fill", {"fill": False, "fillLevel": "half_level"}, states, LEVELS) == {
        "isFilled": True,
        "currentFillLevel": "half_level",
    }


@pytest.mark.parametrize(
    ("params", "attributes", "code"),
    [
        ({"fill": True, "fillLevel": "quarter_level"}, LEVELS, "notSupported"),
        ({"fill": True, "fillLevel": "half_level"}, {}, "notSupported"),
        ({"fill": True, "fillPercent": 50}, NO_PERCENT, "functionNotSupported"),
        ({"fill": True, "fillPercent": 50}, {}, "functionNotSupported"),
        ({"fill": True, "fillLevel": "half_level", "fillPercent": 50}, LEVELS, "valueOutOfRange"),
        ({"fill": True, "fillPercent": 101}, LEVELS, "valueOutOfRange"),
        ({"fill": True, "fillPercent": -1}, LEVELS, "valueOutOfRange"),
        ({}, LEVELS, "valueOutOfRange"),
        ({"fill": "true"}, LEVELS, "valueOutOfRange"),
        ({"fill": True, "fillLevel": 1}, LEVELS, "valueOutOfRange"),
    ],
)
def test_errors(params: dict, attributes: dict, code: str) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("Fill", params, {}, attributes)
    assert raised.value.code == code


def test_query_states() -> None:
    trait = TRAITS["action.devices.traits.Fill"]
    states = {"isFilled": True, "currentFillLevel": "half_level", "currentFillPercent": 50}
    assert trait.query_states(LEVELS, {**states, "on": True}) == states
