"""Firestore document events as Eventarc delivers them (protobuf DocumentEventData), for the
on_device_written tests."""

from google.events.cloud.firestore_v1.types import DocumentEventData

NAME = "projects/p/databases/(default)/documents/users/u1/devices/lamp"
EventPb = DocumentEventData.pb()


def document(fields: dict, seconds: int = 1_800_000_000, nanos: int = 123) -> dict:
    """A protobuf Document as Firestore sends it (string/bool/int/map/array values)."""

    def value(item: object) -> dict:
        if isinstance(item, bool):
            return {"boolean_value": item}
        if isinstance(item, int):
            return {"integer_value": item}
        if isinstance(item, float):
            return {"double_value": item}
        if isinstance(item, str):
            return {"string_value": item}
        if isinstance(item, list):
            return {"array_value": {"values": [value(v) for v in item]}}
        if isinstance(item, dict):
            return {"map_value": {"fields": {k: value(v) for k, v in item.items()}}}
        return {"null_value": 0}

    return {
        "name": NAME,
        "fields": {k: value(v) for k, v in fields.items()},
        "update_time": {"seconds": seconds, "nanos": nanos},
    }


def event(before: dict | None, after: dict | None) -> bytes:
    data = {}
    if before is not None:
        data["old_value"] = document(before, seconds=1_700_000_000)
    if after is not None:
        data["value"] = document(after)
    return EventPb(**data).SerializeToString()
