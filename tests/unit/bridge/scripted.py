"""A scripted in-memory adapter: a LAN device whose state and failures the test controls."""

from collections.abc import Mapping
from typing import Any

from bridge.adapter import Found, Reading
from bridge.errors import DeviceError, Unconfirmed, Unsupported

LAMP = Found("lamp", "Lamp", "192.0.2.1", 80)


class ScriptedAdapter:
    def __init__(self) -> None:
        self.on = False
        self.sensor = 1
        self.fail: list[DeviceError] = []
        self.lie = False
        self.reads = 0
        self.applied: list[dict[str, Any]] = []
        self.performed: list[tuple[str, str]] = []
        self.found = [LAMP]

    def discover(self) -> list[Found]:
        return list(self.found)

    def documents(self, found: Found) -> dict[str, dict[str, Any]]:
        return {
            "lamp": {
                "type": "action.devices.types.SWITCH",
                "traits": ["action.devices.traits.OnOff"],
                "name": {"name": "Lamp"},
                "willReportState": True,
                "states": {"online": True, "on": False, "sensor": 0},
            }
        }

    def commandable(self, device_id: str) -> frozenset[str]:
        return frozenset({"on"})

    def change_for(
        self, device_id: str, command: str, params: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        if command == "action.devices.commands.OnOff":
            return {"on": params["on"]}
        return None

    def read(self, found: Found) -> Reading:
        self.reads += 1
        if self.fail:
            raise self.fail.pop(0)
        return Reading({"lamp": {"on": self.on, "sensor": self.sensor}}, {"host": found.host})

    def apply(self, found: Found, device_id: str, change: Mapping[str, Any]) -> dict[str, Any]:
        self.applied.append(dict(change))
        if self.fail:
            raise self.fail.pop(0)
        if not self.lie:
            self.on = bool(change["on"])
        if self.on != change["on"]:
            raise Unconfirmed("ignored", {"on": self.on})
        return {"on": self.on}

    def perform(self, found: Found, device_id: str, command: str, params: Any) -> None:
        if self.fail:
            raise self.fail.pop(0)
        if command != "action.devices.commands.Locate":
            raise Unsupported(f"no command {command}")
        self.performed.append((device_id, command))
