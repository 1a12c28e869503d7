import copy

import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Attribute shape from https://developers.home.google.com/cloud-to-cloud/traits/cook?authuser=1&hl=zh-cn
# ("two cups of brown rice" where brown_rice is a preset, ?authuser=00&hl=zh-cn).
COOKER = {
    "supportedCookingModes": ["COOK", "WARM", "BOIL"],
    "foodPresets": [
        {
            "food_preset_name": "white_rice",
            "supported_units": ["CUPS", "NO_UNITS"],
            "food_synonyms": [{"synonym": ["white rice", "rice"], "lang": "en"}],
        },
        {
            "food_preset_name": "brown_rice",
            "supported_units": ["CUPS"],
            "food_synonyms": [{"synonym": ["brown rice"], "lang": "en"}],
        },
    ],
}
BLENDER = {"supportedCookingModes": ["BLEND"]}
COOKING = {
    "currentCookingMode": "COOK",
    "currentFoodPreset": "white_rice",
    "currentFoodQuantity": 2,
    "currentFoodUnit": "CUPS",
}
IDLE = {"currentCookingMode": "NONE", "currentFoodPreset": "NONE"}


def test_valid_attributes() -> None:
    validate("Cook", COOKER)
    validate("Cook", BLENDER)


PRESET = ("foodPresets", 0)


def _broken(path: tuple, value: object) -> dict:
    attributes = copy.deepcopy(COOKER)
    parent: dict = attributes
    for key in path[:-1]:
        parent = parent[key]
    if value is None:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return attributes


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("supportedCookingModes",), None, "supportedCookingModes is required"),
        (("supportedCookingModes",), [], "at least 1"),
        (("supportedCookingModes",), ["COOK", "FLAMBE"], r"unknown value\(s\) \['FLAMBE'\]"),
        (("supportedCookingModes",), ["cook"], "unknown value"),
        (("supportedCookingModes",), ["COOK", "COOK"], "twice"),
        (("foodPresets",), [], "foodPresets must be a list of at least 1"),
        ((*PRESET, "food_preset_name"), None, "food_preset_name is required"),
        ((*PRESET, "food_preset_name"), "brown_rice", "foodPresets repeats a name"),
        ((*PRESET, "supported_units"), None, r"foodPresets\[0\]\.supported_units is required"),
        ((*PRESET, "supported_units"), ["SCOOPS"], "unknown value"),
        ((*PRESET, "food_synonyms"), None, "food_synonyms is required"),
        ((*PRESET, "food_synonyms", 0, "lang"), "de", "needs an entry with lang 'en'"),
        ((*PRESET, "food_synonyms", 0, "synonym"), [], "synonym must be a list"),
    ],
)
def test_invalid_attributes(path: tuple, value: object, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("Cook", _broken(path, value))


def test_cook_two_cups_of_brown_rice() -> None:
    params = {"start": True, "cookingMode": "COOK", "foodPreset": "brown_rice", "quantity": 2}
    patch = execute("Cook", {**params, "unit": "CUPS"}, IDLE, COOKER)
    assert patch == {
        "currentCookingMode": "COOK",
        "currentFoodPreset": "brown_rice",
        "currentFoodQuantity": 2,
        "currentFoodUnit": "CUPS",
    }


def test_start_without_preset_or_quantity() -> None:
    patch = execute("Cook", {"start": True, "cookingMode": "WARM"}, COOKING, COOKER)
    assert patch == {
        "currentCookingMode": "WARM",
        "currentFoodPreset": "NONE",
        "currentFoodQuantity": None,
        "currentFoodUnit": None,
    }
    patch = execute("Cook", {"start": True, "cookingMode": "WARM"}, IDLE, COOKER)
    assert patch == {"currentCookingMode": "WARM", "currentFoodPreset": "NONE"}


def test_start_without_mode() -> None:
    assert execute("Cook", {"start": True}, {}, BLENDER) == {"currentCookingMode": "BLEND"}
    patch = execute("Cook", {"start": True, "foodPreset": "white_rice"}, IDLE, COOKER)
    assert "currentCookingMode" not in patch
    assert patch["currentFoodPreset"] == "white_rice"


def test_stop() -> None:
    assert execute("Cook", {"start": False}, COOKING, COOKER) == {
        "currentCookingMode": "NONE",
        "currentFoodPreset": "NONE",
        "currentFoodQuantity": None,
        "currentFoodUnit": None,
    }
    assert execute("Cook", {"start": False}, {"currentCookingMode": "BLEND"}, BLENDER) == {
        "currentCookingMode": "NONE"
    }


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": True, "cookingMode": "BAKE"}, "notSupported"),
        ({"start": True, "foodPreset": "pasta"}, "unknownFoodPreset"),
        (
            {"start": True, "foodPreset": "brown_rice", "quantity": 2, "unit": "NO_UNITS"},
            "notSupported",
        ),
        ({"start": True, "quantity": 2, "unit": "SCOOPS"}, "notSupported"),
        ({}, "valueOutOfRange"),
        ({"start": "yes"}, "valueOutOfRange"),
        ({"start": True, "quantity": 0}, "valueOutOfRange"),
        ({"start": True, "quantity": "2"}, "valueOutOfRange"),
        ({"start": True, "foodPreset": "white_rice", "unit": "CUPS"}, "valueOutOfRange"),
        ({"start": True, "cookingMode": 3}, "valueOutOfRange"),
    ],
)
def test_errors(params: dict, code: str) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("Cook", params, IDLE, COOKER)
    assert raised.value.code == code


def test_query_leaves_cleared_states_out() -> None:
    trait = TRAITS["action.devices.traits.Cook"]
    assert trait.query_states(COOKER, {**COOKING, "on": True}) == COOKING
    cleared = {**IDLE, "currentFoodQuantity": None, "currentFoodUnit": None}
    assert trait.query_states(COOKER, cleared) == IDLE
