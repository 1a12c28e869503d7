"""SoftwareUpdate: https://developers.home.google.com/cloud-to-cloud/traits/softwareupdate

No attributes. ``lastSoftwareUpdateUnixTimestampSec`` is the Unix time, in seconds (UTC), of the
last *successful* update. ``SoftwareUpdate`` (no params) only starts an update, so its patch is
empty: the device backend receives the command, may go offline while updating, and writes the
new timestamp once the update has succeeded. Codes such as ``softwareUpdateNotAvailable``,
``inSoftwareUpdate`` and ``needsSoftwareUpdate`` come from the backend, not from this trait.
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


def software_update(_attributes: Mapping[str, Any], _states: States, _params: Fields) -> Patch:
    """Start an update; the timestamp changes only after it succeeded."""
    return {}


TRAIT = Trait(
    name=TRAIT_PREFIX + "SoftwareUpdate",
    states=("lastSoftwareUpdateUnixTimestampSec",),
    validate_attributes=no_attributes,
    commands={COMMAND_PREFIX + "SoftwareUpdate": software_update},
)
