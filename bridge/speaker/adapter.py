"""The speaker adapter: what Google lacks, exposed as device documents.

Per speaker, by default one SWITCH with OnOff: "<speaker> Do Not Disturb" (``on`` = DND on; the
API's flag is inverted: ``notifications_enabled: false`` means DND on). Opt-ins: "<speaker> alarm"
(a query-only SWITCH, ``on`` while an alarm or timer rings: a starter for Google Home
automations) and "<speaker> restart" (a SCENE; activation reboots the speaker). Alarms, timers,
alarm volume and diagnostics go to ``users/{home}/lan/{speaker}``, outside the device documents.
"""

import logging
from collections.abc import Mapping
from typing import Any

from bridge.adapter import Found, Reading
from bridge.errors import DeviceError, Refused, Unconfirmed, Unsupported
from bridge.logs import log
from bridge.speaker.client import SpeakerClient, Target
from bridge.speaker.discovery import Discovery, Endpoint

T = "action.devices.traits."
EUREKA = "eureka_info?params=name,build_info,device_info,net&options=detail"
ALARM_RINGING = 2
TIMER_RINGING = 3
DND, ALARM, RESTART = "-dnd", "-alarm", "-restart"
ON_OFF = "action.devices.commands.OnOff"
ACTIVATE_SCENE = "action.devices.commands.ActivateScene"
DND_EXECUTION = {"mode": "confirmed", "timeoutMs": 800}
"""The DND switch is confirmed: the bridge answers with the read-back within the wait (docs/lan.md,
"Why the DND switch is confirmed"), so Google hears what the speaker really did."""


def target(found: Found) -> Target:
    return Target(found.key, found.identity, found.host, found.port, found.name)


def dnd_from(answer: Any) -> bool:
    """DND on <=> ``notifications_enabled`` is false."""
    if not isinstance(answer, Mapping) or not isinstance(answer.get("notifications_enabled"), bool):
        raise Unsupported("assistant/notifications: no notifications_enabled flag")
    return not answer["notifications_enabled"]


