"""Cook: https://developers.home.google.com/cloud-to-cloud/traits/cook

Cooking time and temperature are not this trait's (Timer and TemperatureControl are).
``currentFoodQuantity`` and ``currentFoodUnit`` exist only while cooking with a quantity, so a
handler clears them (patch to ``None``) and QUERY leaves them out (``ClearableTrait``).

Where Google is silent:

- ``cookingMode`` must be one of ``supportedCookingModes`` and ``unit`` one of the preset's
  ``supported_units`` (``notSupported`` otherwise); an undeclared ``foodPreset`` answers
  ``unknownFoodPreset``; ``quantity`` must be above 0 and ``unit`` needs ``quantity``.
- Starting without ``cookingMode`` picks the only supported mode, else keeps the current one
  (the device chooses): no mode is guessed.
- Starting without ``foodPreset`` reports ``currentFoodPreset`` as ``NONE`` on a device that
  declares presets. Stopping sets mode and preset to ``NONE``, Google's value for "nothing".
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States
from functions.devices.traits.fields import Fields
from functions.devices.traits.light_effects import ClearableTrait, cleared
from functions.devices.traits.modes import distinct, each, synonyms

NONE = "NONE"
QUANTITY = "currentFoodQuantity"
UNIT = "currentFoodUnit"
# fmt: off
COOKING_MODES = frozenset((
    "UNKNOWN_COOKING_MODE", "BAKE", "BEAT", "BLEND", "BOIL", "BREW", "BROIL", "CONVECTION_BAKE",
    "COOK", "DEFROST", "DEHYDRATE", "FERMENT", "FRY", "GRILL", "KNEAD", "MICROWAVE", "MIX",
    "PRESSURE_COOK", "PUREE", "ROAST", "SAUTE", "SLOW_COOK", "SOUS_VIDE", "STEAM", "STEW",
    "STIR", "WARM", "WHIP",
))
# fmt: on
# fmt: off
UNITS = frozenset((
    "UNKNOWN_UNITS", "NO_UNITS", "CENTIMETERS", "CUPS", "DECILITERS", "FEET", "FLUID_OUNCES",
    "GALLONS", "GRAMS", "INCHES", "KILOGRAMS", "LITERS", "METERS", "MILLIGRAMS", "MILLILITERS",
    "MILLIMETERS", "OUNCES", "PINCH", "PINTS", "PORTION", "POUNDS", "QUARTS", "TABLESPOONS",
    "TEASPOONS",
))
# fmt: on


def _enum_list(fields: Fields, key: str, allowed: frozenset[str], required: bool) -> None:
    values = fields.strings(key, required=required, min_items=1) or []
    unknown = sorted(set(values) - allowed)
    if unknown:
        fields.error(f"{key}: unknown value(s) {unknown}")
    if len(set(values)) != len(values):
        fields.error(f"{key} lists a value twice")


def validate(attributes: Fields) -> None:
    _enum_list(attributes, "supportedCookingModes", COOKING_MODES, required=True)
    if "foodPresets" not in attributes:
        return
    presets = each(attributes, "foodPresets")
    names = [preset.string("food_preset_name", required=True) for preset in presets]
    distinct(attributes, "foodPresets", names)
    for preset in presets:
        _enum_list(preset, "supported_units", UNITS, required=True)
        synonyms(preset, "food_synonyms", "synonym")


def _presets(attributes: Mapping[str, Any]) -> dict[str, list[str]]:
    """food_preset_name -> its supported_units."""
    return {
        preset["food_preset_name"]: list(preset["supported_units"])
        for preset in attributes.get("foodPresets") or []
    }


def _mode(attributes: Mapping[str, Any], params: Fields) -> str | None:
    supported = list(attributes.get("supportedCookingModes") or [])
    mode = params.string("cookingMode")
    if mode is None:
        return supported[0] if len(supported) == 1 else None
    if mode not in supported:
        raise SmartHomeError("notSupported", f"cookingMode {mode!r} is not supported")
    return str(mode)


def cook(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Start cooking (mode, preset, quantity) or stop the current cooking."""
    start = params.boolean("start", required=True)
    presets = _presets(attributes)
    if not start:
        patch: Patch = {"currentCookingMode": NONE}
        if presets:
            patch["currentFoodPreset"] = NONE
        return {**patch, **cleared(states, QUANTITY, UNIT)}
    mode = _mode(attributes, params)
    preset = params.string("foodPreset")
    quantity = params.number("quantity")
    unit = params.string("unit")
    if preset is not None and preset not in presets:
        raise SmartHomeError("unknownFoodPreset", f"foodPreset {preset!r} is not declared")
    if quantity is not None and quantity <= 0:
        params.error("quantity must be above 0")
    if unit is not None and quantity is None:
        params.error("unit needs quantity")
    units = presets[preset] if preset is not None else UNITS
    if unit is not None and unit not in units:
        raise SmartHomeError("notSupported", f"unit {unit!r} is not supported here")
    patch = cleared(states, QUANTITY, UNIT)
    if quantity is not None:
        patch[QUANTITY] = quantity
    if unit is not None:
        patch[UNIT] = unit
    if mode is not None:
        patch["currentCookingMode"] = mode
    if presets:
        patch["currentFoodPreset"] = preset if preset is not None else NONE
    return patch


TRAIT = ClearableTrait(
    name=TRAIT_PREFIX + "Cook",
    states=("currentCookingMode", "currentFoodPreset", QUANTITY, UNIT),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + "Cook": cook},
)
