"""The demo home seeded by ``make run``: one complete document per device type it shows.

The front doorbell notifies Google of visitors (a device event, docs/on_device_change.md). The front
door lock and the garage door are confirmed devices (docs/devices.md, "Execution
modes"): ``make run``'s reference device backend (devstack/device_backend.py) answers the lock
in time and the garage door too late, so Google hears PENDING for it. The porch light was moved to
Matter: it gives Google the ids that deduplicate it (docs/devices.md, "Matter deduplication").

docs/demo-home.md shows these same documents; a test keeps them equal.
"""

from typing import Any

T = "action.devices.traits."
SPEAKER_NAME = "Bedroom speaker"
BRIDGE_UID = "lan-bridge-demo"
"""The demo home's LAN bridge user (``bridge.credential.provision``'s uid for the home ``demo``):
the ``backend`` that owns the bridged device (docs/devices.md, "The device document")."""
"""The fake Google Home speaker that ``make run`` bridges (devstack/fake_speaker.py)."""
INFO = {"manufacturer": "Acme", "model": "demo-1", "hwVersion": "1.0", "swVersion": "1.0.0"}

DEMO_DEVICES: dict[str, dict[str, Any]] = {
    "kitchen-light": {
        "type": "action.devices.types.LIGHT",
        "traits": [T + "OnOff", T + "Brightness", T + "ColorSetting"],
        "name": {"name": "Kitchen light", "defaultNames": ["Acme bulb"], "nicknames": ["lamp"]},
        "willReportState": True,
        "roomHint": "Kitchen",
        "deviceInfo": INFO,
        "attributes": {
            "colorModel": "rgb",
            "colorTemperatureRange": {"temperatureMinK": 2000, "temperatureMaxK": 9000},
        },
        "customData": {"hubId": "hub-1"},
        "states": {
            "online": True,
            "on": True,
            "brightness": 80,
            "color": {"spectrumRgb": 16744448},
        },
    },
    "desk-outlet": {
        "type": "action.devices.types.OUTLET",
        "traits": [T + "OnOff"],
        "name": {"name": "Desk outlet"},
        "willReportState": True,
        "roomHint": "Office",
        "states": {"online": True, "on": False},
    },
    "hall-thermostat": {
        "type": "action.devices.types.THERMOSTAT",
        "traits": [T + "TemperatureSetting"],
        "name": {"name": "Hall thermostat"},
        "willReportState": True,
        "roomHint": "Hallway",
        "attributes": {
            "availableThermostatModes": ["off", "heat", "cool", "heatcool"],
            "thermostatTemperatureUnit": "C",
            "thermostatTemperatureRange": {"minThresholdCelsius": 10, "maxThresholdCelsius": 32},
            "bufferRangeCelsius": 2,
        },
        "states": {
            "online": True,
            "thermostatMode": "heat",
            "thermostatTemperatureSetpoint": 21,
            "thermostatTemperatureAmbient": 19.5,
            "thermostatHumidityAmbient": 45,
        },
    },
    "front-door-lock": {
        "type": "action.devices.types.LOCK",
        "traits": [T + "LockUnlock"],
        "name": {"name": "Front door"},
        "willReportState": True,
        "roomHint": "Entrance",
        "execution": {"mode": "confirmed", "timeoutMs": 800},
        "states": {"online": True, "isLocked": True, "isJammed": False},
    },
    "garage-door": {
        "type": "action.devices.types.GARAGE",
        "traits": [T + "OpenClose"],
        "name": {"name": "Garage door"},
        "willReportState": True,
        "roomHint": "Garage",
        "attributes": {"discreteOnlyOpenClose": True},
        "execution": {"mode": "confirmed", "timeoutMs": 300},
        "states": {"online": True, "openPercent": 0},
    },
    "living-room-blinds": {
        "type": "action.devices.types.BLINDS",
        "traits": [T + "OpenClose"],
        "name": {"name": "Living room blinds"},
        "willReportState": True,
        "roomHint": "Living room",
        "attributes": {"discreteOnlyOpenClose": False},
        "states": {"online": True, "openPercent": 0},
    },
    "bedroom-fan": {
        "type": "action.devices.types.FAN",
        "traits": [T + "OnOff", T + "FanSpeed"],
        "name": {"name": "Bedroom fan"},
        "willReportState": True,
        "roomHint": "Bedroom",
        "attributes": {
            "availableFanSpeeds": {
                "speeds": [
                    {
                        "speed_name": "low",
                        "speed_values": [{"speed_synonym": ["low", "slow"], "lang": "en"}],
                    },
                    {
                        "speed_name": "high",
                        "speed_values": [{"speed_synonym": ["high", "fast"], "lang": "en"}],
                    },
                ],
                "ordered": True,
            },
            "reversible": True,
        },
        "states": {"online": True, "on": False, "currentFanSpeedSetting": "low"},
    },
    "kitchen-speaker": {
        "type": "action.devices.types.SPEAKER",
        "traits": [T + "OnOff", T + "Volume"],
        "name": {"name": "Kitchen speaker"},
        "willReportState": True,
        "roomHint": "Kitchen",
        "attributes": {"volumeMaxLevel": 100, "volumeCanMuteAndUnmute": True, "levelStepSize": 5},
        "states": {"online": True, "on": True, "currentVolume": 30, "isMuted": False},
    },
    "washer": {
        "type": "action.devices.types.WASHER",
        "traits": [T + "OnOff", T + "StartStop", T + "Modes", T + "Toggles"],
        "name": {"name": "Washer"},
        "willReportState": True,
        "roomHint": "Laundry room",
        "attributes": {
            "pausable": True,
            "availableModes": [
                {
                    "name": "load",
                    "name_values": [{"name_synonym": ["load", "size"], "lang": "en"}],
                    "settings": [
                        {
                            "setting_name": "small",
                            "setting_values": [
                                {"setting_synonym": ["small", "half"], "lang": "en"}
                            ],
                        },
                        {
                            "setting_name": "large",
                            "setting_values": [
                                {"setting_synonym": ["large", "full"], "lang": "en"}
                            ],
                        },
                    ],
                    "ordered": True,
                }
            ],
            "availableToggles": [
                {
                    "name": "quiet",
                    "name_values": [{"name_synonym": ["quiet", "silent"], "lang": "en"}],
                }
            ],
        },
        "states": {
            "online": True,
            "on": True,
            "isRunning": False,
            "isPaused": False,
            "currentModeSettings": {"load": "small"},
            "currentToggleSettings": {"quiet": False},
        },
    },
    "movie-night": {
        "type": "action.devices.types.SCENE",
        "traits": [T + "Scene"],
        "name": {"name": "Movie night"},
        "willReportState": False,
        "attributes": {"sceneReversible": True},
        "states": {"online": True},
    },
    "air-monitor": {
        "type": "action.devices.types.SENSOR",
        "traits": [T + "SensorState"],
        "name": {"name": "Air monitor"},
        "willReportState": True,
        "roomHint": "Living room",
        "attributes": {
            "sensorStatesSupported": [
                {
                    "name": "AirQuality",
                    "descriptiveCapabilities": {
                        "availableStates": ["healthy", "moderate", "unhealthy", "very unhealthy"]
                    },
                }
            ]
        },
        "states": {
            "online": True,
            "currentSensorStateData": [{"name": "AirQuality", "currentSensorState": "healthy"}],
        },
    },
    "garage-outlet": {
        "type": "action.devices.types.OUTLET",
        "traits": [T + "OnOff"],
        "name": {"name": "Garage outlet"},
        "willReportState": True,
        "roomHint": "Garage",
        "states": {"online": False, "on": False},
    },
    "front-doorbell": {
        "type": "action.devices.types.DOORBELL",
        "traits": [T + "ObjectDetection"],
        "name": {"name": "Front doorbell"},
        "willReportState": False,
        "notificationSupportedByAgent": True,
        "roomHint": "Entrance",
        "states": {"online": True},
    },
    "porch-light": {
        "type": "action.devices.types.LIGHT",
        "traits": [T + "OnOff"],
        "name": {"name": "Porch light"},
        "willReportState": True,
        "roomHint": "Porch",
        "deviceInfo": {**INFO, "model": "demo-matter-1", "swVersion": "2.0.0"},
        "matterUniqueId": "00112233aabbccddeeff",
        "matterOriginalVendorId": "0xfff1",
        "matterOriginalProductId": "0x1234",
        "states": {"online": True, "on": False},
    },
    "bedroom-speaker-dnd": {
        "type": "action.devices.types.SWITCH",
        "traits": [T + "OnOff"],
        "name": {"name": "Bedroom speaker Do Not Disturb"},
        "willReportState": True,
        "deviceInfo": {
            "manufacturer": "Google",
            "model": "Google Nest Mini",
            "swVersion": "1.56.500000",
        },
        "execution": {"mode": "confirmed", "timeoutMs": 800},
        "backend": BRIDGE_UID,
        "states": {"online": True, "on": False},
    },
}


def seed(store: Any, user_id: str) -> int:
    """Write the demo devices for ``user_id`` (replacing earlier copies); returns the count."""
    for device_id, document in DEMO_DEVICES.items():
        store.device(user_id, device_id).set(document)
    return len(DEMO_DEVICES)
