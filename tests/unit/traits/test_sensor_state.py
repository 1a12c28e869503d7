import pytest

from functions.core.errors import InvalidDevice
from functions.devices.traits import COMMANDS, TRAITS
from tests.unit.traits.helpers import validate

# Golden SYNC attributes from https://developers.home.google.com/cloud-to-cloud/traits/sensorstate
DESCRIPTIVE = {
    "sensorStatesSupported": [
        {
            "name": "AirQuality",
            "descriptiveCapabilities": {
                "availableStates": ["healthy", "moderate", "unhealthy", "very unhealthy"]
            },
        }
    ]
}
NUMERIC = {
    "sensorStatesSupported": [
        {
            "name": "CarbonMonoxideLevel",
            "numericCapabilities": {"rawValueUnit": "PARTS_PER_MILLION"},
        }
    ]
}
BOTH = {
    "sensorStatesSupported": [
        {
            "name": "SmokeLevel",
            "numericCapabilities": {"rawValueUnit": "PARTS_PER_MILLION"},
            "descriptiveCapabilities": {
                "availableStates": ["smoke detected", "high", "no smoke detected"]
            },
        }
    ]
}


@pytest.mark.parametrize("attributes", [DESCRIPTIVE, NUMERIC, BOTH])
def test_documented_attributes(attributes: dict) -> None:
    validate("SensorState", attributes)


def test_several_sensors() -> None:
    sensors = DESCRIPTIVE["sensorStatesSupported"] + NUMERIC["sensorStatesSupported"]
    validate("SensorState", {"sensorStatesSupported": sensors})


@pytest.mark.parametrize(
    ("sensors", "where"),
    [
        (None, "sensorStatesSupported is required"),
        ([], "sensorStatesSupported must be a list of at least 1"),
        ("AirQuality", "sensorStatesSupported must be a list"),
        (["AirQuality"], "sensorStatesSupported must be a list of objects"),
        ([{"descriptiveCapabilities": {"availableStates": ["x"]}}], r"\[0\]\.name is required"),
        ([{"name": "AirQuality"}], r"\[0\]\.needs descriptiveCapabilities or numeric"),
        ([{"name": "A", "descriptiveCapabilities": []}], "descriptiveCapabilities must be an"),
        ([{"name": "A", "descriptiveCapabilities": {}}], "availableStates is required"),
        (
            [{"name": "A", "descriptiveCapabilities": {"availableStates": []}}],
            r"\[0\]\.descriptiveCapabilities\.availableStates must be a list",
        ),
        ([{"name": "A", "numericCapabilities": {}}], "numericCapabilities.rawValueUnit is req"),
        ([{"name": "A", "numericCapabilities": {"rawValueUnit": 3}}], "rawValueUnit must be"),
        (NUMERIC["sensorStatesSupported"] * 2, "sensorStatesSupported repeats a name"),
    ],
)
def test_invalid_attributes(sensors: object, where: str) -> None:
    with pytest.raises(InvalidDevice, match=where):
        validate("SensorState", {"sensorStatesSupported": sensors})


def test_states_and_no_commands() -> None:
    trait = TRAITS["action.devices.traits.SensorState"]
    data = [{"name": "AirQuality", "currentSensorState": "healthy", "rawValue": 10}]
    assert trait.query_states({}, {"currentSensorStateData": data, "on": True}) == {
        "currentSensorStateData": data
    }
    assert trait.commands == {}
    assert trait not in COMMANDS.values()
