"""One home as the local Google Home page shows it, pure: what Google holds (the local Home
Graph's SYNC answer and stored states) beside Firestore's device documents, and where they differ.

A device differs when a state Google holds is not the state Firestore says it should hold: what
Report State sends for the document (each declared trait's states as QUERY answers them, and
``online``). Two offline sides agree on ``online`` alone (an offline device answers nothing else).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from functions.core.errors import InvalidDevice
from functions.devices.model import parse_device

NO_ROOM = "No room"
HOME = "Home"


def expected_states(device_id: str, document: Mapping[str, Any]) -> dict[str, Any]:
    """The states Google should hold for a document; raises InvalidDevice."""
    device = parse_device(device_id, document)
    return {**device.trait_states(), "online": device.online}


def differing_keys(held: Mapping[str, Any] | None, expected: Mapping[str, Any]) -> list[str]:
    """The state keys where Google's held states and Firestore's expected ones differ."""
    held = held or {}
    if held.get("online") is False and expected.get("online") is False:
        return []
    return sorted(key for key in set(held) | set(expected) if held.get(key) != expected.get(key))


def device_view(
    device_id: str,
    synced: Mapping[str, Any] | None,
    held: Mapping[str, Any] | None,
    document: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """One device: Google's side, Firestore's side, the differing keys and a verdict."""
    expected: dict[str, Any] | None = None
    invalid = None
    if document is not None:
        try:
            expected = expected_states(device_id, document)
        except InvalidDevice as error:
            invalid = str(error)
    differs: list[str] = []
    if synced is None and document is None:
        raise ValueError(f"{device_id} is neither in Google's home nor in Firestore")
    if synced is None:
        verdict = "invalid" if invalid else "notInGoogle"
    elif document is None:
        verdict = "notInFirestore"
    elif invalid or expected is None:
        verdict = "invalid"
    elif not held and synced.get("willReportState") is not True:
        verdict = "notReported"
    else:
        differs = differing_keys(held, expected)
        verdict = "differs" if differs else "inStep"
    name = (synced or document or {}).get("name") or {}
    return {
        "id": device_id,
        "name": name.get("name") if isinstance(name, Mapping) else None,
        "verdict": verdict,
        "differs": differs,
        "google": {"device": synced, "states": held},
        "firestore": {"document": document, "expected": expected, "invalid": invalid},
    }


def home_view(
    google: Mapping[str, Any] | None, documents: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """The whole home: Google's structures and rooms (from SYNC), and every device of either
    side, Google's first in its SYNC order, then Firestore's own, each sorted by name."""
    synced = {d["id"]: d for d in (google or {}).get("devices") or []}
    held = (google or {}).get("states") or {}
    ids = list(synced) + sorted(d for d in documents if d not in synced)
    devices = [device_view(d, synced.get(d), held.get(d), documents.get(d)) for d in ids]
    return {
        "linked": google is not None,
        "syncedAt": (google or {}).get("syncedAt"),
        "updatedAt": (google or {}).get("updatedAt") or {},
        "structures": structures(list(synced.values())),
        "devices": devices,
    }


def structures(devices: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Google's SYNC devices by structure (``structureHint``) and room (``roomHint``), names
    sorted, devices without a room last."""
    found: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for device in devices:
        structure = device.get("structureHint") or HOME
        room = device.get("roomHint") or NO_ROOM
        name = (device.get("name") or {}).get("name") or device["id"]
        found.setdefault(structure, {}).setdefault(room, []).append((str(name), device["id"]))
    return [
        {
            "name": structure,
            "rooms": [
                {"name": room, "devices": [d for _, d in sorted(rooms[room])]}
                for room in sorted(rooms, key=lambda r: (r == NO_ROOM, r.casefold()))
            ],
        }
        for structure, rooms in sorted(found.items())
    ]
