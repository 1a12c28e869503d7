"""Rotation: https://developers.home.google.com/cloud-to-cloud/traits/rotation

A device rotates by degrees (clockwise, within ``rotationDegreesRange``) and/or by percent
(0 closed .. 100 open). ``RotateAbsolute`` carries exactly one of ``rotationDegrees`` and
``rotationPercent``. Google turns relative requests ("rotate 15 degrees more") into the final
absolute value itself, wrapping around the range when ``supportsContinuousRotation`` is true, so
no handler here computes from the current state and nothing is invented for a one-way device.

Where Google is silent:
- a device supporting both units stores the other unit too, mapped linearly onto the range
  (the page's state examples agree: 45 degrees of 0..180 is 25 percent);
- a value outside the range answers ``degreesOutOfRange`` / ``percentOutOfRange`` (Google's
  global codes), also on a continuous device (Google sends wrapped values);
- a unit the device does not support answers ``functionNotSupported``;
- ``rotationDegreesMin`` may not exceed ``rotationDegreesMax``.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields

FULL_TURN = 360


def validate(attributes: Fields) -> None:
    degrees = attributes.boolean("supportsDegrees", required=True)
    percent = attributes.boolean("supportsPercent", required=True)
    if not (degrees or percent):
        attributes.error("supportsDegrees or supportsPercent must be true")
    span = attributes.obj("rotationDegreesRange", required=degrees is True)
    if span is not None:
        low = span.number("rotationDegreesMin", required=True, low=0, high=FULL_TURN)
        high = span.number("rotationDegreesMax", required=True, low=0, high=FULL_TURN)
        if low > high:
            span.error("rotationDegreesMin must not exceed rotationDegreesMax")
    attributes.boolean("supportsContinuousRotation")
    attributes.boolean("commandOnlyRotation")


def _range(attributes: Mapping[str, Any]) -> tuple[float, float]:
    span = attributes.get("rotationDegreesRange") or {}
    return span.get("rotationDegreesMin", 0), span.get("rotationDegreesMax", FULL_TURN)


def _require(attributes: Mapping[str, Any], flag: str) -> None:
    if attributes.get(flag) is not True:
        raise SmartHomeError("functionNotSupported", f"the device does not declare {flag}")


def rotate_absolute(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Rotate to ``rotationDegrees`` or ``rotationPercent``; both units when both apply."""
    degrees = params.number("rotationDegrees")
    percent = params.number("rotationPercent")
    if (degrees is None) == (percent is None):
        params.error("exactly one of rotationDegrees, rotationPercent is required")
    low, high = _range(attributes)
    both = attributes.get("supportsDegrees") is True and attributes.get("supportsPercent") is True
    if degrees is not None:
        _require(attributes, "supportsDegrees")
        if not low <= degrees <= high:
            raise SmartHomeError("degreesOutOfRange", f"{degrees} is outside [{low}, {high}]")
        patch: Patch = {"rotationDegrees": degrees}
        if both:
            patch["rotationPercent"] = (degrees - low) / (high - low) * 100 if high > low else 0
        return patch
    _require(attributes, "supportsPercent")
    if not 0 <= percent <= 100:
        raise SmartHomeError("percentOutOfRange", f"{percent} is outside [0, 100]")
    patch = {"rotationPercent": percent}
    if both:
        patch["rotationDegrees"] = low + percent / 100 * (high - low)
    return patch


TRAIT = Trait(
    name=TRAIT_PREFIX + "Rotation",
    states=("rotationDegrees", "rotationPercent"),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + "RotateAbsolute": rotate_absolute},
    command_only_attribute="commandOnlyRotation",
)
