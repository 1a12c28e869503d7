"""Locator: https://developers.home.google.com/cloud-to-cloud/traits/locator

No attributes and no QUERY states. Locate makes the device beep, ring or flash (or, with
``silence: true``, stops an alert in progress); it changes no state, so the handler only
checks the params (``silence`` defaults to false, ``lang`` to ``en``) and returns an empty
patch: the command itself reaches the device backend.

Google's page documents no result fields: ``generatedAlert`` (and the ``unableToLocateDevice``
error) appear only in an unreferenced file of Google's 2022 schema, so nothing here sets them.
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


def locate(_attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Generate (or silence) a local alert; no state changes."""
    params.boolean("silence", default=False)
    params.string("lang", default="en")
    return {}


TRAIT = Trait(
    name=TRAIT_PREFIX + "Locator",
    states=(),
    validate_attributes=no_attributes,
    commands={COMMAND_PREFIX + "Locate": locate},
)
