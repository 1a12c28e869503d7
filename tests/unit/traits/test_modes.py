import copy
from typing import Any

import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate


def _setting(name: str, *words: str) -> dict:
    values = [{"setting_synonym": list(words), "lang": "en"}]
    return {"setting_name": name, "setting_values": values}


# Shapes as documented on https://developers.home.google.com/cloud-to-cloud/traits/modes
LOAD: dict[str, Any] = {
    "name": "load",
    "name_values": [
        {"name_synonym": ["load", "size", "load size"], "lang": "en"},
        {"name_synonym": ["Beladung"], "lang": "de"},
    ],
    "settings": [_setting("small", "small", "half"), _setting("large", "large", "full")],
    "ordered": True,
}
TEMPERATURE = {
    "name": "temperature",
    "name_values": [{"name_synonym": ["temperature"], "lang": "en"}],
    "settings": [_setting("cold", "cold"), _setting("warm", "warm"), _setting("hot", "hot")],
}
ATTRIBUTES = {"availableModes": [LOAD, TEMPERATURE]}


def test_set_modes_merges_the_whole_map() -> None:
    states = {"currentModeSettings": {"load": "small", "temperature": "cold"}}
    patch = execute("SetModes", {"updateModeSettings": {"load": "large"}}, states, ATTRIBUTES)
    assert patch == {"currentModeSettings": {"load": "large", "temperature": "cold"}}
    assert states == {"currentModeSettings": {"load": "small", "temperature": "cold"}}


def test_set_several_modes_without_prior_state() -> None:
    update = {"load": "small", "temperature": "hot"}
    patch = execute("SetModes", {"updateModeSettings": update}, {}, ATTRIBUTES)
    assert patch == {"currentModeSettings": {"load": "small", "temperature": "hot"}}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"updateModeSettings": None},
        {"updateModeSettings": {}},
        {"updateModeSettings": "load"},
        {"updateModeSettings": ["load", "large"]},
        {"updateModeSettings": {"load": 2}},
        {"updateModeSettings": {"load": ["large"]}},
    ],
)
def test_bad_params(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("SetModes", params, {}, ATTRIBUTES)
    assert raised.value.code == "valueOutOfRange"


@pytest.mark.parametrize(
    "update",
    [{"spin": "fast"}, {"load": "medium"}, {"load": "large", "temperature": "boiling"}],
)
def test_unknown_mode_or_setting(update: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("SetModes", {"updateModeSettings": update}, {}, ATTRIBUTES)
    assert raised.value.code == "notSupported"


def test_valid_attributes() -> None:
    validate("Modes", ATTRIBUTES)
    validate("Modes", {"availableModes": [TEMPERATURE], "commandOnlyModes": True})
    validate("Modes", {"availableModes": [TEMPERATURE], "queryOnlyModes": True})


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


MODE = ("availableModes", 0)
NAMES = (*MODE, "name_values", 0)
SETTING = (*MODE, "settings", 0)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("availableModes",), [], "attributes.availableModes must be a list of at least 1"),
        (("availableModes",), ["load"], "availableModes must be a list of objects"),
        ((*MODE, "name"), DELETE, r"availableModes\[0\]\.name is required"),
        (("availableModes",), [LOAD, LOAD], "availableModes repeats a name"),
        ((*MODE, "name_values"), DELETE, r"availableModes\[0\]\.name_values is required"),
        ((*NAMES, "name_synonym"), [], r"\[0\]\.name_values\[0\]\.name_synonym must be a list"),
        ((*NAMES, "name_synonym"), [3], "name_synonym must be a list of non-empty strings"),
        ((*NAMES, "lang"), DELETE, r"name_values\[0\]\.lang is required"),
        (
            (*MODE, "name_values"),
            LOAD["name_values"][1:],
            r"name_values needs an entry with lang 'en'",
        ),
        (
            (*MODE, "settings"),
            LOAD["settings"][:1],
            r"\[0\]\.settings must be a list of at least 2",
        ),
        ((*SETTING, "setting_name"), DELETE, r"settings\[0\]\.setting_name is required"),
        ((*SETTING, "setting_name"), "large", r"availableModes\[0\]\.settings repeats a name"),
        ((*SETTING, "setting_values"), DELETE, r"settings\[0\]\.setting_values is required"),
        ((*MODE, "ordered"), "yes", r"\[0\]\.ordered must be a boolean"),
        (("commandOnlyModes",), 1, "commandOnlyModes must be a boolean"),
    ],
)
def test_invalid_attributes(path: tuple, value: object, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("Modes", _broken(path, value))


def test_command_and_query_only() -> None:
    with pytest.raises(InvalidDevice, match="cannot both be true"):
        validate("Modes", {**ATTRIBUTES, "commandOnlyModes": True, "queryOnlyModes": True})


def test_missing_available_modes() -> None:
    with pytest.raises(InvalidDevice, match="availableModes is required"):
        validate("Modes", {})


def test_query_states_and_flags() -> None:
    trait = TRAITS["action.devices.traits.Modes"]
    states = {"currentModeSettings": {"load": "large"}, "on": True}
    assert trait.query_states({}, states) == {"currentModeSettings": {"load": "large"}}
    assert trait.query_states({"commandOnlyModes": True}, states) == {}
    assert not trait.accepts_commands({"queryOnlyModes": True})


def _french(name: str, word: str) -> dict:
    return {"setting_name": name, "setting_values": [{"setting_synonym": [word], "lang": "fr"}]}


def test_settings_named_in_other_languages_only_are_valid() -> None:
    # The page asks for an ``en`` entry among a mode's name_values (language fallback), nothing
    # of setting_values: a washer with French-only settings stays in SYNC.
    mode = {**LOAD, "settings": [_french("small", "petite"), _french("large", "grande")]}
    validate("Modes", {"availableModes": [mode]})
    patch = execute(
        "SetModes", {"updateModeSettings": {"load": "large"}}, {}, {"availableModes": [mode]}
    )
    assert patch == {"currentModeSettings": {"load": "large"}}


def test_golden_state_and_command() -> None:
    # QUERY state and SetModes params as on https://developers.home.google.com/cloud-to-cloud/traits/modes
    # (examples read through the ?hl=ja copy of the page): load size set to large.
    trait = TRAITS["action.devices.traits.Modes"]
    assert trait.query_states(ATTRIBUTES, {"currentModeSettings": {"load": "large"}}) == {
        "currentModeSettings": {"load": "large"}
    }
    params = {"updateModeSettings": {"load": "large"}}
    assert execute("SetModes", params, {"currentModeSettings": {"load": "small"}}, ATTRIBUTES) == {
        "currentModeSettings": {"load": "large"}
    }


@pytest.mark.parametrize(
    ("update", "code"),
    [({"spin": "fast"}, "notSupported"), ({"load": "medium"}, "notSupported")],
)
def test_undeclared_mode_or_setting(update: dict, code: str) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("SetModes", {"updateModeSettings": update}, {}, ATTRIBUTES)
    assert raised.value.code == code
