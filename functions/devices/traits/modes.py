"""Modes: https://developers.home.google.com/cloud-to-cloud/traits/modes

Each mode needs an English name entry; its settings may be named in any languages.

The page asks for an item with lang ``en`` among a mode's ``name_values`` ("to provide a language
fallback"); nothing similar is asked of ``setting_values``, so settings named only in other
languages are valid. Each mode has at least two settings. SetModes merges ``updateModeSettings``
into ``currentModeSettings`` and the patch is the whole merged map (QUERY reports every mode); a
mode or setting the device did not declare answers ``notSupported`` ("that mode isn't
available"). The list helpers here are shared with Toggles and SensorState.
"""

from collections.abc import Mapping
from functools import partial
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

# List helpers shared with Toggles and SensorState (they belong in fields.py; not ours to edit).
FALLBACK_LANG = "en"  # "at least one item with lang value en is required" (language fallback)


def _failure(parent: Fields, where: str, message: str) -> Exception:
    """The exception ``parent`` raises for ``message`` about its member ``where``."""
    try:
        parent.error(f"{where}.{message}")
    except Exception as error:
        return error


def each(fields: Fields, key: str, *, min_items: int = 1) -> list[Fields]:
    """The objects of the required list ``key``, each read as Fields naming the item in errors."""
    found = fields.array(key, required=True, min_items=min_items) or []
    if not all(isinstance(item, Mapping) for item in found):
        fields.error(f"{key} must be a list of objects")
    return [Fields(item, partial(_failure, fields, f"{key}[{i}]")) for i, item in enumerate(found)]


def synonyms(fields: Fields, key: str, synonym_key: str, *, english: bool = True) -> None:
    """Check ``key``: ``[{synonym_key: [str, ...], "lang": str}, ...]``.

    With ``english`` (the default) one entry must have lang ``en`` (Google's language fallback).
    """
    langs = []
    for entry in each(fields, key):
        entry.strings(synonym_key, required=True, min_items=1)
        langs.append(entry.string("lang", required=True))
    if english and FALLBACK_LANG not in langs:
        fields.error(f"{key} needs an entry with lang {FALLBACK_LANG!r}")


def distinct(fields: Fields, key: str, names: list[str]) -> None:
    """Internal names are used in commands and states, so ``key`` must not repeat one."""
    if len(set(names)) != len(names):
        fields.error(f"{key} repeats a name: {sorted(names)}")


def validate(attributes: Fields) -> None:
    modes = each(attributes, "availableModes")
    distinct(attributes, "availableModes", [m.string("name", required=True) for m in modes])
    for mode in modes:
        synonyms(mode, "name_values", "name_synonym")
        settings = each(mode, "settings", min_items=2)
        distinct(mode, "settings", [s.string("setting_name", required=True) for s in settings])
        for setting in settings:
            synonyms(setting, "setting_values", "setting_synonym", english=False)
        mode.boolean("ordered")
    attributes.boolean("commandOnlyModes")
    attributes.boolean("queryOnlyModes")
    if attributes.raw("commandOnlyModes") and attributes.raw("queryOnlyModes"):
        attributes.error("commandOnlyModes and queryOnlyModes cannot both be true")


def set_modes(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Apply ``updateModeSettings`` (mode -> setting); the patch is the whole merged map."""
    update = params.raw("updateModeSettings")
    if not isinstance(update, Mapping) or not update:
        params.error("updateModeSettings must be a non-empty object")
    if not all(isinstance(setting, str) for setting in update.values()):
        params.error("updateModeSettings values must be setting names")
    available = {
        mode["name"]: {setting["setting_name"] for setting in mode["settings"]}
        for mode in attributes.get("availableModes", [])
    }
    for mode, setting in update.items():
        if setting not in available.get(mode, ()):
            raise SmartHomeError("notSupported", f"mode {mode!r} has no setting {setting!r}")
    return {"currentModeSettings": {**mapping(states.get("currentModeSettings")), **update}}


TRAIT = Trait(
    name=TRAIT_PREFIX + "Modes",
    states=("currentModeSettings",),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + "SetModes": set_modes},
    command_only_attribute="commandOnlyModes",
    query_only_attribute="queryOnlyModes",
)
