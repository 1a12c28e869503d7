"""Fill: https://developers.home.google.com/cloud-to-cloud/traits/fill

``supportsFillPercent`` sits inside ``availableFillLevels``; ``{}`` is a valid attribute set
(a plain fill/drain device). ``fillLevel`` and ``fillPercent`` are never used together.

Where Google is silent:

- A ``fillLevel`` must be a declared ``level_name`` (``notSupported`` otherwise); a
  ``fillPercent`` needs ``supportsFillPercent`` (``functionNotSupported`` otherwise).
- Without a target, fill goes to the device's default level, which no attribute names: only
  ``isFilled`` becomes true. A drain without a target empties the device: ``isFilled`` false
  and, on a percentage device, ``currentFillPercent`` 0; ``currentFillLevel`` is left to the
  device backend (no level means "empty").
- With a target, fill and drain both move to it (draining to half a tub leaves it filled):
  ``isFilled`` is true unless the target is 0 percent.
- No level synonym language is required: Google's page names no fallback for this trait.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields
from functions.devices.traits.modes import distinct, each


def validate(attributes: Fields) -> None:
    available = attributes.obj("availableFillLevels")
    if available is None:
        return
    levels = each(available, "levels")
    distinct(available, "levels", [level.string("level_name", required=True) for level in levels])
    for level in levels:
        for values in each(level, "level_values"):
            values.strings("level_synonym", required=True, min_items=1)
            values.string("lang", required=True)
    available.boolean("ordered", required=True)
    available.boolean("supportsFillPercent")


def fill(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Fill (or drain) the device, optionally to a named level or a percentage."""
    filling = params.boolean("fill", required=True)
    level = params.string("fillLevel")
    percent = params.number("fillPercent", low=0, high=100)
    available = attributes.get("availableFillLevels") or {}
    if level is not None and percent is not None:
        params.error("fillLevel and fillPercent cannot be used together")
    if level is not None:
        if level not in [entry["level_name"] for entry in available.get("levels", [])]:
            raise SmartHomeError("notSupported", f"fillLevel {level!r} is not declared")
        return {"isFilled": True, "currentFillLevel": level}
    if percent is not None:
        if available.get("supportsFillPercent") is not True:
            raise SmartHomeError("functionNotSupported", "the device has no fill percentage")
        return {"isFilled": percent > 0, "currentFillPercent": percent}
    if filling:
        return {"isFilled": True}
    patch: Patch = {"isFilled": False}
    if available.get("supportsFillPercent") is True:
        patch["currentFillPercent"] = 0
    return patch


TRAIT = Trait(
    name=TRAIT_PREFIX + "Fill",
    states=("isFilled", "currentFillLevel", "currentFillPercent"),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + "Fill": fill},
)
