"""EnergyStorage: https://developers.home.google.com/cloud-to-cloud/traits/energystorage

A query-only device (``queryOnlyEnergyStorage: true``) accepts no command; Charge also needs
``isRechargeable: true`` (``functionNotSupported`` otherwise). Charge sets ``isCharging``.

Where Google is silent: charging a device already charging (or stopping one that is not) is
not refused, and ``isPluggedIn: false`` does not block Charge; the device backend answers
battery and charger errors (``deviceUnplugged``, ``chargerIssue``, ...).
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields

DISTANCE_UNITS = ("KILOMETERS", "MILES")


def validate(attributes: Fields) -> None:
    attributes.boolean("queryOnlyEnergyStorage", required=True)
    attributes.string("energyStorageDistanceUnitForUX", choices=DISTANCE_UNITS)
    attributes.boolean("isRechargeable")


def charge(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Start or stop charging a rechargeable device."""
    start = params.boolean("charge", required=True)
    if attributes.get("isRechargeable") is not True:
        raise SmartHomeError("functionNotSupported", "the device is not rechargeable")
    return {"isCharging": start}


TRAIT = Trait(
    name=TRAIT_PREFIX + "EnergyStorage",
    states=(
        "descriptiveCapacityRemaining",
        "capacityRemaining",
        "capacityUntilFull",
        "isCharging",
        "isPluggedIn",
    ),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + "Charge": charge},
    query_only_attribute="queryOnlyEnergyStorage",
)
