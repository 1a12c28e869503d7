"""LightEffects: https://developers.home.google.com/cloud-to-cloud/traits/lighteffects

Google's page reports no active effect as ``{}``: ``activeLightEffect`` is left out. A handler
clears a state by patching it to ``None``; ``ClearableTrait`` leaves such keys out of QUERY.

Where Google is silent:

- ColorLoop, Sleep and Wake need their effect in ``supportedEffects``
  (``functionNotSupported`` otherwise). A ``duration`` under 300 s answers
  ``belowMinimumLightEffectsDuration`` and one over 3600 s (one hour)
  ``aboveMaximumLightEffectsDuration``; Google's schema gives that range for all three.
- ``lightEffectEndUnixTimestampSec`` needs the clock, which a handler never reads: starting an
  effect clears a stored one, and the device backend reports the real end time.
- StopEffect clears both states, even when no effect is known to run.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import (
    COMMAND_PREFIX,
    TRAIT_PREFIX,
    Handler,
    Patch,
    States,
    Trait,
)
from functions.devices.traits.fields import Fields

EFFECTS = ("colorLoop", "sleep", "wake")
MIN_DURATION = 300
MAX_DURATION = 3600
ACTIVE = "activeLightEffect"
END = "lightEffectEndUnixTimestampSec"


class ClearableTrait(Trait):
    """A trait whose handlers clear a state by patching it to None: QUERY leaves it out."""

    def query_states(self, attributes: Mapping[str, Any], states: States) -> dict[str, Any]:
        found = super().query_states(attributes, states)
        return {key: value for key, value in found.items() if value is not None}


def cleared(states: States, *keys: str) -> Patch:
    """The patch clearing those of ``keys`` the states hold."""
    return {key: None for key in keys if states.get(key) is not None}


def validate(attributes: Fields) -> None:
    effects = attributes.strings("supportedEffects", required=True, min_items=1) or []
    unknown = sorted(set(effects) - set(EFFECTS))
    if unknown:
        attributes.error(f"supportedEffects: unknown effect(s) {unknown}")
    attributes.integer("defaultColorLoopDuration", low=1)
    attributes.integer("defaultSleepDuration", low=MIN_DURATION, high=MAX_DURATION)
    attributes.integer("defaultWakeDuration", low=MIN_DURATION, high=MAX_DURATION)


def _start(effect: str) -> Handler:
    def handler(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
        if effect not in (attributes.get("supportedEffects") or []):
            raise SmartHomeError("functionNotSupported", f"the device has no {effect} effect")
        duration = params.integer("duration")
        if duration is not None and duration < MIN_DURATION:
            raise SmartHomeError("belowMinimumLightEffectsDuration", f"duration={duration}")
        if duration is not None and duration > MAX_DURATION:
            raise SmartHomeError("aboveMaximumLightEffectsDuration", f"duration={duration}")
        return {"activeLightEffect": effect, **cleared(states, END)}

    handler.__doc__ = f"Start the {effect} effect."
    return handler


def stop_effect(_attributes: Mapping[str, Any], states: States, _params: Fields) -> Patch:
    """Stop the running effect."""
    return cleared(states, ACTIVE, END)


TRAIT = ClearableTrait(
    name=TRAIT_PREFIX + "LightEffects",
    states=(ACTIVE, END),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "ColorLoop": _start("colorLoop"),
        COMMAND_PREFIX + "Sleep": _start("sleep"),
        COMMAND_PREFIX + "Wake": _start("wake"),
        COMMAND_PREFIX + "StopEffect": stop_effect,
    },
)
