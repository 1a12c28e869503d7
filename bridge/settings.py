"""The runtime's knobs: polling, backoff, offline, the command grace, the heartbeat."""

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Settings:
    poll_interval: float = 180.0
    """Seconds between reads of one device (speakers hang when polled every 10 s)."""
    retry_base: float = 15.0
    """First retry after a failed read; doubles per failure up to ``backoff_max``."""
    backoff_max: float = 900.0
    offline_after: int = 3
    """Failed reads in a row before the device's documents say ``online: false``."""
    rediscover_after: int = 2
    """Failed reads in a row before discovery looks for the device's new address."""
    command_grace: float = 10.0
    """Seconds a ``states`` change on Firestore's side (an optimistic EXECUTE's patch) waits for
    its command record before the device's value wins (a record arrives within milliseconds)."""
    listen_timeout: float = 30.0
    """Seconds ``start`` waits for the command listeners' first snapshots."""
    heartbeat_interval: float = 60.0


def with_settings(settings: Settings, **changes: Any) -> Settings:
    """A copy of ``settings`` with ``changes``."""
    return replace(settings, **changes)
