import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# SYNC attribute examples from https://developers.home.google.com/cloud-to-cloud/traits/colorsetting
RGB_AND_KELVIN = {
    "colorModel": "rgb",
    "colorTemperatureRange": {"temperatureMinK": 2000, "temperatureMaxK": 9000},
}
HSV_ONLY = {"colorModel": "hsv"}
KELVIN_ONLY = {"colorTemperatureRange": {"temperatureMinK": 2000, "temperatureMaxK": 9000}}
HSV_COMMAND_ONLY = {"colorModel": "hsv", "commandOnlyColorSetting": True}


@pytest.mark.parametrize("attributes", [RGB_AND_KELVIN, HSV_ONLY, KELVIN_ONLY, HSV_COMMAND_ONLY])
def test_documented_attributes_are_valid(attributes: dict) -> None:
    validate("ColorSetting", attributes)


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({}, "colorModel or colorTemperatureRange"),
        ({"commandOnlyColorSetting": True}, "colorModel or colorTemperatureRange"),
        ({"colorModel": "xyz"}, "colorModel"),
        ({"colorModel": "rgb", "commandOnlyColorSetting": "yes"}, "commandOnlyColorSetting"),
        ({"colorTemperatureRange": {"temperatureMinK": 2000}}, "temperatureMaxK"),
        ({"colorTemperatureRange": {"temperatureMaxK": 9000}}, "temperatureMinK"),
        ({"colorTemperatureRange": {"temperatureMinK": 20.5, "temperatureMaxK": 90}}, "MinK"),
        ({"colorTemperatureRange": {"temperatureMinK": -1, "temperatureMaxK": 90}}, "MinK"),
        ({"colorTemperatureRange": {"temperatureMinK": 9000, "temperatureMaxK": 2000}}, "MinK"),
        ({"colorTemperatureRange": [2000, 9000]}, "colorTemperatureRange"),
    ],
)
def test_invalid_attributes(attributes: dict, field: str) -> None:
    with pytest.raises(InvalidDevice, match=field):
        validate("ColorSetting", attributes)


# ColorAbsolute params and the resulting `color` state as in Google's examples (warm white,
# magenta as RGB 16711935 and as HSV 300/1/1): state casing differs from param casing.
@pytest.mark.parametrize(
    ("color", "state"),
    [
        ({"name": "warm white", "temperature": 3000}, {"temperatureK": 3000}),
        ({"name": "magenta", "spectrumRGB": 16711935}, {"spectrumRgb": 16711935}),
        (
            {"name": "magenta", "spectrumHSV": {"hue": 300, "saturation": 1.0, "value": 1.0}},
            {"spectrumHsv": {"hue": 300, "saturation": 1.0, "value": 1.0}},
        ),
        ({"temperature": 2000}, {"temperatureK": 2000}),
        ({"temperature": 9000}, {"temperatureK": 9000}),
        ({"spectrumRGB": 0}, {"spectrumRgb": 0}),
        ({"spectrumRGB": 0xFFFFFF}, {"spectrumRgb": 16777215}),
    ],
)
def test_color_absolute(color: dict, state: dict) -> None:
    before = {"color": {"spectrumRgb": 255}}
    assert execute("ColorAbsolute", {"color": color}, before, RGB_AND_KELVIN) == {"color": state}


def test_hsv_device_accepts_both_spectrum_forms() -> None:
    assert execute("ColorAbsolute", {"color": {"spectrumRGB": 255}}, {}, HSV_ONLY) == {
        "color": {"spectrumRgb": 255}
    }
    hsv = {"hue": 0, "saturation": 0.5, "value": 0}
    assert execute("ColorAbsolute", {"color": {"spectrumHSV": hsv}}, {}, HSV_ONLY) == {
        "color": {"spectrumHsv": hsv}
    }


@pytest.mark.parametrize(
    "color",
    [
        {"temperature": 1999},
        {"temperature": 9001},
        {"temperature": 3000.5},
        {"temperature": "3000"},
        {"temperature": None},
        {"spectrumRGB": -1},
        {"spectrumRGB": 0x1000000},
        {"spectrumRGB": "red"},
        {"spectrumHSV": {"hue": 360, "saturation": 1, "value": 1}},
        {"spectrumHSV": {"hue": -1, "saturation": 1, "value": 1}},
        {"spectrumHSV": {"hue": 10, "saturation": 1.5, "value": 1}},
        {"spectrumHSV": {"hue": 10, "saturation": 1, "value": -0.1}},
        {"spectrumHSV": {"hue": 10, "saturation": 1}},
        {"spectrumHSV": 5},
        {"name": "red"},
        {},
        {"temperature": 3000, "spectrumRGB": 255},
    ],
)
def test_color_absolute_bad_params(color: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("ColorAbsolute", {"color": color}, {}, RGB_AND_KELVIN)
    assert raised.value.code == "valueOutOfRange"


@pytest.mark.parametrize("params", [{}, {"color": None}, {"color": 16711935}])
def test_color_absolute_needs_color_object(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("ColorAbsolute", params, {}, RGB_AND_KELVIN)
    assert raised.value.code == "valueOutOfRange"


@pytest.mark.parametrize(
    ("attributes", "color"),
    [
        (HSV_ONLY, {"temperature": 3000}),
        (KELVIN_ONLY, {"spectrumRGB": 255}),
        (KELVIN_ONLY, {"spectrumHSV": {"hue": 1, "saturation": 1, "value": 1}}),
    ],
)
def test_model_the_device_lacks_is_not_supported(attributes: dict, color: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("ColorAbsolute", {"color": color}, {}, attributes)
    assert raised.value.code == "notSupported"


def test_query_states_and_command_only() -> None:
    trait = TRAITS["action.devices.traits.ColorSetting"]
    states = {"on": True, "color": {"temperatureK": 3000}}
    assert trait.query_states(KELVIN_ONLY, states) == {"color": {"temperatureK": 3000}}
    assert trait.query_states(HSV_COMMAND_ONLY, states) == {}
    assert trait.accepts_commands(HSV_COMMAND_ONLY)
