"""The local protocol between the Local Home app (local-home/) and the bridge; pure.

The bridge advertises ``_smarthome-hub._tcp`` over mDNS (TXT ``hub``, ``v``, ``sw``; never the
secret). Each device it serves carries, in its document and so in SYNC, ``otherDeviceIds:
[{"deviceId": <its id>}]`` (the ``verificationId`` REACHABLE_DEVICES answers) and ``customData:
{"hub", "port", "secret"}``. The app POSTs Google's intent envelope to ``PATH`` with
``Authorization: Bearer <secret>`` and reads ``{"requestId", "payload"}`` in Google's shapes.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bridge.store import Execution

SERVICE_TYPE = "_smarthome-hub._tcp.local."
PATH = "/smarthome/local"
VERSION = "1"
CUSTOM_DATA_MAX_BYTES = 512
"""Google's limit on a SYNC device's ``customData``, as compact JSON."""
MAX_BODY_BYTES = 256 * 1024
REACHABLE = "action.devices.REACHABLE_DEVICES"
QUERY = "action.devices.QUERY"
EXECUTE = "action.devices.EXECUTE"
INTENTS = (REACHABLE, QUERY, EXECUTE)
CHALLENGE_NEEDED = "challengeNeeded"
"""The answer for a command that needs secondary user verification: the app fails the intent,
so Google sends it to the cloud, which asks the user."""


class BadRequest(ValueError):
    """A local request the bridge cannot read (answered HTTP 400)."""


@dataclass(frozen=True)
class Hub:
    """This bridge as a local hub: its id (the proxy's id in IDENTIFY), port and secret."""

    id: str
    port: int
    secret: str = field(repr=False)

    def custom_data(self) -> dict[str, Any]:
        return {"hub": self.id, "port": self.port, "secret": self.secret}

    def txt(self, software: str) -> dict[str, str]:
        """The mDNS TXT record: what IDENTIFY needs, and no secret."""
        return {"hub": self.id, "v": VERSION, "sw": software}


@dataclass(frozen=True)
class LocalCommand:
    """One command of a local EXECUTE: its devices and executions."""

    device_ids: tuple[str, ...]
    executions: tuple[Execution, ...]


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def local_fields(device_id: str, document: Mapping[str, Any], hub: Hub) -> dict[str, Any] | None:
    """The ``otherDeviceIds`` and ``customData`` the document must hold for the local path (the
    maker's other customData keys kept), or None when it holds them; raises ValueError when the
    customData would pass Google's 512 bytes."""
    custom = document.get("customData")
    merged = {**(custom if isinstance(custom, Mapping) else {}), **hub.custom_data()}
    size = len(compact(merged).encode())
    if size > CUSTOM_DATA_MAX_BYTES:
        raise ValueError(f"customData would be {size} bytes; Google allows {CUSTOM_DATA_MAX_BYTES}")
    others = document.get("otherDeviceIds")
    others = [o for o in others if isinstance(o, Mapping)] if isinstance(others, list) else []
    wanted = {"deviceId": device_id}
    fields: dict[str, Any] = {}
    if not any(o.get("deviceId") == device_id and "agentId" not in o for o in others):
        fields["otherDeviceIds"] = [*others, wanted]
    if merged != custom:
        fields["customData"] = merged
    return fields or None


def parse(body: bytes) -> tuple[str, str, Mapping[str, Any]]:
    """(requestId, intent, payload) of a local request; raises BadRequest."""
    try:
        request = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("the body is not JSON") from None
    if not isinstance(request, Mapping):
        raise BadRequest("the body must be a JSON object")
    request_id = request.get("requestId")
    if not isinstance(request_id, str) or not request_id:
        raise BadRequest("requestId must be a non-empty string")
    inputs = request.get("inputs")
    if not isinstance(inputs, list) or len(inputs) != 1 or not isinstance(inputs[0], Mapping):
        raise BadRequest("inputs must be a list of exactly one object")
    intent, payload = inputs[0].get("intent"), inputs[0].get("payload", {})
    if intent not in INTENTS:
        raise BadRequest(f"intent must be one of {list(INTENTS)}")
    if not isinstance(payload, Mapping):
        raise BadRequest("payload must be an object")
    return request_id, str(intent), payload


def device_ids(payload: Mapping[str, Any]) -> list[str]:
    """The ids of a QUERY payload's ``devices``; raises BadRequest."""
    return _ids(payload.get("devices"), "payload.devices")


def commands(payload: Mapping[str, Any]) -> list[LocalCommand]:
    """The commands of an EXECUTE payload; raises BadRequest."""
    raw = payload.get("commands")
    if not isinstance(raw, list) or not raw:
        raise BadRequest("payload.commands must be a non-empty list")
    parsed = []
    for command in raw:
        if not isinstance(command, Mapping):
            raise BadRequest("payload.commands[] must be objects")
        ids = _ids(command.get("devices"), "commands[].devices")
        executions = command.get("execution")
        if not ids or not isinstance(executions, list) or not executions:
            raise BadRequest("commands[] needs non-empty devices and execution lists")
        parsed.append(LocalCommand(tuple(dict.fromkeys(ids)), tuple(map(_execution, executions))))
    return parsed


def _ids(devices: Any, where: str) -> list[str]:
    if not isinstance(devices, list):
        raise BadRequest(f"{where} must be a list")
    ids = []
    for device in devices:
        device_id = device.get("id") if isinstance(device, Mapping) else None
        if not isinstance(device_id, str) or not device_id:
            raise BadRequest(f"{where}[].id must be a non-empty string")
        ids.append(device_id)
    return ids


def _execution(raw: Any) -> Execution:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("command"), str):
        raise BadRequest("execution[].command must be a string")
    params = raw.get("params", {})
    if not isinstance(params, Mapping):
        raise BadRequest("execution[].params must be an object")
    return Execution(str(raw["command"]), dict(params))


def group(results: Sequence[tuple[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """EXECUTE's ``commands``: devices with identical outcomes in one entry, first-seen order."""
    grouped: dict[str, dict[str, Any]] = {}
    for device_id, outcome in results:
        entry = grouped.setdefault(compact(outcome), {"ids": [], **outcome})
        if device_id not in entry["ids"]:
            entry["ids"].append(device_id)
    return list(grouped.values())
