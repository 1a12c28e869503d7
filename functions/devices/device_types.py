"""Google smart-home device types this product accepts in SYNC, with their guide's traits.

One guide per type: https://developers.home.google.com/cloud-to-cloud/guides (e.g. guides/switch).
Each guide names the traits a device of that type should implement ("required if applicable": a
device without one answers QUERY/EXECUTE for it with ``functionNotSupported``) and recommended
ones; any trait may be combined with any type, so SYNC checks only that the type is known.
"""

from dataclasses import dataclass

TYPE_PREFIX = "action.devices.types."
TRAIT_PREFIX = "action.devices.traits."


@dataclass(frozen=True)
class DeviceType:
    """One device type: wire name, label and the traits its Google guide lists."""

    name: str
    label: str
    required_traits: tuple[str, ...]
    recommended_traits: tuple[str, ...]


def _type(
    short: str, label: str, required: tuple[str, ...], recommended: tuple[str, ...]
) -> DeviceType:
    return DeviceType(
        TYPE_PREFIX + short,
        label,
        tuple(TRAIT_PREFIX + name for name in required),
        tuple(TRAIT_PREFIX + name for name in recommended),
    )


TYPES: tuple[DeviceType, ...] = (
    _type("AC_UNIT", "Air conditioning unit", ("TemperatureSetting",), ("FanSpeed",)),
    _type("AIRCOOLER", "Air cooler", ("TemperatureSetting",), ("FanSpeed", "HumiditySetting")),
    _type("AIRFRESHENER", "Air freshener", ("OnOff",), ("Modes", "Toggles")),
    _type("AIRPURIFIER", "Air purifier", ("OnOff",), ("FanSpeed", "SensorState")),
    _type(
        "AUDIO_VIDEO_RECEIVER",
        "Audio-Video receiver",
        ("InputSelector", "OnOff", "Volume"),
        ("AppSelector", "MediaState", "TransportControl"),
    ),
    _type("AWNING", "Awning", ("OpenClose",), ()),
    _type("BATHTUB", "Bathtub", ("Fill", "TemperatureControl", "StartStop"), ()),
    _type("BED", "Bed", ("Modes",), ("Scene",)),
    _type("BLANKET", "Blanket", (), ("OnOff", "Modes", "Toggles")),
    _type("BLENDER", "Blender", ("OnOff",), ("Cook", "StartStop", "Timer")),
    _type("BLINDS", "Blinds", ("OpenClose",), ("Rotation",)),
    _type("BOILER", "Boiler", ("OnOff",), ("TemperatureControl",)),
    _type("CAMERA", "Camera", ("CameraStream",), ()),
    _type("CARBON_MONOXIDE_DETECTOR", "Carbon monoxide detector", ("SensorState",), ()),
    _type("CHARGER", "Charger", ("EnergyStorage",), ()),
    _type("CLOSET", "Closet", ("OpenClose",), ()),
    _type("COFFEE_MAKER", "Coffee Maker", ("OnOff",), ("Cook", "TemperatureControl")),
    _type("COOKTOP", "Cooktop", ("OnOff",), ("Cook", "Timer")),
    _type("CURTAIN", "Curtain", ("OpenClose",), ()),
    _type("DEHUMIDIFIER", "Dehumidifier", ("OnOff",), ("FanSpeed", "HumiditySetting", "StartStop")),
    _type("DEHYDRATOR", "Dehydrator", ("OnOff",), ("Cook", "StartStop", "Timer")),
    _type("DISHWASHER", "Dishwasher", ("StartStop",), ("OnOff", "RunCycle")),
    _type("DOOR", "Door", ("OpenClose",), ("LockUnlock",)),
    _type("DOORBELL", "Doorbell", (), ("CameraStream", "ObjectDetection")),
    _type("DRAWER", "Drawer", ("OpenClose",), ()),
    _type("DRYER", "Dryer", ("StartStop",), ("Modes", "OnOff", "RunCycle", "Toggles")),
    _type("FAN", "Fan", ("OnOff",), ("FanSpeed",)),
    _type("FAUCET", "Faucet", (), ("Dispense", "StartStop", "TemperatureControl")),
    _type("FIREPLACE", "Fireplace", (), ("Modes", "Toggles", "OnOff")),
    _type("FREEZER", "Freezer", ("TemperatureControl",), ()),
    _type("FRYER", "Fryer", ("OnOff",), ("Cook", "StartStop", "Timer")),
    _type(
        "GAME_CONSOLE",
        "Game console",
        ("AppSelector", "MediaState", "OnOff", "TransportControl"),
        ("Volume",),
    ),
    _type("GARAGE", "Garage", ("OpenClose",), ()),
    _type("GATE", "Gate", ("OpenClose",), ("LockUnlock",)),
    _type("GRILL", "Grill", ("StartStop",), ("Cook", "OnOff", "Timer")),
    _type("HEATER", "Heater", ("TemperatureSetting",), ("FanSpeed",)),
    _type("HOOD", "Hood", ("OnOff",), ("Brightness", "FanSpeed")),
    _type("HUMIDIFIER", "Humidifier", ("OnOff",), ("FanSpeed", "HumiditySetting", "StartStop")),
    _type("KETTLE", "Kettle", ("OnOff",), ("TemperatureControl",)),
    _type("LIGHT", "Light", ("OnOff",), ("ColorSetting", "Brightness")),
    _type("LOCK", "Lock", ("LockUnlock",), ()),
    _type("MICROWAVE", "Microwave", ("StartStop",), ("Cook", "Timer")),
    _type("MOP", "Mop", ("StartStop",), ("Dock", "EnergyStorage", "Locator", "OnOff", "RunCycle")),
    _type(
        "MOWER", "Mower", ("StartStop",), ("Dock", "EnergyStorage", "Locator", "OnOff", "RunCycle")
    ),
    _type("MULTICOOKER", "Multicooker", ("OnOff",), ("Cook", "StartStop", "Timer")),
    _type("NETWORK", "Network", ("NetworkControl",), ("Reboot", "SoftwareUpdate")),
    _type("OUTLET", "Outlet", ("OnOff",), ()),
    _type("OVEN", "Oven", ("OnOff",), ("Cook", "TemperatureControl", "Timer")),
    _type("PERGOLA", "Pergola", ("OpenClose",), ("Rotation",)),
    _type("PETFEEDER", "Pet feeder", ("Dispense",), ("OnOff", "StartStop")),
    _type("PRESSURECOOKER", "Pressure cooker", ("OnOff",), ("Cook", "Timer")),
    _type("PUMP", "Pump", ("OnOff",), ()),
    _type("RADIATOR", "Radiator", ("OnOff",), ("Modes", "Toggles")),
    _type("REFRIGERATOR", "Refrigerator", ("TemperatureControl",), ()),
    _type(
        "REMOTECONTROL",
        "Remote control",
        ("InputSelector", "MediaState", "OnOff", "TransportControl", "Volume"),
        ("AppSelector", "Channel"),
    ),
    _type("ROUTER", "Router", ("NetworkControl",), ("Reboot", "SoftwareUpdate")),
    _type("SCENE", "Scene", ("Scene",), ()),
    _type("SECURITYSYSTEM", "Security system", ("ArmDisarm",), ("StatusReport",)),
    _type(
        "SENSOR",
        "Sensor",
        (),
        (
            "SensorState",
            "EnergyStorage",
            "HumiditySetting",
            "TemperatureControl",
            "OpenClose",
            "Brightness",
        ),
    ),
    _type(
        "SETTOP",
        "Settop",
        ("AppSelector", "MediaState", "Channel", "TransportControl"),
        ("Volume", "OnOff"),
    ),
    _type("SHOWER", "Shower", ("OpenClose",), ("Rotation",)),
    _type("SHUTTER", "Shutter", ("OpenClose",), ("Rotation",)),
    _type("SMOKE_DETECTOR", "Smoke detector", ("SensorState",), ()),
    _type(
        "SOUNDBAR",
        "Soundbar",
        ("Volume",),
        ("AppSelector", "InputSelector", "MediaState", "OnOff", "TransportControl"),
    ),
    _type("SOUSVIDE", "Sousvide", ("OnOff",), ("Cook", "StartStop", "Timer")),
    _type(
        "SPEAKER",
        "Speaker",
        ("Volume",),
        ("AppSelector", "InputSelector", "MediaState", "OnOff", "TransportControl"),
    ),
    _type("SPRINKLER", "Sprinkler", ("StartStop",), ("Timer",)),
    _type("STANDMIXER", "Stand mixer", ("OnOff",), ("Cook", "StartStop")),
    _type(
        "STREAMING_BOX",
        "Streaming box",
        ("AppSelector", "MediaState", "TransportControl", "Volume"),
        ("InputSelector", "OnOff"),
    ),
    _type(
        "STREAMING_SOUNDBAR",
        "Streaming soundbar",
        ("AppSelector", "MediaState", "TransportControl", "Volume"),
        ("InputSelector", "OnOff"),
    ),
    _type(
        "STREAMING_STICK",
        "Streaming stick",
        ("AppSelector", "MediaState", "TransportControl", "Volume"),
        ("OnOff",),
    ),
    _type("SWITCH", "Switch", ("OnOff",), ("Brightness",)),
    _type("THERMOSTAT", "Thermostat", ("TemperatureSetting",), ()),
    _type(
        "TV",
        "Television",
        ("AppSelector", "MediaState", "OnOff", "TransportControl", "Volume"),
        ("Channel", "InputSelector"),
    ),
    _type(
        "VACUUM",
        "Vacuum",
        ("StartStop",),
        ("Dock", "EnergyStorage", "Locator", "OnOff", "RunCycle"),
    ),
    _type("VALVE", "Valve", ("OpenClose",), ()),
    _type("WASHER", "Washer", ("StartStop",), ("Modes", "OnOff", "RunCycle", "Toggles")),
    _type("WATERHEATER", "Water heater", ("OnOff",), ("TemperatureControl",)),
    _type("WATERPURIFIER", "Water purifier", (), ("OnOff", "SensorState")),
    _type("WATERSOFTENER", "Water softener", (), ("OnOff", "SensorState")),
    _type("WINDOW", "Window", ("OpenClose",), ("LockUnlock",)),
    _type("YOGURTMAKER", "Yogurt maker", ("OnOff",), ("Cook", "StartStop", "Timer")),
)
"""Every ``action.devices.types.*`` Google lists, in alphabetical order."""

DEVICE_TYPES: dict[str, DeviceType] = {device_type.name: device_type for device_type in TYPES}
"""Wire type name (``action.devices.types.LIGHT``) -> DeviceType."""
