"""The adapter interface: what the kit needs from one kind of LAN device."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Found:
    """One physical device on the LAN; ``key`` is stable across restarts and address changes."""

    key: str
    name: str
    host: str
    port: int
    model: str = ""
    firmware: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    identity: str = ""
    """What the device's credentials are bound to (a speaker's Home Graph id); never its name."""


@dataclass
class Reading:
    """What a device said in one read.

    ``states``: device id -> the device document's ``states`` keys this device reports (without
    ``online``). ``side``: data kept outside the device documents (alarms, diagnostics).
    """

    states: dict[str, dict[str, Any]]
    side: dict[str, Any] = field(default_factory=dict)


class Adapter(Protocol):
    """One kind of device. Every method may raise a ``bridge.errors.DeviceError``."""

    def discover(self) -> list[Found]:
        """The devices on the LAN now."""
        ...

    def documents(self, found: Found) -> dict[str, dict[str, Any]]:
        """Device id -> complete device document (docs/devices.md) to create when missing."""
        ...

    def commandable(self, device_id: str) -> frozenset[str]:
        """The ``states`` keys of ``device_id`` that Google may change (EXECUTE)."""
        ...

    def read(self, found: Found) -> Reading:
        """Read the device's current state."""
        ...

    def change_for(
        self, device_id: str, command: str, params: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The ``states`` keys a command sets on ``device_id`` (``OnOff {"on": true}`` ->
        ``{"on": True}``), carried out by ``apply``; None for a command that changes no state,
        carried out by ``perform``. Derived from the command, not the record's ``patch``: the
        patch is empty when Firestore already held the value, though the device may not."""
        ...

    def apply(self, found: Found, device_id: str, change: Mapping[str, Any]) -> dict[str, Any]:
        """Carry ``change`` (states keys -> wanted values) out and confirm it by a read; returns
        the confirmed values, or raises ``Unconfirmed`` with the device's actual values."""
        ...

    def perform(
        self, found: Found, device_id: str, command: str, params: Mapping[str, Any]
    ) -> None:
        """Carry out a command that changes no state (a scene, a reboot)."""
        ...
