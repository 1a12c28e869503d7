"""Shared helpers for trait tests: run a command or check attributes the way the engine does."""

from collections.abc import Mapping
from typing import Any

from functions.devices.traits import COMMANDS, TRAITS
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch
from functions.devices.traits.fields import attributes as attribute_fields
from functions.devices.traits.fields import params as param_fields


def execute(
    command: str,
    params: Mapping[str, Any],
    states: Mapping[str, Any] | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Patch:
    """Run ``action.devices.commands.<command>`` through the registry, as EXECUTE does."""
    handler = COMMANDS[COMMAND_PREFIX + command].commands[COMMAND_PREFIX + command]
    return handler(attributes or {}, states or {}, param_fields(params))


def validate(trait: str, attributes: Mapping[str, Any]) -> None:
    """Check SYNC attributes of ``action.devices.traits.<trait>``; raises InvalidDevice."""
    TRAITS[TRAIT_PREFIX + trait].validate_attributes(attribute_fields(attributes))
