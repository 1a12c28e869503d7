"""Reading one physical device on its interval: reconciliation after a read, backoff after a
failure, offline after ``offline_after`` failures in a row, rediscovery of a device that moved."""

import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bridge.adapter import Adapter, Found
from bridge.budget import BudgetExhausted
from bridge.errors import DeviceError, Unsupported
from bridge.health import Health
from bridge.logs import log
from bridge.reconciler import Reconciler
from bridge.settings import Settings
from bridge.store import HomeStore


class Poller:
    """``poll`` when ``next_poll`` has come; ``failed`` counts a failure and backs off."""

    def __init__(  # noqa: PLR0917 - the poller's collaborators
        self,
        found: Found,
        device_ids: list[str],
        adapter: Adapter,
        store: HomeStore,
        settings: Settings,
        reconciler: Reconciler,
        rediscover: Callable[[str], Found | None],
        clock: Callable[[], float],
    ) -> None:
        self.found = found
        self.adapter = adapter
        self.store = store
        self.settings = settings
        self.reconciler = reconciler
        self.rediscover = rediscover
        self.clock = clock
        self.device_ids = device_ids
        self.health = Health()
        self.side: dict[str, Any] | None = None
        self.next_poll = clock()

    def due(self) -> bool:
        """Whether the next read's time has come."""
        return self.clock() >= self.next_poll

    def poll(self) -> None:
        """Read the device and reconcile every one of its documents."""
        health = self.health
        if health.unsupported:
            self.next_poll = float("inf")
            return
        try:
            reading = self.adapter.read(self.found)
        except Unsupported as error:
            health.unsupported = True
            self.next_poll = float("inf")
            log(logging.WARNING, "device_unsupported", device=self.found.key, error=str(error))
            self.mark_offline()
            return
        except BudgetExhausted as error:
            self.next_poll = self.clock() + self.settings.retry_base
            log(logging.WARNING, "budget_exhausted", device=self.found.key, error=str(error))
            return
        except DeviceError as error:
            self.failed(error)
            return
        health.failures = 0
        health.offline = False
        health.last_error = ""
        health.last_read_at = datetime.now(UTC).isoformat()
        self.next_poll = self.clock() + self.settings.poll_interval
        for device_id, said in reading.states.items():
            self.reconciler.heard(device_id, said)
        side = {
            "name": self.found.name,
            "host": self.found.host,
            "model": self.found.model,
            "firmware": self.found.firmware,
            **reading.side,
        }
        if side != self.side:
            self.store.write_side(self.found.key, side)
            self.side = side

    def failed(self, error: DeviceError) -> None:
        """One more failure in a row: offline, rediscovery and the next read's backoff."""
        health = self.health
        health.failures += 1
        health.last_error = f"{type(error).__name__}: {error}"
        log(
            logging.WARNING,
            "device_failed",
            device=self.found.key,
            failures=health.failures,
            error=health.last_error,
        )
        if health.failures >= self.settings.offline_after:
            self.mark_offline()
        if health.failures >= self.settings.rediscover_after:
            moved = self.rediscover(self.found.key)
            if moved and (moved.host, moved.port) != (self.found.host, self.found.port):
                log(logging.INFO, "device_moved", device=self.found.key, host=moved.host)
                self.found = moved
        delay = min(
            self.settings.backoff_max, self.settings.retry_base * 2 ** (health.failures - 1)
        )
        self.next_poll = self.clock() + delay * random.uniform(0.9, 1.1)

    def mark_offline(self) -> None:
        """Every document of the device says ``online: false`` (once)."""
        if self.health.offline:
            return
        self.health.offline = True
        for device_id in self.device_ids:
            self.store.update_states(device_id, {"online": False})
        log(logging.WARNING, "device_offline", device=self.found.key)
