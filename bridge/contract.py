"""The device-document contract (docs/devices.md) as the kit writes it."""

from collections.abc import Mapping
from typing import Any

BACKEND_FIELDS = frozenset(
    {
        "type",
        "traits",
        "name",
        "willReportState",
        "roomHint",
        "structureHint",
        "deviceInfo",
        "attributes",
        "customData",
        "otherDeviceIds",
        "notificationSupportedByAgent",
        "states",
        "execution",
        "deviceError",
        "secondaryVerification",
        "matterUniqueId",
        "matterOriginalVendorId",
        "matterOriginalProductId",
    }
)
"""The only fields a device backend writes in a device document; firestore.rules allows no other."""

REQUIRED_FIELDS = ("type", "traits", "name", "willReportState")
COMMANDS = "commands"
"""``users/{uid}/devices/{device}/commands/{id}``: the command records EXECUTE writes; the bridge
reads them and records their ``outcome`` (docs/devices.md, "Command records")."""
SIDE_COLLECTION = "lan"
"""``users/{uid}/lan/{doc}``: the kit's own documents (alarms, diagnostics, heartbeat); no trigger
watches them."""


def check_document(document: Mapping[str, Any]) -> None:
    """Raise ValueError unless ``document`` is a device document a device backend may write."""
    extra = sorted(set(document) - BACKEND_FIELDS)
    if extra:
        raise ValueError(f"fields outside the device-document contract: {extra}")
    missing = [name for name in REQUIRED_FIELDS if name not in document]
    if missing or not isinstance(document.get("name"), Mapping) or "name" not in document["name"]:
        raise ValueError(f"missing required fields: {missing or ['name.name']}")
    if not isinstance(document.get("states", {}), Mapping):
        raise ValueError("states must be a map")


def states_of(document: Mapping[str, Any] | None) -> dict[str, Any]:
    """The flat ``states`` map of a device document (empty when absent)."""
    if not document or not isinstance(document.get("states"), Mapping):
        return {}
    return dict(document["states"])
