"""What a trait is: its SYNC attributes check, its QUERY states, and its EXECUTE commands.

A trait is pure data and pure functions; it never does I/O. A command handler receives the
device's attributes, its current states and the command params, and returns the state patch
(only the keys that change) or raises ``SmartHomeError`` with Google's errorCode.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from functions.devices.traits.fields import Fields

TRAIT_PREFIX = "action.devices.traits."
COMMAND_PREFIX = "action.devices.commands."

States = Mapping[str, Any]
Patch = dict[str, Any]
Handler = Callable[[Mapping[str, Any], States, Fields], Patch]


@dataclass(frozen=True)
class Trait:
    """One Google trait: the state keys it owns, its attribute check and its commands."""

    name: str
    states: tuple[str, ...]
    validate_attributes: Callable[[Fields], None]
    commands: Mapping[str, Handler] = field(default_factory=dict)
    command_only_attribute: str | None = None
    query_only_attribute: str | None = None

    def query_states(self, attributes: Mapping[str, Any], states: States) -> dict[str, Any]:
        """The trait's states as QUERY answers them: every state key the document holds."""
        if self.command_only_attribute and attributes.get(self.command_only_attribute) is True:
            return {}
        return {key: states[key] for key in self.states if key in states}

    def accepts_commands(self, attributes: Mapping[str, Any]) -> bool:
        """False when the device declared the trait query-only."""
        return not (self.query_only_attribute and attributes.get(self.query_only_attribute) is True)


def no_attributes(_: Fields) -> None:
    """Attribute check for traits that define no attributes."""
