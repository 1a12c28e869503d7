"""One device's health as the worker's polls and commands leave it (the heartbeat shows it)."""

from dataclasses import dataclass
from typing import Any


@dataclass
class Health:
    """Failures in a row, offline or unsupported, the last error and read, commands carried out."""

    failures: int = 0
    offline: bool = False
    unsupported: bool = False
    last_error: str = ""
    last_read_at: str | None = None
    executed: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The heartbeat's entry for the device."""
        return {
            "online": not self.offline and not self.unsupported,
            "unsupported": self.unsupported,
            "failures": self.failures,
            "lastError": self.last_error,
            "lastReadAt": self.last_read_at,
            "commands": self.executed,
        }
