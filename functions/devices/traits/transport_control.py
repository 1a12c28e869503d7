"""TransportControl: https://developers.home.google.com/cloud-to-cloud/traits/transportcontrol

Media playback commands; the trait has no states (a device reports playback through
MediaState). Each command requires its entry in ``transportControlSupportedCommands``
(``REQUIRES``), else ``functionNotSupported``; command names are lower camel case.

Every command's patch is empty (the device backend receives and performs it; seeks, skips,
repeat, shuffle and captions leave no documented state), except that on a device that reports
MediaState ``playbackState`` (``supportPlaybackState: true``) pause, resume and stop update it
from a known current value: pause PLAYING/FAST_FORWARDING/REWINDING/BUFFERING -> PAUSED,
resume PAUSED -> PLAYING, stop anything -> STOPPED. An unknown current value is left alone.

Where Google is silent: ``absPositionMs`` must be >= 0; the supported list must name at least
one command; Google's page lists no trait-specific error codes.
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
from functions.devices.traits.media_state import PLAYBACK_STATES

REQUIRES = {
    "mediaStop": "STOP",
    "mediaNext": "NEXT",
    "mediaPrevious": "PREVIOUS",
    "mediaPause": "PAUSE",
    "mediaResume": "RESUME",
    "mediaSeekRelative": "SEEK_RELATIVE",
    "mediaSeekToPosition": "SEEK_TO_POSITION",
    "mediaRepeatMode": "SET_REPEAT",
    "mediaShuffle": "SHUFFLE",
    "mediaClosedCaptioningOn": "CAPTION_CONTROL",
    "mediaClosedCaptioningOff": "CAPTION_CONTROL",
}
"""Command (without prefix) -> the transportControlSupportedCommands value it needs."""
SUPPORTED_COMMANDS = frozenset(REQUIRES.values())
PLAYBACK = {
    "mediaPause": ({"PLAYING", "FAST_FORWARDING", "REWINDING", "BUFFERING"}, "PAUSED"),
    "mediaResume": ({"PAUSED"}, "PLAYING"),
    "mediaStop": (set(PLAYBACK_STATES) - {"STOPPED"}, "STOPPED"),
}
"""Command -> (playbackState values it changes, the value afterwards)."""


def validate(attributes: Fields) -> None:
    names = attributes.strings("transportControlSupportedCommands", required=True, min_items=1)
    unknown = sorted(set(names or []) - SUPPORTED_COMMANDS)
    if unknown:
        attributes.error(f"transportControlSupportedCommands: unknown value(s) {unknown}")


def _check_params(command: str, params: Fields) -> None:
    if command == "mediaSeekRelative":
        params.integer("relativePositionMs", required=True)
    elif command == "mediaSeekToPosition":
        params.integer("absPositionMs", required=True, low=0)
    elif command == "mediaRepeatMode":
        params.boolean("isOn", required=True)
        params.boolean("isSingle")
    elif command == "mediaClosedCaptioningOn":
        params.string("closedCaptioningLanguage")
        params.string("userQueryLanguage")


def _handler(command: str) -> Handler:
    def handle(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
        _check_params(command, params)
        needed = REQUIRES[command]
        if needed not in (attributes.get("transportControlSupportedCommands") or []):
            raise SmartHomeError("functionNotSupported", f"{needed} is not supported")
        changes, after = PLAYBACK.get(command, (set(), ""))
        if (
            attributes.get("supportPlaybackState") is True
            and isinstance(state := states.get("playbackState"), str)
            and state in changes
        ):
            return {"playbackState": after}
        return {}

    handle.__name__ = handle.__qualname__ = command
    handle.__doc__ = f"{command}: needs {REQUIRES[command]!r} in transportControlSupportedCommands."
    return handle


TRAIT = Trait(
    name=TRAIT_PREFIX + "TransportControl",
    states=(),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + command: _handler(command) for command in REQUIRES},
)
