"""LockUnlock: https://developers.home.google.com/cloud-to-cloud/traits/lockunlock

A jammed lock answers deviceJammingDetected and reports isJammed without isLocked.

The page lists the errors remoteSetDisabled, deviceJammingDetected, notSupported, alreadyLocked
and alreadyUnlocked; a jammed lock (``isJammed: true``) answers ``deviceJammingDetected`` and a
lock already in the asked state answers ``alreadyLocked`` / ``alreadyUnlocked``. QUERY leaves
``isLocked`` out while ``isJammed`` is true ("its locked state cannot be determined", and the
schema forbids both). ``followUpToken`` is accepted; the follow-up response is sent elsewhere.
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
    no_attributes,
)
from functions.devices.traits.fields import Fields


def lock_unlock(_attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Lock or unlock; a jammed lock or one already in the asked state answers Google's code."""
    lock = params.boolean("lock", required=True)
    params.string("followUpToken")  # accepted; the follow-up notification is sent elsewhere
    if states.get("isJammed") is True:
        raise SmartHomeError("deviceJammingDetected", "the lock is jammed")
    if states.get("isLocked") is lock:
        raise SmartHomeError("alreadyLocked" if lock else "alreadyUnlocked")
    return {"isLocked": lock}


def query(_attributes: Mapping[str, Any], states: States) -> dict[str, Any]:
    """A jammed lock reports ``isJammed`` only: its locked state cannot be determined."""
    if states.get("isJammed") is True:
        return {key: value for key, value in states.items() if key != "isLocked"}
    return dict(states)


TRAIT = Trait(
    name=TRAIT_PREFIX + "LockUnlock",
    states=("isLocked", "isJammed"),
    validate_attributes=no_attributes,
    commands={COMMAND_PREFIX + "LockUnlock": lock_unlock},
    query=query,
)
