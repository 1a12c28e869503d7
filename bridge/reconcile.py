"""Reconciliation, pure: what Firestore wants against what the device last said.

For each state key there are three values: ``wanted`` (the device document's ``states``, where
an optimistic EXECUTE writes), ``said`` (the device's last read) and ``agreed`` (the last value
both sides held, remembered by the bridge). Commands reach the device through their command records
(bridge/commands.py), never through ``states``. A change on the device's side goes to Firestore. A
change on Firestore's side since ``agreed``, on a key Google may command, is an optimistic
EXECUTE's patch whose record the worker has not carried out yet: it is ``awaiting``, and neither
side is written until the record is answered (then both agree) or the worker decides no record is
coming (then the device is the truth). With nothing agreed yet (the bridge just started) the device
is the truth.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MISSING = object()


@dataclass
class Plan:
    """``to_store``: the device's values to write to Firestore; ``awaiting``: keys Firestore
    changed since ``agreed`` (a command on its way), with the device's value."""

    to_store: dict[str, Any] = field(default_factory=dict)
    awaiting: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.to_store or self.awaiting)


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
            result.awaiting[key] = value
        else:
            result.to_store[key] = value
    return result


def online_patch(wanted: Mapping[str, Any], online: bool) -> dict[str, Any]:
    """``{"online": online}`` when the document says otherwise, else nothing."""
    return {} if wanted.get("online") is online else {"online": online}
