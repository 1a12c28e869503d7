"""Device documents the behaviour tests command, and a device backend's reaction to a lock."""

from typing import Any

LOCK = {
    "type": "action.devices.types.LOCK",
    "traits": ["action.devices.traits.LockUnlock"],
    "name": {"name": "Front door"},
    "willReportState": True,
    "execution": {"mode": "confirmed", "timeoutMs": 900},
    "states": {"online": True, "isLocked": False, "isJammed": False},
}
GARAGE = {
    "type": "action.devices.types.GARAGE",
    "traits": ["action.devices.traits.OpenClose"],
    "name": {"name": "Garage"},
    "willReportState": True,
    "attributes": {"discreteOnlyOpenClose": True},
    "execution": {"mode": "confirmed", "timeoutMs": 200},
    # Opening a garage asks for a PIN by default; this one's maker turned that off.
    "secondaryVerification": {"action.devices.commands.OpenClose": "none"},
    "states": {"online": True, "openPercent": 0},
}
SCENE = {
    "type": "action.devices.types.SCENE",
    "traits": ["action.devices.traits.Scene"],
    "name": {"name": "Party"},
    "willReportState": False,
    "attributes": {"sceneReversible": False},
    "states": {"online": True},
}
IR_TV = {
    "type": "action.devices.types.TV",
    "traits": ["action.devices.traits.Volume"],
    "name": {"name": "Old TV"},
    "willReportState": False,
    "attributes": {
        "volumeMaxLevel": 100,
        "volumeCanMuteAndUnmute": True,
        "commandOnlyVolume": True,
    },
    "states": {"online": True},
}


CAMERA = {
    "type": "action.devices.types.CAMERA",
    "traits": ["action.devices.traits.CameraStream"],
    "name": {"name": "Front door camera"},
    "willReportState": False,
    "attributes": {
        "cameraStreamSupportedProtocols": ["webrtc", "hls", "progressive_mp4"],
        "cameraStreamNeedAuthToken": True,
    },
    "states": {"online": True},
}
"""An optimistic camera (no ``execution``): GetCameraStream is awaited all the same."""
ROUTER = {
    "type": "action.devices.types.ROUTER",
    "traits": ["action.devices.traits.NetworkControl"],
    "name": {"name": "Router"},
    "willReportState": True,
    "attributes": {"supportsGettingGuestNetworkPassword": True},
    "execution": {"mode": "confirmed", "timeoutMs": 900},
    "states": {"online": True, "guestNetworkEnabled": True},
}


def locked(record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A backend that locks or unlocks as asked, and says so."""
    want = record["executions"][0]["params"]["lock"]
    return {"status": "SUCCESS", "states": {"isLocked": want}}, {"isLocked": want}
