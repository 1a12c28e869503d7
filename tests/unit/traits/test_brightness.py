import pytest

from functions.core.errors import SmartHomeError
from tests.unit.traits.helpers import execute


def test_absolute() -> None:
    assert execute("BrightnessAbsolute", {"brightness": 65}) == {"brightness": 65}


@pytest.mark.parametrize("value", [-1, 101, 50.5, "65", True])
def test_absolute_out_of_range(value: object) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("BrightnessAbsolute", {"brightness": value})
    assert raised.value.code == "valueOutOfRange"


@pytest.mark.parametrize(
    ("params", "before", "after"),
    [
        ({"brightnessRelativePercent": 20}, 50, 70),
        ({"brightnessRelativePercent": -80}, 50, 0),
        ({"brightnessRelativePercent": 90}, 50, 100),
        ({"brightnessRelativeWeight": 2}, 50, 70),
        ({"brightnessRelativeWeight": -1}, 5, 0),
    ],
)
def test_relative(params: dict, before: int, after: int) -> None:
    assert execute("BrightnessRelative", params, {"brightness": before}) == {"brightness": after}


def test_relative_needs_a_param() -> None:
    with pytest.raises(SmartHomeError):
        execute("BrightnessRelative", {})
