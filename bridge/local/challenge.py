"""Which commands need secondary user verification: those are declined on the local path (Google
then sends them to the cloud, which asks the user); pure.

https://developers.home.google.com/local-home/overview: local fulfillment serves "all device
types and traits, except those that use secondary user verification". The rules are the
product's (functions/fulfillment/challenge.py ``required``), kept here because the kit never
imports ``functions/``; tests/unit/bridge/test_local_protocol.py checks that both agree.
"""

from collections.abc import Mapping, Sequence
from typing import Any

C = "action.devices.commands."
NONE = "none"
OPENINGS = {"DOOR", "GARAGE", "GATE", "WINDOW"}
NETWORK = {"NETWORK", "ROUTER"}
NETWORK_COMMANDS = {
    C + "Reboot",
    C + "SoftwareUpdate",
    C + "EnableDisableGuestNetwork",
    C + "EnableDisableNetworkProfile",
    C + "GetGuestNetworkPassword",
    C + "TestNetworkSpeed",
}


def default_needs(device_type: str, command: str, params: Mapping[str, Any]) -> bool:
    """Whether Google's certification asks the user to confirm this command on this type."""
    kind = device_type.rsplit(".", 1)[-1]
    opening = (command == C + "OpenClose" and (params.get("openPercent") or 0) > 0) or (
        command == C + "OpenCloseRelative" and (params.get("openRelativePercent") or 0) > 0
    )
    return bool(
        (command == C + "LockUnlock" and params.get("lock") is False)
        or (command == C + "ArmDisarm" and (params.get("arm") is False or params.get("cancel")))
        or (kind in OPENINGS and opening)
        or (
            kind in {"CAMERA", "SECURITYSYSTEM"} and command == C + "OnOff" and not params.get("on")
        )
        or (kind in NETWORK and command in NETWORK_COMMANDS)
    )


def needs_verification(
    document: Mapping[str, Any], executions: Sequence[tuple[str, Mapping[str, Any]]]
) -> bool:
    """Whether any execution needs an acknowledgement or a PIN on this device (its
    ``secondaryVerification`` overrides the defaults; a malformed one counts as needing it)."""
    overrides = document.get("secondaryVerification") or {}
    if not isinstance(overrides, Mapping):
        return True
    for command, params in executions:
        wanted = overrides.get(command)
        if wanted is None:
            if default_needs(str(document.get("type", "")), command, params):
                return True
        elif wanted != NONE:
            return True
    return False
