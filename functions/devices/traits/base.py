"""What a trait is: its SYNC attributes check, its QUERY states, and its EXECUTE commands.

A trait is pure data and pure functions; it never does I/O. A command handler receives the
device's attributes, its current states and the command params, and returns the state patch
(only the keys that change) or raises ``SmartHomeError`` with Google's errorCode.

A few commands answer with results only the device backend knows (GetCameraStream's stream URL,
GetGuestNetworkPassword's password): their ``results`` reader takes them from the backend's
outcome, checked against Google's results schema, and such a command is always awaited
(functions.fulfillment.execute), whatever the device's execution mode.

Relative commands (BrightnessRelative, TemperatureRelative, volumeRelative, ...) are sent mostly
to command-only devices, which report no state. A handler never turns a relative step into an
absolute value it cannot know: on a command-only device, or when the current value is unknown,
it returns an empty patch (SUCCESS) and the step itself reaches the device backend through the
command record (``current_number`` tells the two cases apart).
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
Query = Callable[[Mapping[str, Any], States], dict[str, Any]]
Results = Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]
"""(attributes, the command's params, the outcome's states) -> the answer's result fields."""


class BadResult(ValueError):
    """Results a backend recorded that break Google's results schema; answered ``hardError``."""


@dataclass(frozen=True)
class Trait:
    """One Google trait: the state keys it owns, its attribute check and its commands.

    ``query`` (optional) shapes the QUERY answer when it depends on the states themselves
    (TemperatureSetting reports one setpoint shape per mode); by default every state key the
    document holds is reported.
    """

    name: str
    states: tuple[str, ...]
    validate_attributes: Callable[[Fields], None]
    commands: Mapping[str, Handler] = field(default_factory=dict)
    command_only_attribute: str | None = None
    query_only_attribute: str | None = None
    query: Query | None = None
    results: Mapping[str, Results] = field(default_factory=dict)
    """Command wire name -> the reader of the results its answer carries (see above)."""

    def query_states(self, attributes: Mapping[str, Any], states: States) -> dict[str, Any]:
        """The trait's states as QUERY answers them; none for a command-only device."""
        if self.command_only(attributes):
            return {}
        found = {key: states[key] for key in self.states if key in states}
        return self.query(attributes, found) if self.query else found

    def command_only(self, attributes: Mapping[str, Any]) -> bool:
        """True when the device declared the trait command-only (one-way)."""
        flag = self.command_only_attribute
        return flag is not None and attributes.get(flag) is True

    def accepts_commands(self, attributes: Mapping[str, Any]) -> bool:
        """False when the device declared the trait query-only."""
        return not (self.query_only_attribute and attributes.get(self.query_only_attribute) is True)


def result_strings(
    reported: Mapping[str, Any], names: tuple[str, ...], required: tuple[str, ...]
) -> dict[str, str]:
    """The named result fields the backend reported, each a string, the required ones
    non-empty; raises BadResult (naming fields, never quoting values: they may be secrets)."""
    found = {name: reported[name] for name in names if name in reported}
    wrong = sorted(name for name, value in found.items() if not isinstance(value, str))
    missing = sorted(name for name in required if not found.get(name))
    if wrong or missing:
        raise BadResult(f"results: {wrong} must be strings, {missing} are required")
    return found


def no_attributes(_: Fields) -> None:
    """Attribute check for traits that define no attributes."""


def mapping(value: Any) -> Mapping[str, Any]:
    """A map-valued state as stored, or an empty map when the device holds something else."""
    return value if isinstance(value, Mapping) else {}


def strings(value: Any) -> list[str]:
    """A list-of-names state as stored (its strings), or an empty list."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def current_number(
    attributes: Mapping[str, Any], states: States, key: str, command_only_attribute: str
) -> float | None:
    """The current value a relative step starts from, or None when it is not known.

    None on a command-only device (its stored states are only what earlier commands asked for,
    never a confirmed value) and when the state is missing or not a number.
    """
    if attributes.get(command_only_attribute) is True:
        return None
    value = states.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value
