"""Where things live in Firestore; pure (no client library).

``users/{agentUserId}``: the user's link state and the pipeline's bookkeeping;
``users/{agentUserId}/devices/{deviceId}``: device documents, written by device backends, with
``commands/{commandId}`` (command records) and ``events/{eventId}`` (device events) under each;
``tokens/{sha256(token)}``: token records.
"""

USERS = "users"
DEVICES = "devices"
COMMANDS = "commands"
EVENTS = "events"
TOKENS = "tokens"


def device_path(user_id: str, device_id: str) -> str:
    return f"{USERS}/{user_id}/{DEVICES}/{device_id}"


def command_path(user_id: str, device_id: str, command_id: str) -> str:
    return f"{device_path(user_id, device_id)}/{COMMANDS}/{command_id}"


def event_path(user_id: str, device_id: str, event_id: str) -> str:
    return f"{device_path(user_id, device_id)}/{EVENTS}/{event_id}"


def parts(path: str) -> tuple[str, str, str]:
    """(user id, device id, document id) of a command record's or event's path."""
    segments = path.split("/")
    return segments[1], segments[3], segments[5]
