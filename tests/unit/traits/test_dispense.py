import copy

import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Attribute shape from https://developers.home.google.com/cloud-to-cloud/traits/dispense?hl=zh-cn;
# params ("Give me 1 cup of water", "Fill the cat water bowl", "Dispense water") and QUERY
# states ("How much water is remaining in my water cooler?") from Google's Dispense schema.
WATER = {
    "item_name": "water",
    "item_name_synonyms": [{"synonyms": ["Water"], "lang": "en"}],
    "supported_units": ["CUPS", "GALLONS", "LITERS"],
    "default_portion": {"amount": 2, "unit": "CUPS"},
}
TREATS = {
    "item_name": "dog treats",
    "item_name_synonyms": [{"synonyms": ["dog treats", "dog treat"], "lang": "en"}],
    "supported_units": ["NO_UNITS"],
    "default_portion": {"amount": 1, "unit": "NO_UNITS"},
}
PRESETS = [
    {"preset_name": "cat_bowl", "preset_name_synonyms": [{"synonyms": ["cat bowl"], "lang": "en"}]}
]
FAUCET = {"supportedDispenseItems": [WATER], "supportedDispensePresets": PRESETS}
FEEDER = {"supportedDispenseItems": [WATER, TREATS]}
COOLER = {
    "dispenseItems": [
        {
            "itemName": "water",
            "amountRemaining": {"amount": 6.2, "unit": "GALLONS"},
            "amountLastDispensed": {"amount": 1, "unit": "CUPS"},
            "isCurrentlyDispensing": False,
        }
    ]
}


@pytest.mark.parametrize("attributes", [FAUCET, FEEDER, {"supportedDispensePresets": PRESETS}])
def test_valid_attributes(attributes: dict) -> None:
    validate("Dispense", attributes)


def _broken(path: tuple, value: object) -> dict:
    attributes = copy.deepcopy(FAUCET)
    parent: dict = attributes
    for key in path[:-1]:
        parent = parent[key]
    if value is None:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return attributes


