"""OnOff: https://developers.home.google.com/cloud-to-cloud/traits/onoff

A plain on/off; alreadyOn / alreadyOff are never answered (setting the same state succeeds).

``commandOnlyOnOff`` and ``queryOnlyOnOff`` cannot both be true. A query-only device answers
OnOff commands with ``functionNotSupported`` (the page is silent; the engine does this for every
query-only trait). Turning on twice is not an error: Google's generic ``alreadyOn`` /
``alreadyOff`` codes are optional and an absolute command is idempotent.
"""

from collections.abc import Mapping
from typing import Any

from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields


def validate(attributes: Fields) -> None:
    attributes.boolean("commandOnlyOnOff")
    attributes.boolean("queryOnlyOnOff")
    if attributes.raw("commandOnlyOnOff") and attributes.raw("queryOnlyOnOff"):
        attributes.error("commandOnlyOnOff and queryOnlyOnOff cannot both be true")


def on_off(_attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    return {"on": params.boolean("on", required=True)}


TRAIT = Trait(
    name=TRAIT_PREFIX + "OnOff",
    states=("on",),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + "OnOff": on_off},
    command_only_attribute="commandOnlyOnOff",
    query_only_attribute="queryOnlyOnOff",
)
