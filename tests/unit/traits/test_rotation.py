import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Golden examples from https://developers.home.google.com/cloud-to-cloud/traits/rotation
# (attributes read on the ?hl=ja copy; states and RotateAbsolute examples from Google's schema).
BOTH = {
    "supportsDegrees": True,
    "supportsPercent": True,
    "rotationDegreesRange": {"rotationDegreesMin": 0, "rotationDegreesMax": 180},
}
DEGREES = {
    "supportsDegrees": True,
    "supportsPercent": False,
    "rotationDegreesRange": {"rotationDegreesMin": 0, "rotationDegreesMax": 90},
}
CONTINUOUS = {
    "supportsDegrees": True,
    "supportsPercent": True,
    "rotationDegreesRange": {"rotationDegreesMin": 0, "rotationDegreesMax": 360},
    "supportsContinuousRotation": True,
    "commandOnlyRotation": True,
}
PERCENT = {"supportsDegrees": False, "supportsPercent": True}
TRAIT = TRAITS["action.devices.traits.Rotation"]


def _code(params: dict, attributes: dict) -> str:
    with pytest.raises(SmartHomeError) as raised:
        execute("RotateAbsolute", params, {}, attributes)
    return raised.value.code


@pytest.mark.parametrize("attributes", [BOTH, DEGREES, CONTINUOUS, PERCENT])
def test_documented_attributes(attributes: dict) -> None:
    validate("Rotation", attributes)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"supportsPercent": True}, "supportsDegrees is required"),
        ({"supportsDegrees": False}, "supportsPercent is required"),
        ({"supportsDegrees": False, "supportsPercent": False}, "must be true"),
        ({"supportsDegrees": True, "supportsPercent": False}, "rotationDegreesRange is required"),
        (
            {**BOTH, "rotationDegreesRange": {"rotationDegreesMin": 0}},
            "rotationDegreesMax is required",
        ),
        (
            {**BOTH, "rotationDegreesRange": {"rotationDegreesMin": 0, "rotationDegreesMax": 361}},
            "outside",
        ),
        (
            {**BOTH, "rotationDegreesRange": {"rotationDegreesMin": -1, "rotationDegreesMax": 90}},
            "outside",
        ),
        (
            {**BOTH, "rotationDegreesRange": {"rotationDegreesMin": 90, "rotationDegreesMax": 10}},
            "must not exceed",
        ),
        (
            {**BOTH, "supportsContinuousRotation": "yes"},
            "supportsContinuousRotation must be a boolean",
        ),
        ({**BOTH, "commandOnlyRotation": 1}, "commandOnlyRotation must be a boolean"),
    ],
)
def test_invalid_attributes(attributes: dict, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("Rotation", attributes)


@pytest.mark.parametrize(
    ("attributes", "states"),
    [
        (BOTH, {"rotationDegrees": 45, "rotationPercent": 25}),
        (DEGREES, {"rotationDegrees": 45}),
    ],
)
def test_documented_query_states(attributes: dict, states: dict) -> None:
    assert TRAIT.query_states(attributes, {**states, "on": True}) == states


def test_one_way_device_reports_nothing() -> None:
    assert TRAIT.query_states(CONTINUOUS, {"rotationDegrees": 270, "rotationPercent": 75}) == {}


def test_documented_commands() -> None:
    assert execute("RotateAbsolute", {"rotationPercent": 50.0}, {}, BOTH) == {
        "rotationPercent": 50.0,
        "rotationDegrees": 90.0,
    }
    assert execute("RotateAbsolute", {"rotationDegrees": 30}, {"rotationDegrees": 45}, DEGREES) == {
        "rotationDegrees": 30
    }
    assert execute("RotateAbsolute", {"rotationDegrees": 10}, {}, CONTINUOUS) == {
        "rotationDegrees": 10,
        "rotationPercent": pytest.approx(100 * 10 / 360),
    }


def test_both_units_follow_the_range() -> None:
    offset = {**BOTH, "rotationDegreesRange": {"rotationDegreesMin": 90, "rotationDegreesMax": 180}}
    assert execute("RotateAbsolute", {"rotationDegrees": 135}, {}, offset) == {
        "rotationDegrees": 135,
        "rotationPercent": 50.0,
    }
    assert execute("RotateAbsolute", {"rotationPercent": 0}, {}, offset)["rotationDegrees"] == 90
    assert execute("RotateAbsolute", {"rotationPercent": 100}, {}, PERCENT) == {
        "rotationPercent": 100
    }


@pytest.mark.parametrize(
    ("params", "attributes", "code"),
    [
        ({"rotationDegrees": 91}, DEGREES, "degreesOutOfRange"),
        ({"rotationDegrees": -1}, BOTH, "degreesOutOfRange"),
        ({"rotationDegrees": 370}, CONTINUOUS, "degreesOutOfRange"),
        ({"rotationPercent": 101}, BOTH, "percentOutOfRange"),
        ({"rotationPercent": -0.5}, PERCENT, "percentOutOfRange"),
        ({"rotationPercent": 50}, DEGREES, "functionNotSupported"),
        ({"rotationDegrees": 50}, PERCENT, "functionNotSupported"),
        ({}, BOTH, "valueOutOfRange"),
        ({"rotationDegrees": 10, "rotationPercent": 10}, BOTH, "valueOutOfRange"),
        ({"rotationDegrees": "10"}, BOTH, "valueOutOfRange"),
    ],
)
def test_errors(params: dict, attributes: dict, code: str) -> None:
    assert _code(params, attributes) == code
