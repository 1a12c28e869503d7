"""Brightness: https://developers.home.google.com/cloud-to-cloud/traits/brightness

A relative step on a command-only light (or one whose brightness is unknown) changes no state.

``brightness`` is a percentage 0-100. BrightnessRelative is documented as sent only to
command-only devices (Google computes an absolute target for two-way ones): there it returns an
empty patch (SUCCESS) instead of inventing a level, and the step reaches the device backend
through the command record. On a two-way device with a known level it is applied and clamped.
``brightnessRelativePercent`` is documented 0-100; a negative value is read as "dimmer".
``brightnessRelativeWeight`` (-5..5, "a little" .. "a lot") is 10 points per unit (Google gives
no scale). Google's automation reference says brightness 0 turns the device off; keeping ``on``
in step is left to the device backend (a handler only patches its own trait's states).
"""

from collections.abc import Mapping
from typing import Any

from functions.devices.traits.base import (
    COMMAND_PREFIX,
    TRAIT_PREFIX,
    Patch,
    States,
    Trait,
    current_number,
)
from functions.devices.traits.fields import Fields

COMMAND_ONLY = "commandOnlyBrightness"
RELATIVE_WEIGHT_STEP = 10  # percent per unit of brightnessRelativeWeight ("a little brighter")


def validate(attributes: Fields) -> None:
    attributes.boolean(COMMAND_ONLY)


def absolute(_attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    return {"brightness": params.integer("brightness", required=True, low=0, high=100)}


def relative(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Relative change: ``brightnessRelativePercent`` wins; else ``brightnessRelativeWeight``."""
    percent = params.integer("brightnessRelativePercent", low=-100, high=100)
    weight = params.integer("brightnessRelativeWeight", low=-5, high=5)
    if percent is None and weight is None:
        params.error("brightnessRelativePercent or brightnessRelativeWeight is required")
    delta = percent if percent is not None else weight * RELATIVE_WEIGHT_STEP
    current = current_number(attributes, states, "brightness", COMMAND_ONLY)
    if current is None:
        return {}
    return {"brightness": max(0, min(100, round(current + delta)))}


TRAIT = Trait(
    name=TRAIT_PREFIX + "Brightness",
    states=("brightness",),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "BrightnessAbsolute": absolute,
        COMMAND_PREFIX + "BrightnessRelative": relative,
    },
    command_only_attribute=COMMAND_ONLY,
)
