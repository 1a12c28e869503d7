"""OccupancySensing: https://developers.home.google.com/cloud-to-cloud/traits/occupancysensing

Read-only: no commands. ``occupancy`` is one of ``OCCUPANCY_STATES`` (the zh-CN copy of the page
lists all three). ``occupancySensorConfiguration`` describes each sensing method: its
``occupancySensorType`` and optional delays; setting ``occupiedToUnoccupiedDelaySec`` requires
``unoccupiedToOccupiedDelaySec``, which in turn requires ``unoccupiedToOccupiedEventThreshold``.

Where Google is silent: the configuration, when present, lists at least one sensor and each
sensor type once; delays are integers >= 0 and the event threshold an integer >= 1.
"""

from functions.devices.traits.base import TRAIT_PREFIX, Trait
from functions.devices.traits.fields import Fields
from functions.devices.traits.modes import distinct, each

SENSOR_TYPES = ("PIR", "ULTRASONIC", "PHYSICAL_CONTACT")
OCCUPANCY_STATES = ("OCCUPIED", "UNOCCUPIED", "UNKNOWN_OCCUPANCY_STATE")
CONFIGURATION = "occupancySensorConfiguration"


def _check_sensor(sensor: Fields) -> str:
    kind = sensor.string("occupancySensorType", required=True, choices=SENSOR_TYPES)
    to_unoccupied = sensor.integer("occupiedToUnoccupiedDelaySec", low=0)
    to_occupied = sensor.integer(
        "unoccupiedToOccupiedDelaySec", required=to_unoccupied is not None, low=0
    )
    sensor.integer("unoccupiedToOccupiedEventThreshold", required=to_occupied is not None, low=1)
    return str(kind)


def validate(attributes: Fields) -> None:
    if attributes.raw(CONFIGURATION) is None:
        return
    sensors = each(attributes, CONFIGURATION)
    distinct(attributes, CONFIGURATION, [_check_sensor(sensor) for sensor in sensors])


TRAIT = Trait(
    name=TRAIT_PREFIX + "OccupancySensing",
    states=("occupancy",),
    validate_attributes=validate,
)