ITEM = ("supportedDispenseItems", 0)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ((*ITEM, "item_name"), None, "item_name is required"),
        ((*ITEM, "item_name_synonyms"), None, "item_name_synonyms is required"),
        ((*ITEM, "item_name_synonyms", 0, "lang"), "de", "needs an entry with lang 'en'"),
        ((*ITEM, "supported_units"), None, "supported_units is required"),
        ((*ITEM, "supported_units"), ["CUPS", "BUCKETS"], r"unknown unit\(s\) \['BUCKETS'\]"),
        ((*ITEM, "default_portion"), None, "default_portion is required"),
        ((*ITEM, "default_portion", "amount"), 1.5, "amount must be an integer"),
        ((*ITEM, "default_portion", "amount"), 0, "outside"),
        ((*ITEM, "default_portion", "unit"), "PINTS", "unit must be one of the item's"),
        (("supportedDispenseItems",), [WATER, WATER], "supportedDispenseItems repeats a name"),
        (("supportedDispensePresets", 0, "preset_name"), None, "preset_name is required"),
        (("supportedDispensePresets", 0, "preset_name_synonyms"), None, "is required"),
    ],
)
def test_invalid_attributes(path: tuple, value: object, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("Dispense", _broken(path, value))


def test_nothing_to_dispense_is_invalid() -> None:
    with pytest.raises(InvalidDevice, match="supportedDispenseItems or supportedDispensePresets"):
        validate("Dispense", {})


def test_dispense_an_amount() -> None:
    params = {"amount": 1.0, "unit": "GALLONS", "item": "water"}
    patch = execute("Dispense", params, COOLER, FAUCET)
    [entry] = patch["dispenseItems"]
    assert entry["isCurrentlyDispensing"] is True
    assert entry["amountRemaining"] == {"amount": pytest.approx(5.2), "unit": "GALLONS"}
    assert entry["amountLastDispensed"] == {"amount": 1, "unit": "CUPS"}
    assert COOLER["dispenseItems"][0]["isCurrentlyDispensing"] is False  # input untouched


def test_dispense_in_another_unit_keeps_the_remaining_amount() -> None:
    patch = execute("Dispense", {"amount": 1.0, "unit": "CUPS", "item": "water"}, COOLER, FAUCET)
    assert patch["dispenseItems"][0]["amountRemaining"] == {"amount": 6.2, "unit": "GALLONS"}


def test_dispense_the_default_portion_without_state() -> None:
    assert execute("Dispense", {}, {}, FAUCET) == {
        "dispenseItems": [{"itemName": "water", "isCurrentlyDispensing": True}]
    }


def test_amount_without_item_on_a_single_item_device() -> None:
    patch = execute("Dispense", {"amount": 2, "unit": "CUPS"}, {}, FAUCET)
    assert patch["dispenseItems"][0]["itemName"] == "water"


def test_dispense_a_preset_changes_no_state() -> None:
    assert execute("Dispense", {"presetName": "cat_bowl"}, COOLER, FAUCET) == {}


def test_whole_treats() -> None:
    states = {
        "dispenseItems": [
            {"itemName": "dog treats", "amountRemaining": {"amount": 83, "unit": "NO_UNITS"}}
        ]
    }
    patch = execute(
        "Dispense", {"item": "dog treats", "amount": 2, "unit": "NO_UNITS"}, states, FEEDER
    )
    assert patch == {
        "dispenseItems": [
            {
                "itemName": "dog treats",
                "amountRemaining": {"amount": 81, "unit": "NO_UNITS"},
                "isCurrentlyDispensing": True,
            }
        ]
    }


DISPENSING = {"dispenseItems": [{"itemName": "water", "isCurrentlyDispensing": True}]}
LOW = {"dispenseItems": [{"itemName": "water", "amountRemaining": {"amount": 1, "unit": "CUPS"}}]}


@pytest.mark.parametrize(
    ("params", "states", "attributes", "code"),
    [
        ({}, {}, FEEDER, "genericDispenseNotSupported"),
        ({"amount": 1, "unit": "CUPS"}, {}, FEEDER, "genericDispenseNotSupported"),
        ({}, {}, {"supportedDispensePresets": PRESETS}, "genericDispenseNotSupported"),
        ({"item": "juice", "amount": 1, "unit": "CUPS"}, {}, FAUCET, "notSupported"),
        ({"presetName": "dog_bowl"}, {}, FAUCET, "notSupported"),
        ({"item": "water", "amount": 1, "unit": "GRAMS"}, {}, FAUCET, "dispenseUnitNotSupported"),
        ({"item": "water", "amount": 0, "unit": "CUPS"}, {}, FAUCET, "dispenseAmountBelowLimit"),
        ({"item": "water", "amount": -1, "unit": "CUPS"}, {}, FAUCET, "dispenseAmountBelowLimit"),
        (
            {"item": "dog treats", "amount": 1.5, "unit": "NO_UNITS"},
            {},
            FEEDER,
            "dispenseFractionalAmountNotSupported",
        ),
        ({"amount": 2, "unit": "CUPS"}, LOW, FAUCET, "dispenseAmountRemainingExceeded"),
        ({"amount": 1, "unit": "CUPS"}, DISPENSING, FAUCET, "deviceCurrentlyDispensing"),
        ({"presetName": "cat_bowl"}, DISPENSING, FAUCET, "deviceCurrentlyDispensing"),
        ({}, DISPENSING, FAUCET, "deviceCurrentlyDispensing"),
        ({"presetName": "cat_bowl", "amount": 1, "unit": "CUPS"}, {}, FAUCET, "valueOutOfRange"),
        ({"item": "water"}, {}, FAUCET, "valueOutOfRange"),
        ({"amount": 1}, {}, FAUCET, "valueOutOfRange"),
        ({"unit": "CUPS"}, {}, FAUCET, "valueOutOfRange"),
        ({"amount": "1", "unit": "CUPS"}, {}, FAUCET, "valueOutOfRange"),
        ({"presetName": 3}, {}, FAUCET, "valueOutOfRange"),
    ],
)
def test_errors(params: dict, states: dict, attributes: dict, code: str) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("Dispense", params, states, attributes)
    assert raised.value.code == code


def test_exactly_remaining_is_allowed() -> None:
    patch = execute("Dispense", {"amount": 1, "unit": "CUPS"}, LOW, FAUCET)
    assert patch["dispenseItems"][0]["amountRemaining"] == {"amount": 0, "unit": "CUPS"}


def test_query_states() -> None:
    trait = TRAITS["action.devices.traits.Dispense"]
    assert trait.query_states(FAUCET, {**COOLER, "on": True}) == COOLER
