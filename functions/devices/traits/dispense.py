"""Dispense: https://developers.home.google.com/cloud-to-cloud/traits/dispense

A command takes one of three forms: ``{amount, unit[, item]}``, ``{presetName}`` or ``{}``
(dispense the default portion).

Where Google is silent:

- A device declares ``supportedDispenseItems``, ``supportedDispensePresets`` or both.
- Without ``item`` (and in the ``{}`` form) the device's only item is meant; a device with
  several items (or none) answers ``genericDispenseNotSupported``. An undeclared item or preset
  answers ``notSupported``.
- ``dispenseUnitNotSupported`` for a unit the item does not list; ``dispenseAmountBelowLimit``
  for an amount of 0 or less; ``dispenseFractionalAmountNotSupported`` for a fraction of a
  ``NO_UNITS`` item (items counted whole); ``dispenseAmountRemainingExceeded`` when
  ``amountRemaining`` is known in the same unit and is smaller; ``deviceCurrentlyDispensing``
  while any item reports ``isCurrentlyDispensing``. No attribute gives a maximum, so
  ``dispenseAmountAboveLimit`` is the device backend's answer.
- The dispensed item reports ``isCurrentlyDispensing: true`` and, when its remaining amount is
  known in the same unit, the amount that will remain (as Google defines it while dispensing);
  ``amountLastDispensed`` keeps the earlier amount until the device backend reports the end.
  A preset changes no state: what it dispenses is the device's knowledge.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields
from functions.devices.traits.modes import distinct, each, synonyms

NO_UNITS = "NO_UNITS"
# fmt: off
UNITS = frozenset((
    "CENTIMETERS", "CUPS", "DECILITERS", "FLUID_OUNCES", "GALLONS", "GRAMS", "KILOGRAMS",
    "LITERS", "MILLIGRAMS", "MILLILITERS", "MILLIMETERS", "NO_UNITS", "OUNCES", "PINCH",
    "PINTS", "PORTION", "POUNDS", "QUARTS", "TABLESPOONS", "TEASPOONS",
))
# fmt: on


def _item(item: Fields) -> None:
    synonyms(item, "item_name_synonyms", "synonyms")
    units = item.strings("supported_units", required=True, min_items=1) or []
    unknown = sorted(set(units) - UNITS)
    if unknown:
        item.error(f"supported_units: unknown unit(s) {unknown}")
    portion = item.obj("default_portion", required=True)
    assert portion is not None
    portion.integer("amount", required=True, low=1)
    if portion.string("unit", required=True) not in units:
        portion.error("unit must be one of the item's supported_units")


def validate(attributes: Fields) -> None:
    if "supportedDispenseItems" not in attributes and "supportedDispensePresets" not in attributes:
        attributes.error("supportedDispenseItems or supportedDispensePresets is required")
    if "supportedDispenseItems" in attributes:
        items = each(attributes, "supportedDispenseItems")
        names = [item.string("item_name", required=True) for item in items]
        distinct(attributes, "supportedDispenseItems", names)
        for item in items:
            _item(item)
    if "supportedDispensePresets" in attributes:
        presets = each(attributes, "supportedDispensePresets")
        names = [preset.string("preset_name", required=True) for preset in presets]
        distinct(attributes, "supportedDispensePresets", names)
        for preset in presets:
            synonyms(preset, "preset_name_synonyms", "synonyms")


def _declared(attributes: Mapping[str, Any], name: str | None) -> Mapping[str, Any]:
    """The named item, or the only one when no name is given."""
    items = list(attributes.get("supportedDispenseItems") or [])
    if name is None:
        if len(items) != 1:
            raise SmartHomeError("genericDispenseNotSupported", "say which item to dispense")
        return dict(items[0])
    for item in items:
        if item["item_name"] == name:
            return dict(item)
    raise SmartHomeError("notSupported", f"item {name!r} is not declared")


def _entries(states: States) -> list[dict[str, Any]]:
    listed = states.get("dispenseItems")
    entries = listed if isinstance(listed, list) else []
    return [dict(entry) for entry in entries if isinstance(entry, Mapping)]


def _amount(attributes: Mapping[str, Any], params: Fields) -> tuple[Mapping[str, Any], Any, str]:
    """(item, amount, unit) of the amount form, or of the default portion for ``{}``."""
    item = _declared(attributes, params.string("item"))
    if "amount" not in params and "unit" not in params:
        if "item" in params:
            params.error("amount and unit are required with item")
        portion = item["default_portion"]
        return item, portion["amount"], portion["unit"]
    amount = params.number("amount", required=True)
    unit = params.string("unit", required=True)
    if unit not in item["supported_units"]:
        raise SmartHomeError("dispenseUnitNotSupported", f"{item['item_name']} is not in {unit}")
    if amount <= 0:
        raise SmartHomeError("dispenseAmountBelowLimit", f"amount={amount}")
    if unit == NO_UNITS and not float(amount).is_integer():
        raise SmartHomeError("dispenseFractionalAmountNotSupported", f"amount={amount}")
    return item, amount, unit


def _preset(attributes: Mapping[str, Any], params: Fields, preset: str) -> None:
    if any(key in params for key in ("item", "amount", "unit")):
        params.error("presetName cannot be combined with item, amount or unit")
    declared = [p["preset_name"] for p in attributes.get("supportedDispensePresets") or []]
    if preset not in declared:
        raise SmartHomeError("notSupported", f"preset {preset!r} is not declared")


def _dispensing(entries: list[dict[str, Any]]) -> None:
    if any(entry.get("isCurrentlyDispensing") is True for entry in entries):
        raise SmartHomeError("deviceCurrentlyDispensing")


def dispense(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Dispense an amount of an item, a preset, or the default portion."""
    entries = _entries(states)
    preset = params.string("presetName")
    if preset is not None:
        _preset(attributes, params, preset)
        _dispensing(entries)
        return {}
    item, amount, unit = _amount(attributes, params)
    _dispensing(entries)
    name = item["item_name"]
    entry = next((e for e in entries if e.get("itemName") == name), None)
    if entry is None:
        entry = {"itemName": name}
        entries.append(entry)
    remaining = entry.get("amountRemaining")
    left = remaining.get("amount") if isinstance(remaining, Mapping) else None
    known = isinstance(left, int | float) and not isinstance(left, bool)
    if known and isinstance(remaining, Mapping) and remaining.get("unit") == unit:
        if amount > left:
            raise SmartHomeError("dispenseAmountRemainingExceeded", f"{left} {unit} left")
        entry["amountRemaining"] = {"amount": left - amount, "unit": unit}
    entry["isCurrentlyDispensing"] = True
    return {"dispenseItems": entries}


TRAIT = Trait(
    name=TRAIT_PREFIX + "Dispense",
    states=("dispenseItems",),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + "Dispense": dispense},
)
