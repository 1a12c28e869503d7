"""ColorSetting: https://developers.home.google.com/cloud-to-cloud/traits/colorsetting

The color state holds one form; RGB or HSV needs a colorModel, a temperature colorTemperatureRange.

A device declares a full-spectrum ``colorModel`` (rgb or hsv), a ``colorTemperatureRange`` in
Kelvin, or both. The ``color`` state holds exactly one of ``temperatureK``, ``spectrumRgb`` or
``spectrumHsv``; ColorAbsolute sends ``temperature``, ``spectrumRGB`` or ``spectrumHSV`` (note the
casing). A form the device did not declare answers ``notSupported`` (as Google's sample does); a
temperature outside the declared range answers ``valueOutOfRange``. The optional ``color.name`` is
ignored. Google's automation reference says a color sent to a light that is off turns it on;
keeping ``on`` in step is left to the device backend.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields

COLOR_MODELS = ("rgb", "hsv")
RGB_MAX = 0xFFFFFF
HUE_LIMIT = 360  # hue is in [0, 360): 360 wraps around to 0


def validate(attributes: Fields) -> None:
    attributes.boolean("commandOnlyColorSetting")
    model = attributes.string("colorModel", choices=COLOR_MODELS)
    kelvin = attributes.obj("colorTemperatureRange")
    if kelvin is not None:
        low = kelvin.integer("temperatureMinK", required=True, low=0)
        high = kelvin.integer("temperatureMaxK", required=True, low=0)
        if low > high:
            attributes.error("colorTemperatureRange.temperatureMinK exceeds temperatureMaxK")
    if model is None and kelvin is None:
        attributes.error("colorModel or colorTemperatureRange is required")


def _temperature(attributes: Mapping[str, Any], color: Fields) -> Patch:
    kelvin = attributes.get("colorTemperatureRange")
    if not isinstance(kelvin, Mapping):
        raise SmartHomeError("notSupported", "device has no colorTemperatureRange")
    low, high = kelvin.get("temperatureMinK"), kelvin.get("temperatureMaxK")
    return {"temperatureK": color.integer("temperature", required=True, low=low, high=high)}


def _hsv(color: Fields) -> Patch:
    hsv = color.obj("spectrumHSV", required=True)
    assert hsv is not None
    hue = hsv.number("hue", required=True, low=0, high=HUE_LIMIT)
    if hue == HUE_LIMIT:
        hsv.error("hue must be below 360")
    saturation = hsv.number("saturation", required=True, low=0, high=1)
    value = hsv.number("value", required=True, low=0, high=1)
    return {"spectrumHsv": {"hue": hue, "saturation": saturation, "value": value}}


def absolute(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Set exactly one of color temperature, RGB or HSV; the optional ``name`` is ignored."""
    color = params.obj("color", required=True)
    assert color is not None
    given = [key for key in ("temperature", "spectrumRGB", "spectrumHSV") if key in color]
    if len(given) != 1:
        color.error("exactly one of temperature, spectrumRGB, spectrumHSV is required")
    if given[0] == "temperature":
        return {"color": _temperature(attributes, color)}
    if attributes.get("colorModel") not in COLOR_MODELS:
        raise SmartHomeError("notSupported", "device has no full-spectrum colorModel")
    if given[0] == "spectrumRGB":
        rgb = color.integer("spectrumRGB", required=True, low=0, high=RGB_MAX)
        return {"color": {"spectrumRgb": rgb}}
    return {"color": _hsv(color)}


TRAIT = Trait(
    name=TRAIT_PREFIX + "ColorSetting",
    states=("color",),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + "ColorAbsolute": absolute},
    command_only_attribute="commandOnlyColorSetting",
)
