import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Attributes from https://developers.home.google.com/cloud-to-cloud/traits/energystorage?hl=vi;
# the QUERY example from the CHARGER guide,
# https://developers.home.google.com/cloud-to-cloud/guides/charger?hl=zh-cn
CHARGER = {"queryOnlyEnergyStorage": False, "isRechargeable": True}
BATTERY = {"queryOnlyEnergyStorage": True, "energyStorageDistanceUnitForUX": "MILES"}
CHARGER_STATE = {
    "descriptiveCapacityRemaining": "MEDIUM",
    "capacityRemaining": [{"unit": "PERCENTAGE", "rawValue": 50}],
    "capacityUntilFull": [{"unit": "SECONDS", "rawValue": 3600}],
    "isCharging": True,
}


@pytest.mark.parametrize(
    "attributes",
    [
        CHARGER,
        BATTERY,
        {"queryOnlyEnergyStorage": False},
        {**CHARGER, "energyStorageDistanceUnitForUX": "KILOMETERS"},
    ],
)
def test_valid_attributes(attributes: dict) -> None:
    validate("EnergyStorage", attributes)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"isRechargeable": True}, "queryOnlyEnergyStorage is required"),
        ({"queryOnlyEnergyStorage": "false"}, "queryOnlyEnergyStorage must be a boolean"),
        ({**CHARGER, "energyStorageDistanceUnitForUX": "YARDS"}, "is not one of"),
        ({**CHARGER, "energyStorageDistanceUnitForUX": "miles"}, "is not one of"),
        ({**CHARGER, "isRechargeable": 1}, "isRechargeable must be a boolean"),
    ],
)
def test_invalid_attributes(attributes: dict, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("EnergyStorage", attributes)


@pytest.mark.parametrize("charge", [True, False])
def test_charge(charge: bool) -> None:
    assert execute("Charge", {"charge": charge}, CHARGER_STATE, CHARGER) == {"isCharging": charge}


@pytest.mark.parametrize(
    ("params", "attributes", "code"),
    [
        ({"charge": True}, {"queryOnlyEnergyStorage": False}, "functionNotSupported"),
        ({"charge": True}, {**CHARGER, "isRechargeable": False}, "functionNotSupported"),
        ({}, CHARGER, "valueOutOfRange"),
        ({"charge": "on"}, CHARGER, "valueOutOfRange"),
    ],
)
def test_errors(params: dict, attributes: dict, code: str) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("Charge", params, {}, attributes)
    assert raised.value.code == code


def test_query_states_and_query_only() -> None:
    trait = TRAITS["action.devices.traits.EnergyStorage"]
    assert trait.query_states(CHARGER, {**CHARGER_STATE, "on": True}) == CHARGER_STATE
    plugged = {"descriptiveCapacityRemaining": "FULL", "isPluggedIn": True}
    assert trait.query_states(BATTERY, plugged) == plugged
    assert not trait.accepts_commands(BATTERY)
    assert trait.accepts_commands(CHARGER)
