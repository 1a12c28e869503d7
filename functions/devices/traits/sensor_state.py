"""SensorState: https://developers.home.google.com/cloud-to-cloud/traits/sensorstate

Read-only sensors: no commands; each sensor needs descriptive and/or numeric capabilities.

Sensor names are not restricted to the 2022 list of supported sensors (the page's current table
could not be read, and newer sensors exist). ``currentSensorStateData`` is reported as stored.
"""

from functions.devices.traits.base import TRAIT_PREFIX, Trait
from functions.devices.traits.fields import Fields
from functions.devices.traits.modes import distinct, each


def validate(attributes: Fields) -> None:
    """Each sensor has a name and a descriptive and/or a numeric capability."""
    sensors = each(attributes, "sensorStatesSupported")
    names = [sensor.string("name", required=True) for sensor in sensors]
    distinct(attributes, "sensorStatesSupported", names)
    for sensor in sensors:
        descriptive = sensor.obj("descriptiveCapabilities")
        numeric = sensor.obj("numericCapabilities")
        if descriptive is None and numeric is None:
            sensor.error("needs descriptiveCapabilities or numericCapabilities")
        if descriptive is not None:
            descriptive.strings("availableStates", required=True, min_items=1)
        if numeric is not None:
            numeric.string("rawValueUnit", required=True)


TRAIT = Trait(
    name=TRAIT_PREFIX + "SensorState",
    states=("currentSensorStateData",),
    validate_attributes=validate,
)
