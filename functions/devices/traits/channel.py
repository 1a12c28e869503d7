"""Channel: https://developers.home.google.com/cloud-to-cloud/traits/channel

The trait has no QUERY states, so every command returns an empty patch after checking its
params; the command itself reaches the device backend, which tunes the device.

Where Google is silent:

- ``channelCode`` must be the key of one of ``availableChannels`` (``noAvailableChannel``
  otherwise). A command with only ``channelNumber`` is passed on even when no declared
  channel carries that number: Google asks for a short list of popular channels, not all.
- relativeChannel needs an integer ``relativeChannelChange``; returnChannel takes no params.
- ``noChannelSubscription`` and ``channelSwitchFailed`` are the device backend's answers.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields
from functions.devices.traits.modes import distinct, each


def validate(attributes: Fields) -> None:
    channels = each(attributes, "availableChannels")
    keys = [channel.string("key", required=True) for channel in channels]
    distinct(attributes, "availableChannels", keys)
    for channel in channels:
        channel.strings("names", required=True, min_items=1)
        channel.string("number")
    attributes.boolean("commandOnlyChannels")


def select_channel(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Tune to a declared channel (by code) or to a channel number."""
    code = params.string("channelCode")
    params.string("channelName")
    number = params.string("channelNumber")
    if code is None and number is None:
        params.error("channelCode or channelNumber is required")
    keys = {channel["key"] for channel in attributes.get("availableChannels") or []}
    if code is not None and code not in keys:
        raise SmartHomeError("noAvailableChannel", f"channelCode {code!r} is not declared")
    return {}


def relative_channel(_attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Move ``relativeChannelChange`` channels up or down."""
    params.integer("relativeChannelChange", required=True)
    return {}


def return_channel(_attributes: Mapping[str, Any], _states: States, _params: Fields) -> Patch:
    """Go back to the previous channel."""
    return {}


TRAIT = Trait(
    name=TRAIT_PREFIX + "Channel",
    states=(),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "selectChannel": select_channel,
        COMMAND_PREFIX + "relativeChannel": relative_channel,
        COMMAND_PREFIX + "returnChannel": return_channel,
    },
    command_only_attribute="commandOnlyChannels",
)
