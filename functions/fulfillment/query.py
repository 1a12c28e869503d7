"""QUERY: the current state of each requested device; pure.

https://developers.home.google.com/cloud-to-cloud/intents/query: every entry carries ``online``
(Boolean) and ``status``, both required by Google's response schema, an error entry too.
"""

from collections.abc import Mapping
from typing import Any

from functions.core import logs
from functions.core.documents import Document
from functions.core.errors import InvalidDevice
from functions.devices.model import parse_device

NOT_FOUND = {"online": False, "status": "ERROR", "errorCode": "deviceNotFound"}
OFFLINE = {"online": False, "status": "ERROR", "errorCode": "deviceOffline"}
BROKEN = {"online": False, "status": "ERROR", "errorCode": "hardError"}
"""A document that breaks the contract: nothing it says, ``online`` included, can be trusted."""


def device_state(device_id: str, document: Document | None) -> dict[str, Any]:
    """One entry of ``payload.devices``: full states of every declared trait, or an error."""
    if document is None:
        return dict(NOT_FOUND)
    try:
        device = parse_device(device_id, document)
        if not device.online:
            return dict(OFFLINE)
        if device.error:
            return {"online": True, "status": "ERROR", "errorCode": device.error}
        return {**device.trait_states(), "online": True, "status": "SUCCESS"}
    except InvalidDevice as error:
        logs.error("invalid device document", deviceId=device_id, reason=str(error))
        return dict(BROKEN)


def query(documents: Mapping[str, Document | None]) -> dict[str, Any]:
    """The QUERY payload for the requested devices, in request order."""
    return {
        "devices": {device_id: device_state(device_id, doc) for device_id, doc in documents.items()}
    }