class SpeakerAdapter:
    """Google Home / Nest speakers; ``alarm_switch`` and ``restart_scene`` are opt-ins."""

    def __init__(
        self,
        discovery: Discovery,
        client: SpeakerClient,
        *,
        alarm_switch: bool = False,
        restart_scene: bool = False,
    ) -> None:
        self.discovery = discovery
        self.client = client
        self.alarm_switch = alarm_switch
        self.restart_scene = restart_scene

    def discover(self) -> list[Found]:
        found = []
        for endpoint in self.discovery.endpoints():
            speaker = self._identify(endpoint)
            if speaker is not None:
                found.append(speaker)
        return found

    def _identify(self, endpoint: Endpoint) -> Found | None:
        """The speaker at ``endpoint``, or None: not a speaker, or a certificate the owner has
        not approved (no document, no token for it)."""
        where = Target(endpoint.key, endpoint.identity, endpoint.host, endpoint.port, endpoint.name)
        try:
            info = self.client.call(where, "GET", EUREKA, auth=False)
        except Refused as error:
            log(logging.WARNING, "speaker_refused", device=endpoint.key, error=str(error))
            return None
        except DeviceError as error:
            log(logging.WARNING, "eureka_info_failed", device=endpoint.key, error=str(error))
            info = {}
        device = info.get("device_info", {}) if isinstance(info, Mapping) else {}
        capabilities = device.get("capabilities", {})
        if capabilities.get("assistant_supported") is False:
            log(logging.INFO, "not_a_speaker", device=endpoint.key, model=device.get("model_name"))
            return None
        if not endpoint.identity:
            log(
                logging.WARNING, "speaker_without_identity", device=endpoint.key, host=endpoint.host
            )
            return None
        if not self.client.approved(where):
            log(
                logging.WARNING,
                "speaker_awaits_approval",
                device=endpoint.key,
                identity=endpoint.identity,
                name=endpoint.name,
                host=endpoint.host,
            )
            return None
        return Found(
            key=endpoint.key,
            name=str(info.get("name") or endpoint.name or endpoint.key),
            host=endpoint.host,
            port=endpoint.port,
            model=str(device.get("model_name") or endpoint.model),
            firmware=str(info.get("build_info", {}).get("cast_build_revision", "")),
            details={"rebootSupported": capabilities.get("reboot_supported") is not False},
            identity=endpoint.identity,
        )

    def documents(self, found: Found) -> dict[str, dict[str, Any]]:
        info = {"manufacturer": "Google", "model": found.model or "Google Home speaker"}
        if found.firmware:
            info["swVersion"] = found.firmware
        documents: dict[str, dict[str, Any]] = {
            found.key + DND: {
                "type": "action.devices.types.SWITCH",
                "traits": [T + "OnOff"],
                "name": {"name": f"{found.name} Do Not Disturb"},
                "willReportState": True,
                "deviceInfo": info,
                "execution": dict(DND_EXECUTION),
                "states": {"online": True, "on": False},
            }
        }
        if self.alarm_switch:
            documents[found.key + ALARM] = {
                "type": "action.devices.types.SWITCH",
                "traits": [T + "OnOff"],
                "name": {"name": f"{found.name} alarm"},
                "willReportState": True,
                "deviceInfo": info,
                "attributes": {"queryOnlyOnOff": True},
                "states": {"online": True, "on": False},
            }
        if self.restart_scene and found.details.get("rebootSupported", True):
            documents[found.key + RESTART] = {
                "type": "action.devices.types.SCENE",
                "traits": [T + "Scene"],
                "name": {"name": f"Restart {found.name}"},
                "willReportState": False,
                "deviceInfo": info,
                "attributes": {"sceneReversible": False},
                "states": {"online": True},
            }
        return documents

    def commandable(self, device_id: str) -> frozenset[str]:
        return frozenset({"on"}) if device_id.endswith(DND) else frozenset()

    def read(self, found: Found) -> Reading:
        where = target(found)
        alarms = self.client.call(where, "GET", "assistant/alarms")
        volume = self.client.call(where, "POST", "assistant/alarms/volume")
        dnd = dnd_from(self.client.call(where, "POST", "assistant/notifications"))
        alarm_list = [_alarm(a) for a in alarms.get("alarm", []) if isinstance(a, Mapping)]
        timer_list = [_alarm(t) for t in alarms.get("timer", []) if isinstance(t, Mapping)]
        ringing = any(a["status"] == ALARM_RINGING for a in alarm_list) or any(
            t["status"] == TIMER_RINGING for t in timer_list
        )
        states: dict[str, dict[str, Any]] = {found.key + DND: {"on": dnd}}
        if self.alarm_switch:
            states[found.key + ALARM] = {"on": ringing}
        if self.restart_scene and found.details.get("rebootSupported", True):
            states[found.key + RESTART] = {}
        side = {
            "alarms": alarm_list,
            "timers": timer_list,
            "ringing": ringing,
            "alarmVolume": volume.get("volume") if isinstance(volume, Mapping) else None,
        }
        return Reading(states, side)

    def change_for(
        self, device_id: str, command: str, params: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        if device_id.endswith(DND) and command == ON_OFF and isinstance(params.get("on"), bool):
            return {"on": params["on"]}
        return None

    def apply(self, found: Found, device_id: str, change: Mapping[str, Any]) -> dict[str, Any]:
        if not device_id.endswith(DND) or set(change) != {"on"}:
            raise Unsupported(f"{device_id}: cannot change {sorted(change)}")
        where = target(found)
        wanted = bool(change["on"])
        self.client.call(
            where, "POST", "assistant/notifications", {"notifications_enabled": not wanted}
        )
        actual = dnd_from(self.client.call(where, "POST", "assistant/notifications"))
        if actual != wanted:
            raise Unconfirmed(f"{device_id}: DND still {actual}", {"on": actual})
        return {"on": actual}

    def perform(
        self, found: Found, device_id: str, command: str, params: Mapping[str, Any]
    ) -> None:
        where = target(found)
        if device_id.endswith(RESTART) and command == ACTIVATE_SCENE:
            if params.get("deactivate") is True:
                raise Unsupported(f"{device_id}: a restart cannot be undone")
            self.client.call(where, "POST", "reboot", {"params": "now"})
            return
        if command == "cancelAlarms":
            ids = [str(i) for i in params.get("ids", [])]
            self.client.call(where, "POST", "assistant/alarms/delete", {"ids": ids})
            left = self.client.call(where, "GET", "assistant/alarms")
            still = {a.get("id") for a in left.get("alarm", []) + left.get("timer", [])}
            if still & set(ids):
                raise Unconfirmed(f"{found.key}: alarms not deleted", {"ids": sorted(still)})
            return
        raise Unsupported(f"{device_id}: no command {command}")


def _alarm(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": str(raw.get("id", "")),
        "fireTime": raw.get("fire_time"),
        "status": int(raw.get("status", 0)),
        **({"label": str(raw["label"])} if raw.get("label") else {}),
        **({"durationMs": raw["original_duration"]} if "original_duration" in raw else {}),
    }
