"""StartStop: https://developers.home.google.com/cloud-to-cloud/traits/startstop

Zones outside availableZones are accepted: the page says the list is not exclusive.

``availableZones`` "is not exclusive": a user may name any zone, so a zone the device did not
declare is started or stopped as named (a declared zone is matched case-insensitively and spelled
as declared). ``multipleZones`` wins over ``zone``. A stop without zones stops everything; a stop
naming zones removes them from ``activeZones`` (the device keeps running while zones remain).
PauseUnpause needs ``pausable: true`` (else ``functionNotSupported``); pausing a device that is
neither running nor paused answers ``unpausableState``. ``alreadyStarted`` / ``alreadyStopped``
are never answered: an absolute start or stop is idempotent.
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
    strings,
)
from functions.devices.traits.fields import Fields


def validate(attributes: Fields) -> None:
    attributes.boolean("pausable")
    attributes.strings("availableZones")


def _zones(attributes: Mapping[str, Any], params: Fields) -> list[str] | None:
    """The named zones (multipleZones wins over zone), declared ones spelled as declared."""
    zone = params.string("zone")
    wanted = params.strings("multipleZones", min_items=1) or ([zone] if zone else None)
    if wanted is None:
        return None
    declared = {name.casefold(): name for name in attributes.get("availableZones") or []}
    return list(dict.fromkeys(declared.get(name.casefold(), name) for name in wanted))


def start_stop(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Start (in the named zones) or stop (everything, or only the named zones)."""
    start = params.boolean("start", required=True)
    zones = _zones(attributes, params)
    has_zones = bool(attributes.get("availableZones")) or "activeZones" in states
    if start:
        patch: Patch = {"isRunning": True}
        if has_zones or zones:
            patch["activeZones"] = zones or []
    elif zones is None:
        patch = {"isRunning": False, **({"activeZones": []} if has_zones else {})}
    else:
        running = states.get("isRunning") is True
        # A run without activeZones covers the whole device, that is every declared zone.
        active = strings(states.get("activeZones")) or (
            list(attributes.get("availableZones") or []) if running else []
        )
        folded = {name.casefold() for name in zones}
        remaining = [name for name in active if name.casefold() not in folded]
        return {"isRunning": running and bool(remaining), "activeZones": remaining}
    if attributes.get("pausable") is True:
        patch["isPaused"] = False
    return patch


def pause_unpause(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Pause a running device or resume a paused one; only a ``pausable`` device can."""
    pause = params.boolean("pause", required=True)
    if attributes.get("pausable") is not True:
        raise SmartHomeError("functionNotSupported", "the device is not pausable")
    running, paused = states.get("isRunning") is True, states.get("isPaused") is True
    if pause and not (running or paused):
        raise SmartHomeError("unpausableState", "the device is not running")
    if pause:
        return {"isRunning": False, "isPaused": True}
    return {"isRunning": running or paused, "isPaused": False}


TRAIT = Trait(
    name=TRAIT_PREFIX + "StartStop",
    states=("isRunning", "isPaused", "activeZones"),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "StartStop": start_stop,
        COMMAND_PREFIX + "PauseUnpause": pause_unpause,
    },
)
