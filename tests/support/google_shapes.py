"""Google's documented response shapes, as checks a test can run on any answer.

QUERY: https://developers.home.google.com/cloud-to-cloud/intents/query, "Response format": every
entry of ``payload.devices`` carries ``online`` (Boolean, required) and ``status`` (String,
required: SUCCESS, OFFLINE, EXCEPTIONS or ERROR), an ``errorCode`` with ERROR.
EXECUTE: https://developers.home.google.com/cloud-to-cloud/intents/execute, "Response format":
every entry of ``payload.commands`` carries ``ids`` and ``status`` (SUCCESS, PENDING, OFFLINE,
EXCEPTIONS or ERROR), an ``errorCode`` with ERROR.
"""

from typing import Any

QUERY_STATUSES = {"SUCCESS", "OFFLINE", "EXCEPTIONS", "ERROR"}
EXECUTE_STATUSES = {"SUCCESS", "PENDING", "OFFLINE", "EXCEPTIONS", "ERROR"}


def query_problems(payload: Any) -> list[str]:
    """What breaks Google's QUERY response schema in ``payload`` (empty when nothing does)."""
    devices = payload.get("devices") if isinstance(payload, dict) else None
    if not isinstance(devices, dict):
        return ["payload.devices must be an object"]
    problems = []
    for device_id, entry in devices.items():
        if not isinstance(entry, dict):
            problems.append(f"{device_id}: not an object")
            continue
        if not isinstance(entry.get("online"), bool):
            problems.append(f"{device_id}: online (Boolean) is required")
        if entry.get("status") not in QUERY_STATUSES:
            problems.append(f"{device_id}: status {entry.get('status')!r} is not {QUERY_STATUSES}")
        if entry.get("status") == "ERROR" and not isinstance(entry.get("errorCode"), str):
            problems.append(f"{device_id}: ERROR without an errorCode")
    return problems


def execute_problems(payload: Any) -> list[str]:
    """What breaks Google's EXECUTE response schema in ``payload``."""
    commands = payload.get("commands") if isinstance(payload, dict) else None
    if not isinstance(commands, list):
        return ["payload.commands must be a list"]
    problems = []
    for index, entry in enumerate(commands):
        ids = entry.get("ids") if isinstance(entry, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            problems.append(f"commands[{index}]: ids must be a list of strings")
            continue
        if entry.get("status") not in EXECUTE_STATUSES:
            problems.append(f"commands[{index}]: status {entry.get('status')!r}")
        if entry.get("status") == "ERROR" and not isinstance(entry.get("errorCode"), str):
            problems.append(f"commands[{index}]: ERROR without an errorCode")
        if "states" in entry and not isinstance(entry["states"], dict):
            problems.append(f"commands[{index}]: states must be an object")
    return problems
