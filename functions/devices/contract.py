"""The fields of a device document, defined once (docs/devices.md, "The contract"); pure data.

``functions/devices/model.py`` checks documents against them; ``firestore.rules`` (what a bridge
credential may write) and ``bridge/contract.py`` (the LAN kit, installed apart, keeps its own copy)
must agree, which tests/unit/test_contract_fields.py checks.
"""

SYNC_FIELDS = (
    "type",
    "traits",
    "name",
    "willReportState",
    "notificationSupportedByAgent",
    "roomHint",
    "structureHint",
    "deviceInfo",
    "attributes",
    "customData",
    "matterUniqueId",
    "matterOriginalVendorId",
    "matterOriginalProductId",
    "otherDeviceIds",
)
"""Every field of Google's SYNC device object a document may hold, besides ``id``: a change to
any of them is structural (Request Sync)."""
MATTER_FIELDS = ("matterUniqueId", "matterOriginalVendorId", "matterOriginalProductId")
"""What a device moved to Matter sends in SYNC so that Google shows it once: its Basic
Information cluster's UniqueID, VendorID and ProductID
(https://developers.home.google.com/matter/device-deduplication); all three or none."""
STATES = "states"
"""The device's current states, flat, as QUERY answers them: a change is reported (Report State)."""
BACKEND_FIELDS = ("execution", "deviceError", "secondaryVerification")
"""What the device backend tells the product about the device (functions/devices/backend.py)."""
OWNER = "backend"
"""The uid of the bridge credential that owns the document (bridge/contract.py): set once at
creation, never part of SYNC, never a reason to call Google."""
REQUIRED_FIELDS = ("type", "traits", "name", "willReportState")
CONTRACT_FIELDS = frozenset((*SYNC_FIELDS, STATES, *BACKEND_FIELDS, OWNER))
"""Every field a device backend writes in a device document; nothing else is part of it."""
CUSTOM_DATA_MAX_BYTES = 512
"""Google's limit on ``customData`` as JSON."""
