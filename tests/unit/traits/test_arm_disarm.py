import copy

import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# SYNC, QUERY and param examples from
# https://developers.google.cn/assistant/smarthome/traits/armdisarm?hl=zh-cn (attributes, states)
# and Google's ArmDisarm params schema examples (arm, arm to L1, cancel).
LEVELS = {
    "availableArmLevels": {
        "levels": [
            {
                "level_name": "L1",
                "level_values": [
                    {"level_synonym": ["Home and Guarding", "SL1"], "lang": "en"},
                    {"level_synonym": ["Zuhause und Bewachen", "SL1"], "lang": "de"},
                ],
            },
            {
                "level_name": "L2",
                "level_values": [
                    {"level_synonym": ["Away and Guarding", "SL2"], "lang": "en"},
                    {"level_synonym": ["Weg und Bewachen", "SL2"], "lang": "de"},
                ],
            },
        ],
        "ordered": True,
    }
}
ARMED_L1 = {"isArmed": True, "currentArmLevel": "L1"}
DISARMED_L1 = {"isArmed": False, "currentArmLevel": "L1"}


def test_valid_attributes() -> None:
    validate("ArmDisarm", LEVELS)
    validate("ArmDisarm", {})


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


LEVEL = ("availableArmLevels", "levels", 0)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("availableArmLevels",), "L1", "availableArmLevels must be an object"),
        (("availableArmLevels", "levels"), None, "levels is required"),
        (("availableArmLevels", "levels"), [], "levels must be a list of at least 1"),
        (("availableArmLevels", "ordered"), None, "ordered is required"),
        (("availableArmLevels", "ordered"), "yes", "ordered must be a boolean"),
        ((*LEVEL, "level_name"), None, r"levels\[0\]\.level_name is required"),
        ((*LEVEL, "level_name"), "L2", "levels repeats a name"),
        ((*LEVEL, "level_values"), None, "level_values is required"),
        ((*LEVEL, "level_values", 0, "level_synonym"), [], "level_synonym must be a list"),
        ((*LEVEL, "level_values", 0, "lang"), "fr", "level_values needs an entry with lang 'en'"),
    ],
)
def test_invalid_attributes(path: tuple, value: object, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("ArmDisarm", _broken(path, value))


def test_arm_and_disarm_a_single_level_device() -> None:
    params = {"arm": True, "followUpToken": "123"}
    assert execute("ArmDisarm", params, {"isArmed": False}) == {"isArmed": True}
    assert execute("ArmDisarm", {"arm": False}, {"isArmed": True}) == {"isArmed": False}
    assert execute("ArmDisarm", {"arm": True}) == {"isArmed": True}


def test_arm_to_a_level() -> None:
    params = {"arm": True, "armLevel": "L1", "followUpToken": "456"}
    assert execute("ArmDisarm", params, DISARMED_L1, LEVELS) == {
        "isArmed": True,
        "currentArmLevel": "L1",
    }
    params = {"arm": True, "armLevel": "L2"}
    assert execute("ArmDisarm", params, ARMED_L1, LEVELS) == {
        "isArmed": True,
        "currentArmLevel": "L2",
    }


def test_arm_without_level_keeps_the_current_one() -> None:
    assert execute("ArmDisarm", {"arm": True}, DISARMED_L1, LEVELS) == {"isArmed": True}


def test_disarm_keeps_the_level() -> None:
    assert execute("ArmDisarm", {"arm": False}, ARMED_L1, LEVELS) == {"isArmed": False}


@pytest.mark.parametrize(("arm", "after"), [(True, False), (False, True)])
def test_cancel(arm: bool, after: bool) -> None:
    assert execute("ArmDisarm", {"arm": arm, "cancel": True}, ARMED_L1, LEVELS) == {
        "isArmed": after
    }


def test_cancel_false_is_a_plain_command() -> None:
    params = {"arm": True, "cancel": False}
    assert execute("ArmDisarm", params, DISARMED_L1, LEVELS) == {"isArmed": True}


@pytest.mark.parametrize(
    ("params", "states", "attributes", "code"),
    [
        ({"arm": True}, ARMED_L1, LEVELS, "alreadyArmed"),
        ({"arm": True, "armLevel": "L1"}, ARMED_L1, LEVELS, "alreadyArmed"),
        ({"arm": True}, {"isArmed": True}, {}, "alreadyArmed"),
        ({"arm": False}, DISARMED_L1, LEVELS, "alreadyDisarmed"),
        ({"arm": False}, {"isArmed": False}, {}, "alreadyDisarmed"),
        ({"arm": True, "armLevel": "L3"}, DISARMED_L1, LEVELS, "notSupported"),
        ({"arm": True, "armLevel": "L1"}, {"isArmed": False}, {}, "notSupported"),
        ({"arm": True}, {"isArmed": False}, LEVELS, "armLevelNeeded"),
        ({}, DISARMED_L1, LEVELS, "valueOutOfRange"),
        ({"arm": "true"}, DISARMED_L1, LEVELS, "valueOutOfRange"),
        ({"arm": True, "cancel": 1}, DISARMED_L1, LEVELS, "valueOutOfRange"),
        ({"arm": True, "armLevel": 1}, DISARMED_L1, LEVELS, "valueOutOfRange"),
        ({"arm": True, "cancel": True, "armLevel": "L1"}, ARMED_L1, LEVELS, "valueOutOfRange"),
        ({"arm": True, "followUpToken": 7}, DISARMED_L1, LEVELS, "valueOutOfRange"),
    ],
)
def test_errors(params: dict, states: dict, attributes: dict, code: str) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("ArmDisarm", params, states, attributes)
    assert raised.value.code == code


def test_query_states() -> None:
    trait = TRAITS["action.devices.traits.ArmDisarm"]
    states = {**ARMED_L1, "exitAllowance": 60, "on": True}
    assert trait.query_states(LEVELS, states) == {**ARMED_L1, "exitAllowance": 60}
    assert trait.query_states(LEVELS, ARMED_L1) == {"isArmed": True, "currentArmLevel": "L1"}
