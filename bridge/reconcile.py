"""Reconciliation, pure: what Firestore wants against what the device last said.

For each state key there are three values: ``wanted`` (the device document's ``states``, where
EXECUTE writes), ``said`` (the device's last read) and ``agreed`` (the last value both sides held,
remembered by the bridge). A change on Firestore's side since ``agreed`` is a command and goes to
the device, even when the device also changed (the command is the newer intent); a change on the
device's side only goes to Firestore. With nothing agreed yet (the bridge just started) the device
is the truth.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MISSING = object()


@dataclass
class Plan:
    """``to_device``: keys to carry out on the device; ``to_store``: keys to write to Firestore."""

    to_device: dict[str, Any] = field(default_factory=dict)
    to_store: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.to_device or self.to_store)


def plan(
    wanted: Mapping[str, Any],
    said: Mapping[str, Any],
    agreed: Mapping[str, Any],
    commandable: frozenset[str],
) -> Plan:
    """The writes that bring Firestore and the device into step (``online`` excluded)."""
    result = Plan()
    for key, value in said.items():
        if key == "online":
            continue
        want = wanted.get(key, MISSING)
        if want == value:
            continue
        last = agreed.get(key, MISSING)
        if key in commandable and last is not MISSING and want is not MISSING and want != last:
            result.to_device[key] = want
        else:
            result.to_store[key] = value
    return result


def online_patch(wanted: Mapping[str, Any], online: bool) -> dict[str, Any]:
    """``{"online": online}`` when the document says otherwise, else nothing."""
    return {} if wanted.get("online") is online else {"online": online}
