"""Reboot: https://developers.home.google.com/cloud-to-cloud/traits/reboot

No attributes, no states. ``Reboot`` (no params) changes no state: the patch is empty and the
device backend, which receives every command, reboots the device (it may go offline meanwhile).
Google lists no trait-specific error; the backend reports failures with the global codes.
"""

from collections.abc import Mapping
from typing import Any

from functions.devices.traits.base import (
    COMMAND_PREFIX,
    TRAIT_PREFIX,
    Patch,
    States,
    Trait,
    no_attributes,
)
from functions.devices.traits.fields import Fields


def reboot(_attributes: Mapping[str, Any], _states: States, _params: Fields) -> Patch:
    """Reboot the device; no state changes."""
    return {}


TRAIT = Trait(
    name=TRAIT_PREFIX + "Reboot",
    states=(),
    validate_attributes=no_attributes,
    commands={COMMAND_PREFIX + "Reboot": reboot},
)
