import copy
from typing import Any

import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Golden SYNC attributes from https://developers.home.google.com/cloud-to-cloud/traits/toggles
ATTRIBUTES = {
    "availableToggles": [
        {
            "name": "sterilization_toggle",
            "name_values": [{"name_synonym": ["Clean", "Bio clean"], "lang": "en"}],
        },
        {
            "name": "energysaving_toggle",
            "name_values": [{"name_synonym": ["Energy saving", "Eco"], "lang": "en"}],
        },
    ]
}
COMMAND_ONLY = {
    "availableToggles": [
        {
            "name": "filter_toggle",
            "name_values": [{"name_synonym": ["Filtered", "Filter"], "lang": "en"}],
        }
    ],
    "commandOnlyToggles": True,
}


def test_set_toggles_merges_the_whole_map() -> None:
    states = {"currentToggleSettings": {"sterilization_toggle": False, "energysaving_toggle": True}}
    params = {"updateToggleSettings": {"sterilization_toggle": True}}
    assert execute("SetToggles", params, states, ATTRIBUTES) == {
        "currentToggleSettings": {"sterilization_toggle": True, "energysaving_toggle": True}
    }
    assert states["currentToggleSettings"]["sterilization_toggle"] is False


def test_set_toggles_without_prior_state() -> None:
    params = {"updateToggleSettings": {"energysaving_toggle": False}}
    assert execute("SetToggles", params, {}, ATTRIBUTES) == {
        "currentToggleSettings": {"energysaving_toggle": False}
    }


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"updateToggleSettings": {}},
        {"updateToggleSettings": "sterilization_toggle"},
        {"updateToggleSettings": {"sterilization_toggle": "on"}},
        {"updateToggleSettings": {"sterilization_toggle": 1}},
    ],
)
def test_bad_params(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("SetToggles", params, {}, ATTRIBUTES)
    assert raised.value.code == "valueOutOfRange"


def test_unknown_toggle() -> None:
    params = {"updateToggleSettings": {"sterilization_toggle": True, "turbo": True}}
    with pytest.raises(SmartHomeError) as raised:
        execute("SetToggles", params, {}, ATTRIBUTES)
    assert raised.value.code == "functionNotSupported"


def test_valid_attributes() -> None:
    validate("Toggles", ATTRIBUTES)
    validate("Toggles", COMMAND_ONLY)


DELETE = object()


def _broken(path: tuple, value: object) -> Any:
    """ATTRIBUTES with the value at ``path`` replaced (or deleted)."""
    attributes: Any = copy.deepcopy(ATTRIBUTES)
    parent = attributes
    for key in path[:-1]:
        parent = parent[key]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return attributes


TOGGLE = ("availableToggles", 0)
FIRST = ATTRIBUTES["availableToggles"][0]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("availableToggles",), [], "attributes.availableToggles must be a list of at least 1"),
        (("availableToggles",), ["eco"], "availableToggles must be a list of objects"),
        ((*TOGGLE, "name"), DELETE, r"availableToggles\[0\]\.name is required"),
        ((*TOGGLE, "name"), "", r"availableToggles\[0\]\.name must be a non-empty string"),
        (("availableToggles",), [FIRST, FIRST], "availableToggles repeats a name"),
        ((*TOGGLE, "name_values"), DELETE, r"availableToggles\[0\]\.name_values is required"),
        ((*TOGGLE, "name_values", 0, "name_synonym"), DELETE, r"\.name_synonym is required"),
        ((*TOGGLE, "name_values", 0, "lang"), "de", r"name_values needs an entry with lang 'en'"),
        (("queryOnlyToggles",), "true", "queryOnlyToggles must be a boolean"),
    ],
)
def test_invalid_attributes(path: tuple, value: object, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("Toggles", _broken(path, value))


def test_command_and_query_only() -> None:
    with pytest.raises(InvalidDevice, match="cannot both be true"):
        validate("Toggles", {**ATTRIBUTES, "commandOnlyToggles": True, "queryOnlyToggles": True})


def test_query_states_and_flags() -> None:
    trait = TRAITS["action.devices.traits.Toggles"]
    states = {"currentToggleSettings": {"filter_toggle": True}, "on": True}
    assert trait.query_states({}, states) == {"currentToggleSettings": {"filter_toggle": True}}
    assert trait.query_states(COMMAND_ONLY, states) == {}
    assert not trait.accepts_commands({"queryOnlyToggles": True})
