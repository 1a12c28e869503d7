import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# SYNC and QUERY examples from https://developers.google.com/assistant/smarthome/traits/appselector?hl=zh-cn
# (read through the trait fact sheet): the page spells the key "youtube" in SYNC, "YouTube" after.
APPS = {
    "availableApplications": [
        {
            "key": "youtube",
            "names": [{"name_synonym": ["YouTube", "YouTube app"], "lang": "en"}],
        },
        {"key": "netflix", "names": [{"name_synonym": ["Netflix"], "lang": "en"}]},
    ]
}
QUERY = {"currentApplication": "YouTube"}
APPS_DE = {"name_synonym": ["Meine App"], "lang": "de"}


def test_valid_attributes() -> None:
    validate("AppSelector", APPS)
    validate("AppSelector", {"availableApplications": [{"key": "a", "names": [APPS_DE]}]})


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({}, "availableApplications is required"),
        ({"availableApplications": []}, "availableApplications must be a list of at least 1"),
        ({"availableApplications": ["youtube"]}, "must be a list of objects"),
        ({"availableApplications": [{"names": [APPS_DE]}]}, r"\[0\]\.key is required"),
        ({"availableApplications": [{"key": "a"}]}, r"\[0\]\.names is required"),
        (
            {"availableApplications": [{"key": "a", "names": [{"lang": "en"}]}]},
            "name_synonym is required",
        ),
        (
            {"availableApplications": [{"key": "a", "names": [{"name_synonym": ["A"]}]}]},
            r"names\[0\]\.lang is required",
        ),
        (
            {
                "availableApplications": [
                    {"key": "a", "names": [{"name_synonym": [], "lang": "en"}]}
                ]
            },
            "name_synonym must be a list of at least 1",
        ),
        (
            {"availableApplications": [APPS["availableApplications"][0]] * 2},
            "availableApplications repeats a name",
        ),
    ],
)
def test_invalid_attributes(attributes: dict, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("AppSelector", attributes)


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"newApplication": "netflix"}, "netflix"),
        ({"newApplication": "YouTube"}, "youtube"),  # the page's own casing
        ({"newApplicationName": "youtube app"}, "youtube"),
        ({"newApplicationName": "Netflix"}, "netflix"),
        ({"newApplication": "unknown", "newApplicationName": "Netflix"}, "netflix"),
    ],
)
def test_app_select(params: dict, key: str) -> None:
    assert execute("appSelect", params, QUERY, APPS) == {"currentApplication": key}


@pytest.mark.parametrize("params", [{"newApplication": "hulu"}, {"newApplicationName": "Hulu"}])
def test_app_select_unknown_app(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("appSelect", params, QUERY, APPS)
    assert raised.value.code == "noAvailableApp"


@pytest.mark.parametrize("command", ["appInstall", "appSearch"])
def test_install_and_search_change_no_state(command: str) -> None:
    assert execute(command, {"newApplication": "hulu"}, QUERY, APPS) == {}
    assert execute(command, {"newApplicationName": "YouTube"}, QUERY, APPS) == {}


@pytest.mark.parametrize("command", ["appInstall", "appSearch", "appSelect"])
@pytest.mark.parametrize(
    "params", [{}, {"newApplication": ""}, {"newApplication": 3}, {"newApplicationName": ["a"]}]
)
def test_bad_params(command: str, params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute(command, params, QUERY, APPS)
    assert raised.value.code == "valueOutOfRange"


def test_query_states() -> None:
    trait = TRAITS["action.devices.traits.AppSelector"]
    assert trait.query_states(APPS, {**QUERY, "on": True}) == QUERY
    assert trait.accepts_commands(APPS)
