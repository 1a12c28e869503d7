"""``python -m bridge probe --host IP``: what each endpoint answers, for owners to report firmware
behaviour. Read-only: setters are called with an empty body (which reads), nothing is changed."""

from typing import Any

from bridge.errors import DeviceError
from bridge.speaker.client import SpeakerClient, Target

PROBES: tuple[tuple[str, str, bool], ...] = (
    ("GET", "eureka_info?params=name,build_info,device_info,net&options=detail", False),
    ("GET", "eureka_info?params=name,build_info,device_info,net&options=detail", True),
    ("GET", "assistant/alarms", True),
    ("POST", "assistant/alarms/volume", True),
    ("POST", "assistant/notifications", True),
)


def probe(client: SpeakerClient, where: Target) -> list[dict[str, Any]]:
    """One row per probe: method, path, token sent, outcome, answer's top-level keys."""
    rows = []
    for method, path, auth in PROBES:
        row: dict[str, Any] = {"method": method, "path": path.split("?")[0], "withToken": auth}
        try:
            answer = client.call(where, method, path, auth=auth)
            row["outcome"] = "200"
            row["keys"] = sorted(answer) if isinstance(answer, dict) else type(answer).__name__
        except DeviceError as error:
            row["outcome"] = type(error).__name__
            row["detail"] = str(error)
        rows.append(row)
    return rows
