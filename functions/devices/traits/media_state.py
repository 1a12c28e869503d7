"""MediaState: https://developers.home.google.com/cloud-to-cloud/traits/mediastate

Read-only: no commands. Each state is answered only when its ``support*`` attribute is true,
as the page lists it ("activityState: if supportActivityState", same for playbackState).

Where Google is silent: the trait does not check the stored values against the documented
enums (``ACTIVITY_STATES``, ``PLAYBACK_STATES``); a device backend writing another value is
its own error. TransportControl sets ``playbackState`` after a pause, resume or stop.
"""

from collections.abc import Mapping
from typing import Any

from functions.devices.traits.base import TRAIT_PREFIX, States, Trait
from functions.devices.traits.fields import Fields

ACTIVITY_STATES = ("INACTIVE", "STANDBY", "ACTIVE")
PLAYBACK_STATES = ("PAUSED", "PLAYING", "FAST_FORWARDING", "REWINDING", "BUFFERING", "STOPPED")
SUPPORT = {"activityState": "supportActivityState", "playbackState": "supportPlaybackState"}
"""State -> the attribute that must be true for QUERY to answer it."""


def validate(attributes: Fields) -> None:
    for flag in SUPPORT.values():
        attributes.boolean(flag)


class MediaStateTrait(Trait):
    """MediaState answers a state only when the device declared it supports it."""

    def query_states(self, attributes: Mapping[str, Any], states: States) -> dict[str, Any]:
        found = super().query_states(attributes, states)
        return {key: value for key, value in found.items() if attributes.get(SUPPORT[key]) is True}


TRAIT = MediaStateTrait(
    name=TRAIT_PREFIX + "MediaState",
    states=("activityState", "playbackState"),
    validate_attributes=validate,
)
