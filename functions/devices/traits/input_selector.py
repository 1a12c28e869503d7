"""InputSelector: https://developers.home.google.com/cloud-to-cloud/traits/inputselector

SetInput sets ``currentInput`` to ``newInput``, a declared input key. NextInput and
PreviousInput need ``orderedInputs: true`` (``functionNotSupported`` otherwise).

Where Google is silent:

- An undeclared ``newInput`` answers ``notSupported`` (``unsupportedInput`` is not one of
  Google's listed codes).
- Next/previous wrap around the ordered list, as input buttons on media devices do.
- On a command-only device, or when ``currentInput`` is not a declared key, next/previous never
  invent an input: the patch is empty and the command itself reaches the device backend.
- No name synonym language is required: Google's page names no fallback for this trait.
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
from functions.devices.traits.modes import distinct, each


def validate(attributes: Fields) -> None:
    inputs = each(attributes, "availableInputs")
    distinct(attributes, "availableInputs", [i.string("key", required=True) for i in inputs])
    for entry in inputs:
        for names in each(entry, "names"):
            names.strings("name_synonym", required=True, min_items=1)
            names.string("lang", required=True)
    attributes.boolean("commandOnlyInputSelector")
    attributes.boolean("orderedInputs")


def _keys(attributes: Mapping[str, Any]) -> list[str]:
    return [entry["key"] for entry in attributes.get("availableInputs") or []]


def set_input(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    key = params.string("newInput", required=True)
    if key not in _keys(attributes):
        raise SmartHomeError("notSupported", f"input {key!r} is not declared")
    return {"currentInput": key}


def _step(offset: int) -> Handler:
    def handler(attributes: Mapping[str, Any], states: States, _params: Fields) -> Patch:
        if attributes.get("orderedInputs") is not True:
            raise SmartHomeError("functionNotSupported", "the inputs are not ordered")
        keys = _keys(attributes)
        current = states.get("currentInput")
        if attributes.get("commandOnlyInputSelector") is True or current not in keys:
            return {}
        return {"currentInput": keys[(keys.index(current) + offset) % len(keys)]}

    handler.__doc__ = "Select the next input." if offset > 0 else "Select the previous input."
    return handler


TRAIT = Trait(
    name=TRAIT_PREFIX + "InputSelector",
    states=("currentInput",),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "SetInput": set_input,
        COMMAND_PREFIX + "NextInput": _step(1),
        COMMAND_PREFIX + "PreviousInput": _step(-1),
    },
    command_only_attribute="commandOnlyInputSelector",
)
