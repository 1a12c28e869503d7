"""Secondary user verification: which commands Google must confirm with the user, and checking
the user's answer; pure.

https://developers.home.google.com/cloud-to-cloud/enhancements/secondary-user-verification
Google's certification asks for a PIN (``pinNeeded``) before a command leaves a home unprotected;
the defaults follow its list. A device overrides them per command in ``secondaryVerification``
(``{"action.devices.commands.LockUnlock": "ackNeeded"}``; ``"none"`` turns one off).

A challenge is asked after the command was checked (a bad value is refused without asking for a
PIN) and before anything is written. Google resends the command with ``challenge.ack`` or
``challenge.pin``. A PIN challenge for a user who never set a PIN falls back to ``ackNeeded``
(logged), so the command still needs the user's explicit yes.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.core import logs
from functions.devices import pins
from functions.devices.backend import ACK, NONE, PIN, challenge_overrides

C = "action.devices.commands."
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
STRENGTH = {NONE: 0, ACK: 1, PIN: 2}


def default_challenge(device_type: str, command: str, params: Mapping[str, Any]) -> str:
    """What Google's certification asks for this command on this type of device."""
    kind = device_type.rsplit(".", 1)[-1]
    opening = (command == C + "OpenClose" and (params.get("openPercent") or 0) > 0) or (
        command == C + "OpenCloseRelative" and (params.get("openRelativePercent") or 0) > 0
    )
    if (
        (command == C + "LockUnlock" and params.get("lock") is False)
        or (command == C + "ArmDisarm" and (params.get("arm") is False or params.get("cancel")))
        or (kind in OPENINGS and opening)
        or (
            kind in {"CAMERA", "SECURITYSYSTEM"} and command == C + "OnOff" and not params.get("on")
        )
        or (kind in NETWORK and command in NETWORK_COMMANDS)
    ):
        return PIN
    return NONE


def required(device: Mapping[str, Any], executions: list[tuple[str, Mapping[str, Any]]]) -> str:
    """The strongest challenge any of a command's executions needs on this device."""
    overrides = challenge_overrides(device)
    needed = NONE
    for command, params in executions:
        wanted = overrides.get(command, default_challenge(str(device.get("type")), command, params))
        needed = max(needed, wanted, key=STRENGTH.__getitem__)
    return needed


def challenge_needed(kind: str) -> dict[str, Any]:
    return {"status": "ERROR", "errorCode": "challengeNeeded", "challengeNeeded": {"type": kind}}


TOO_MANY = {"status": "ERROR", "errorCode": "tooManyFailedAttempts"}


PinCheck = Callable[[Mapping[str, Any], str], bool]


@dataclass
class Verifier:
    """Checks one request's answers against the user's PIN record.

    A request tests at most one PIN: the first one it offers (one scrypt check; ``check`` may
    remember its result across the request's commit retries). The same PIN offered again for
    other devices is that one attempt; any other PIN in the same request counts as one more wrong
    attempt, untested. The count runs within the request, so the request that reaches the bound
    locks the PIN at once and nothing after it in the request is checked."""

    record: Mapping[str, Any] | None
    now: datetime
    check: PinCheck = pins.matches
    update: dict[str, Any] | None = None
    """What to write to the PIN document (failures, lock), or None."""
    _tested: str | None = None
    _right: bool = False
    _wrong: set[str] = field(default_factory=set)

    def answer(self, needed: str, ack: bool, pin: str | None) -> dict[str, Any] | None:
        """None when the command may run, else the challenge or error to answer."""
        if needed == NONE:
            return None
        if needed == PIN and self.record is None:
            logs.warning("pinNeeded but the user has no PIN; asking for an acknowledgement")
            needed = ACK
        if needed == ACK:
            return None if ack else challenge_needed(ACK)
        return self._pin_answer(pin)

    def _state(self) -> Mapping[str, Any]:
        """The PIN record with this request's attempts counted so far."""
        assert self.record is not None
        return {**self.record, **(self.update or {})}

    def _pin_answer(self, pin: str | None) -> dict[str, Any] | None:
        if pins.locked(self._state(), self.now):
            return dict(TOO_MANY)
        if pin is None:
            return challenge_needed(PIN)
        if self._tested is None:
            self._tested, self._right = pin, self.check(self._state(), pin)
            self._count(right=self._right)
        elif pin != self._tested and pin not in self._wrong:
            self._wrong.add(pin)  # a second PIN in one request: a wrong attempt, never tested
            self._count(right=False)
        if pin == self._tested and self._right:
            return None
        if pins.locked(self._state(), self.now):
            return dict(TOO_MANY)
        return challenge_needed("challengeFailedPinNeeded")

    def _count(self, *, right: bool) -> None:
        state = self._state()
        change = pins.after_success(state) if right else pins.after_failure(state, self.now)
        self.update = {**(self.update or {}), **change} or None
        if not right and pins.locked(self._state(), self.now):
            logs.warning("pin locked", until=str(self._state()["lockedUntil"]))
