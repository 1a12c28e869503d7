"""Toggles: https://developers.home.google.com/cloud-to-cloud/traits/toggles

SetToggles merges into currentToggleSettings; an undeclared toggle answers functionNotSupported.

Each toggle needs an English entry among its ``name_values`` (Google's language fallback). The
patch is the whole merged map, since QUERY reports every toggle. Google defines no trait-specific
error; an undeclared toggle name answers the generic ``functionNotSupported``.
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
    mapping,
)
from functions.devices.traits.fields import Fields
from functions.devices.traits.modes import distinct, each, synonyms


def validate(attributes: Fields) -> None:
    toggles = each(attributes, "availableToggles")
    distinct(attributes, "availableToggles", [t.string("name", required=True) for t in toggles])
    for toggle in toggles:
        synonyms(toggle, "name_values", "name_synonym")
    attributes.boolean("commandOnlyToggles")
    attributes.boolean("queryOnlyToggles")
    if attributes.raw("commandOnlyToggles") and attributes.raw("queryOnlyToggles"):
        attributes.error("commandOnlyToggles and queryOnlyToggles cannot both be true")


def set_toggles(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Apply ``updateToggleSettings`` (toggle -> on); the patch is the whole merged map."""
    update = params.raw("updateToggleSettings")
    if not isinstance(update, Mapping) or not update:
        params.error("updateToggleSettings must be a non-empty object")
    if not all(isinstance(on, bool) for on in update.values()):
        params.error("updateToggleSettings values must be booleans")
    available = {toggle["name"] for toggle in attributes.get("availableToggles", [])}
    unknown = sorted(set(update) - available)
    if unknown:
        raise SmartHomeError("functionNotSupported", f"unknown toggle(s) {unknown}")
    return {"currentToggleSettings": {**mapping(states.get("currentToggleSettings")), **update}}


TRAIT = Trait(
    name=TRAIT_PREFIX + "Toggles",
    states=("currentToggleSettings",),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + "SetToggles": set_toggles},
    command_only_attribute="commandOnlyToggles",
    query_only_attribute="queryOnlyToggles",
)
