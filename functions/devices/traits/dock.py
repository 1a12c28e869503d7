"""Dock: https://developers.home.google.com/cloud-to-cloud/traits/dock

No attributes. Where Google is silent: a device already docked answers ``alreadyDocked`` (a
code of Google's error list); otherwise ``isDocked`` becomes true, the state Google documents
for the end of the command. With ``isDocked`` unknown nothing is refused.
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
    no_attributes,
)
from functions.devices.traits.fields import Fields


def dock(_attributes: Mapping[str, Any], states: States, _params: Fields) -> Patch:
    """Send the device back to its dock."""
    if states.get("isDocked") is True:
        raise SmartHomeError("alreadyDocked")
    return {"isDocked": True}


TRAIT = Trait(
    name=TRAIT_PREFIX + "Dock",
    states=("isDocked",),
    validate_attributes=no_attributes,
    commands={COMMAND_PREFIX + "Dock": dock},
)
