import pytest

from functions.core.errors import InvalidDevice
from functions.devices.traits import COMMANDS, TRAITS
from functions.devices.traits.occupancy_sensing import OCCUPANCY_STATES
from tests.unit.traits.helpers import validate

# Golden examples from https://developers.home.google.com/cloud-to-cloud/traits/occupancysensing
# (attributes, their dependencies and the three occupancy values read on the ?hl=zh-cn copy).
PIR = {
    "occupancySensorType": "PIR",
    "occupiedToUnoccupiedDelaySec": 10,
    "unoccupiedToOccupiedDelaySec": 10,
    "unoccupiedToOccupiedEventThreshold": 2,
}
DOCUMENTED = {"occupancySensorConfiguration": [PIR, {**PIR, "occupancySensorType": "ULTRASONIC"}]}
TRAIT = TRAITS["action.devices.traits.OccupancySensing"]


@pytest.mark.parametrize(
    "attributes",
    [
        DOCUMENTED,
        {},
        {"occupancySensorConfiguration": [{"occupancySensorType": "PHYSICAL_CONTACT"}]},
        {
            "occupancySensorConfiguration": [
                {
                    "occupancySensorType": "PIR",
                    "unoccupiedToOccupiedDelaySec": 0,
                    "unoccupiedToOccupiedEventThreshold": 1,
                }
            ]
        },
    ],
)
def test_valid_attributes(attributes: dict) -> None:
    validate("OccupancySensing", attributes)


def _without(key: str) -> dict:
    return {name: value for name, value in PIR.items() if name != key}


@pytest.mark.parametrize(
    ("sensors", "message"),
    [
        ([], "at least 1"),
        ("PIR", "must be a list"),
        (["PIR"], "must be a list of objects"),
        ([_without("occupancySensorType")], r"\[0\]\.occupancySensorType is required"),
        ([{**PIR, "occupancySensorType": "RADAR"}], "occupancySensorType='RADAR' is not one of"),
        ([_without("unoccupiedToOccupiedDelaySec")], "unoccupiedToOccupiedDelaySec is required"),
        (
            [_without("unoccupiedToOccupiedEventThreshold")],
            "unoccupiedToOccupiedEventThreshold is required",
        ),
        (
            [{**PIR, "occupiedToUnoccupiedDelaySec": -1}],
            "occupiedToUnoccupiedDelaySec=-1 is outside",
        ),
        ([{**PIR, "unoccupiedToOccupiedDelaySec": 2.5}], "must be an integer"),
        (
            [{**PIR, "unoccupiedToOccupiedEventThreshold": 0}],
            "unoccupiedToOccupiedEventThreshold=0",
        ),
        ([PIR, PIR], "repeats a name"),
    ],
)
def test_invalid_attributes(sensors: object, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("OccupancySensing", {"occupancySensorConfiguration": sensors})


@pytest.mark.parametrize("occupancy", OCCUPANCY_STATES)
def test_query_state(occupancy: str) -> None:
    assert TRAIT.query_states(DOCUMENTED, {"occupancy": occupancy, "on": True}) == {
        "occupancy": occupancy
    }


def test_documented_values_and_no_commands() -> None:
    assert OCCUPANCY_STATES == ("OCCUPIED", "UNOCCUPIED", "UNKNOWN_OCCUPANCY_STATE")
    assert TRAIT.commands == {}
    assert TRAIT not in COMMANDS.values()
