"""Volume: https://developers.home.google.com/cloud-to-cloud/traits/volume

volumeRelative at a limit answers volumeAlreadyMax/Min; on an IR remote it changes nothing.

``currentVolume`` runs from 0 to ``volumeMaxLevel``; muting keeps it and sets ``isMuted`` (the
page: "if volume is 5, and the user mutes, the volume remains 5 and isMuted is true").
volumeRelative moves ``relativeSteps`` levels from a known volume, clamped to [0, max]; a step up
from the maximum answers ``volumeAlreadyMax`` and a step down from 0 ``volumeAlreadyMin`` (the
codes Google's own samples use). On a command-only device (``commandOnlyVolume``, e.g. an IR
remote) or when the volume is unknown it returns an empty patch (SUCCESS): the step reaches the
device backend through the command record, never as an invented level. setVolume is absolute:
a level outside [0, volumeMaxLevel] answers ``valueOutOfRange``, the current level succeeds.
mute on a device without ``volumeCanMuteAndUnmute`` answers ``notSupported``.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import (
    COMMAND_PREFIX,
    TRAIT_PREFIX,
    Patch,
    States,
    Trait,
    current_number,
)
from functions.devices.traits.fields import Fields

COMMAND_ONLY = "commandOnlyVolume"
DEFAULT_MAX_LEVEL = 100  # only for a document missing the required volumeMaxLevel


def validate(attributes: Fields) -> None:
    attributes.integer("volumeMaxLevel", required=True, low=1)
    attributes.boolean("volumeCanMuteAndUnmute", required=True)
    attributes.integer("volumeDefaultPercentage", low=0, high=100)
    attributes.integer("levelStepSize", low=1)
    attributes.boolean(COMMAND_ONLY)


def _max(attributes: Mapping[str, Any]) -> Any:
    return attributes.get("volumeMaxLevel", DEFAULT_MAX_LEVEL)


def mute(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    muted = params.boolean("mute", required=True)
    if attributes.get("volumeCanMuteAndUnmute") is not True:
        raise SmartHomeError("notSupported", "device cannot mute and unmute")
    return {"isMuted": muted}


def set_volume(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    level = params.integer("volumeLevel", required=True, low=0, high=_max(attributes))
    return {"currentVolume": level}


def volume_relative(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Move ``relativeSteps`` levels from the known volume; at a limit: volumeAlreadyMax/Min."""
    steps = params.integer("relativeSteps", required=True)
    current = current_number(attributes, states, "currentVolume", COMMAND_ONLY)
    if current is None or steps == 0:
        return {}
    top = _max(attributes)
    if steps > 0 and current >= top:
        raise SmartHomeError("volumeAlreadyMax", f"volume already at {top}")
    if steps < 0 and current <= 0:
        raise SmartHomeError("volumeAlreadyMin", "volume already at 0")
    return {"currentVolume": int(max(0, min(top, current + steps)))}


TRAIT = Trait(
    name=TRAIT_PREFIX + "Volume",
    states=("currentVolume", "isMuted"),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "mute": mute,
        COMMAND_PREFIX + "setVolume": set_volume,
        COMMAND_PREFIX + "volumeRelative": volume_relative,
    },
    command_only_attribute=COMMAND_ONLY,
)
