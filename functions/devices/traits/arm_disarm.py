"""ArmDisarm: https://developers.home.google.com/cloud-to-cloud/traits/armdisarm

Params and states are spelled differently: the command carries ``arm``/``armLevel``/``cancel``,
QUERY answers ``isArmed``/``currentArmLevel``/``exitAllowance``.

Where Google is silent:

- Arming an armed device at the same level (or with no level) answers ``alreadyArmed``;
  disarming a disarmed one ``alreadyDisarmed`` (codes of Google's error list; the trait's own
  schema also names the generic ``alreadyInState``). With ``isArmed`` unknown nothing is refused.
- ``armLevel`` must be a declared ``level_name`` (``notSupported`` otherwise); arming an armed
  device at another level changes only ``currentArmLevel``. Disarming keeps
  ``currentArmLevel``, which Google wants reported whenever levels are declared.
- Arming a multi-level device without ``armLevel`` keeps its current level; when that level is
  unknown the answer is ``armLevelNeeded`` rather than a guessed level.
- ``cancel: true`` (never together with ``armLevel``) cancels the arming (``arm: true``) or
  disarming (``arm: false``) in progress, so ``isArmed`` ends at ``not arm``.
- ``followUpToken`` is accepted; the follow-up response is sent elsewhere. ``exitAllowance``
  is reported as the device backend writes it.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields
from functions.devices.traits.modes import distinct, each, synonyms


def validate(attributes: Fields) -> None:
    available = attributes.obj("availableArmLevels")
    if available is None:
        return
    levels = each(available, "levels")
    distinct(available, "levels", [level.string("level_name", required=True) for level in levels])
    for level in levels:
        synonyms(level, "level_values", "level_synonym")
    available.boolean("ordered", required=True)


def _levels(attributes: Mapping[str, Any]) -> list[str]:
    available = attributes.get("availableArmLevels") or {}
    return [level["level_name"] for level in available.get("levels", [])]


def arm_disarm(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Arm (optionally at a level), disarm, or cancel the arming or disarming in progress."""
    arm = params.boolean("arm", required=True)
    cancel = params.boolean("cancel", default=False)
    level = params.string("armLevel")
    params.string("followUpToken")
    if cancel:
        if level is not None:
            params.error("cancel and armLevel cannot be used together")
        return {"isArmed": not arm}
    levels = _levels(attributes)
    if level is not None and level not in levels:
        raise SmartHomeError("notSupported", f"armLevel {level!r} is not declared")
    armed = states.get("isArmed")
    if not arm:
        if armed is False:
            raise SmartHomeError("alreadyDisarmed")
        return {"isArmed": False}
    current = states.get("currentArmLevel")
    if armed is True and level in (None, current):
        raise SmartHomeError("alreadyArmed")
    if level is None and levels and current not in levels:
        raise SmartHomeError("armLevelNeeded", "no armLevel given and the current one is unknown")
    patch: Patch = {"isArmed": True}
    if level is not None:
        patch["currentArmLevel"] = level
    return patch


TRAIT = Trait(
    name=TRAIT_PREFIX + "ArmDisarm",
    states=("isArmed", "currentArmLevel", "exitAllowance"),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + "ArmDisarm": arm_disarm},
)
