"""OpenClose: https://developers.home.google.com/cloud-to-cloud/traits/openclose"""

# A single-direction device reports ``openPercent``; a device declaring ``openDirection`` reports
# ``openState``, one ``{openPercent, openDirection}`` entry per direction.

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields

DIRECTIONS = ("UP", "DOWN", "LEFT", "RIGHT", "IN", "OUT")
DISCRETE = (0, 100)


def validate(attributes: Fields) -> None:
    attributes.boolean("discreteOnlyOpenClose")
    directions = attributes.strings("openDirection", min_items=1) or []
    if not set(directions) <= set(DIRECTIONS) or len(set(directions)) != len(directions):
        attributes.error(f"openDirection must list distinct values among {list(DIRECTIONS)}")
    attributes.boolean("commandOnlyOpenClose")
    attributes.boolean("queryOnlyOpenClose")
    if attributes.raw("commandOnlyOpenClose") and attributes.raw("queryOnlyOpenClose"):
        attributes.error("commandOnlyOpenClose and queryOnlyOpenClose cannot both be true")


def _targets(attributes: Mapping[str, Any], params: Fields) -> list[str]:
    """Directions the command moves: the named one, else every declared one."""
    declared = list(attributes.get("openDirection") or [])
    direction = params.string("openDirection")
    if direction is None:
        return declared
    if direction not in declared:
        params.error(f"openDirection {direction!r} is not declared by the device")
    return [direction]


def _move(
    attributes: Mapping[str, Any], states: States, params: Fields, percent: Any, relative: bool
) -> Patch:
    """Patch every target to ``percent`` (added to its current openPercent when relative)."""
    targets = _targets(attributes, params)

    def new(current: Any) -> Any:
        value = max(0, min(100, (current or 0) + percent)) if relative else percent
        if attributes.get("discreteOnlyOpenClose") and value not in DISCRETE:
            raise SmartHomeError("discreteOnlyOpenClose", f"openPercent {value} is not 0 or 100")
        return value

    if not targets:
        patch: Patch = {"openPercent": new(states.get("openPercent"))}
        if "targetOpenPercent" in states:
            patch["targetOpenPercent"] = patch["openPercent"]
        return patch
    known = {
        s.get("openDirection"): s for s in states.get("openState") or [] if isinstance(s, Mapping)
    }
    entries = []
    for direction in attributes.get("openDirection") or []:
        entry = dict(known.get(direction, {"openPercent": 0, "openDirection": direction}))
        if direction in targets:
            entry = {"openPercent": new(entry.get("openPercent")), "openDirection": direction}
        entries.append(entry)
    return {"openState": entries}


def open_close(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    percent = params.number("openPercent", required=True, low=0, high=100)
    return _move(attributes, states, params, percent, relative=False)


def open_close_relative(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Add ``openRelativePercent`` to the current position, clamped to [0, 100]."""
    percent = params.number("openRelativePercent", required=True, low=-100, high=100)
    return _move(attributes, states, params, percent, relative=True)


TRAIT = Trait(
    name=TRAIT_PREFIX + "OpenClose",
    states=("openPercent", "targetOpenPercent", "openState"),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "OpenClose": open_close,
        COMMAND_PREFIX + "OpenCloseRelative": open_close_relative,
    },
    command_only_attribute="commandOnlyOpenClose",
    query_only_attribute="queryOnlyOpenClose",
)
