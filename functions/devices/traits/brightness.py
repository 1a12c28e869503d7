"""Brightness: https://developers.home.google.com/cloud-to-cloud/traits/brightness"""

from collections.abc import Mapping
from typing import Any

from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields

RELATIVE_WEIGHT_STEP = 10  # percent per unit of brightnessRelativeWeight ("a little brighter")


def validate(attributes: Fields) -> None:
    attributes.boolean("commandOnlyBrightness")


def absolute(_attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    return {"brightness": params.integer("brightness", required=True, low=0, high=100)}


def relative(_attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Relative change: ``brightnessRelativePercent`` wins; else ``brightnessRelativeWeight``."""
    percent = params.integer("brightnessRelativePercent", low=-100, high=100)
    weight = params.integer("brightnessRelativeWeight", low=-5, high=5)
    if percent is None and weight is None:
        params.error("brightnessRelativePercent or brightnessRelativeWeight is required")
    delta = percent if percent is not None else weight * RELATIVE_WEIGHT_STEP
    current = states.get("brightness", 0)
    return {"brightness": max(0, min(100, round(current + delta)))}


TRAIT = Trait(
    name=TRAIT_PREFIX + "Brightness",
    states=("brightness",),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "BrightnessAbsolute": absolute,
        COMMAND_PREFIX + "BrightnessRelative": relative,
    },
    command_only_attribute="commandOnlyBrightness",
)
