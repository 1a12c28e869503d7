"""ObjectDetection: https://developers.home.google.com/cloud-to-cloud/traits/objectdetection

Notification-only: no attributes, no states, no commands. A detection reaches the user as a
proactive notification (``notificationSupportedByAgent: true`` on the device) sent through Home
Graph's reportStateAndNotification; ``notification`` builds and checks that payload:
``{"priority": 0, "detectionTimestamp": <epoch ms>, "objects": {...}}`` where ``objects`` holds
at least one of ``named`` (labels), ``familiar``, ``unfamiliar``, ``unclassified`` (counts).

Where Google is silent: counts must be integers >= 0 and, with no label, at least one count must
be positive (a notification that detected nothing says nothing).
"""

from collections.abc import Sequence
from typing import Any

from functions.devices.traits.base import TRAIT_PREFIX, Trait, no_attributes

PRIORITY_SPOKEN = 0  # the only supported priority: the notification is spoken aloud
COUNTS = ("familiar", "unfamiliar", "unclassified")


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"objects.{name} must be an integer >= 0")
    return value


def notification(
    detection_timestamp_ms: int,
    *,
    named: Sequence[str] | None = None,
    familiar: int | None = None,
    unfamiliar: int | None = None,
    unclassified: int | None = None,
) -> dict[str, Any]:
    """The ``ObjectDetection`` notification payload; raises ValueError for a malformed one."""
    if isinstance(detection_timestamp_ms, bool) or not isinstance(detection_timestamp_ms, int):
        raise ValueError("detectionTimestamp must be an integer (milliseconds)")
    objects: dict[str, Any] = {}
    if named is not None:
        if isinstance(named, str) or not named or not all(isinstance(n, str) and n for n in named):
            raise ValueError("objects.named must be a non-empty list of non-empty labels")
        objects["named"] = list(named)
    counts = {"familiar": familiar, "unfamiliar": unfamiliar, "unclassified": unclassified}
    objects.update({key: _count(key, value) for key, value in counts.items() if value is not None})
    if "named" not in objects and not any(objects.get(key) for key in COUNTS):
        raise ValueError("objects must name or count at least one detected object")
    return {
        "priority": PRIORITY_SPOKEN,
        "detectionTimestamp": detection_timestamp_ms,
        "objects": objects,
    }


TRAIT = Trait(
    name=TRAIT_PREFIX + "ObjectDetection",
    states=(),
    validate_attributes=no_attributes,
)
