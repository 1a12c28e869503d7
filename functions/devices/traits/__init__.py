"""The trait registry: every module in this package that defines ``TRAIT`` is one Google trait."""

import importlib
import pkgutil

from functions.devices.traits.base import Trait


def _discover() -> dict[str, Trait]:
    found: dict[str, Trait] = {}
    for module in pkgutil.iter_modules(__path__):
        trait = getattr(importlib.import_module(f"{__name__}.{module.name}"), "TRAIT", None)
        if isinstance(trait, Trait):
            found[trait.name] = trait
    return found


TRAITS: dict[str, Trait] = _discover()
"""Wire trait name (``action.devices.traits.OnOff``) -> Trait."""

COMMANDS: dict[str, Trait] = {
    command: trait for trait in TRAITS.values() for command in trait.commands
}
"""Wire command name (``action.devices.commands.OnOff``) -> the Trait that owns it."""
