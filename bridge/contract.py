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
        "backend",
        "matterUniqueId",
        "matterOriginalVendorId",
        "matterOriginalProductId",
    }
)
"""The only fields a device backend writes in a device document; firestore.rules allows no other."""
OWNER = "backend"
"""The uid of the bridge that owns a device document: the store sets it at creation from the
bridge's credential, and firestore.rules let the bridge reach only the documents that name it
and never change it. Not a SYNC field: Google never sees it, and it never triggers Request Sync."""
NEVER_FROM_A_BRIDGE = ("secondaryVerification", OWNER)
"""Fields an adapter's documents never hold: the owner sets verification (firestore.rules refuse
it from a bridge), and the store sets the ownership."""

REQUIRED_FIELDS = ("type", "traits", "name", "willReportState")
COMMANDS = "commands"
"""``users/{uid}/devices/{device}/commands/{id}``: the command records EXECUTE writes; the bridge
reads them and records their ``outcome`` (docs/devices.md, "Command records")."""
SIDE_COLLECTION = "lan"
"""``users/{uid}/lan/{doc}``: the kit's own documents (alarms, diagnostics, heartbeat); no trigger
watches them."""


def check_fields(fields: Mapping[str, Any]) -> None:
    """Raise ValueError unless a bridge may write every one of ``fields``."""
    extra = sorted(set(fields) - BACKEND_FIELDS)
    if extra:
        raise ValueError(f"fields outside the device-document contract: {extra}")
    reserved = [name for name in NEVER_FROM_A_BRIDGE if name in fields]
    if reserved:
        raise ValueError(f"fields a bridge never writes: {reserved}")


def check_document(document: Mapping[str, Any]) -> None:
    """Raise ValueError unless ``document`` is a device document a device backend may write."""
    check_fields(document)
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
