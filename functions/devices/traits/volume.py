"""Volume: https://developers.home.google.com/cloud-to-cloud/traits/volume"""

# ``currentVolume`` runs from 0 to ``volumeMaxLevel``; muting keeps it and sets ``isMuted``.

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields

DEFAULT_MAX_LEVEL = 100  # only for a document missing the required volumeMaxLevel


def validate(attributes: Fields) -> None:
    attributes.integer("volumeMaxLevel", required=True, low=1)
    attributes.boolean("volumeCanMuteAndUnmute", required=True)
    attributes.integer("volumeDefaultPercentage", low=0, high=100)
    attributes.integer("levelStepSize", low=1)
    attributes.boolean("commandOnlyVolume")


def _max(attributes: Mapping[str, Any]) -> Any:
    return attributes.get("volumeMaxLevel", DEFAULT_MAX_LEVEL)


def mute(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    if attributes.get("volumeCanMuteAndUnmute") is not True:
        raise SmartHomeError("notSupported", "device cannot mute and unmute")
    return {"isMuted": params.boolean("mute", required=True)}


def set_volume(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    level = params.integer("volumeLevel", required=True, low=0, high=_max(attributes))
    return {"currentVolume": level}


def volume_relative(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Move ``relativeSteps`` volume levels from the current one, clamped to [0, max]."""
    steps = params.integer("relativeSteps", required=True)
    current = states.get("currentVolume", 0)
    return {"currentVolume": max(0, min(_max(attributes), current + steps))}


TRAIT = Trait(
    name=TRAIT_PREFIX + "Volume",
    states=("currentVolume", "isMuted"),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "mute": mute,
        COMMAND_PREFIX + "setVolume": set_volume,
        COMMAND_PREFIX + "volumeRelative": volume_relative,
    },
    command_only_attribute="commandOnlyVolume",
)
