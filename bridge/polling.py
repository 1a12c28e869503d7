"""Reading one physical device on its interval: reconciliation after a read, backoff after a
failure, offline after ``offline_after`` failures in a row, rediscovery of a device that moved.

A poll comes after commands (bridge/budget.py): its requests take only the budget's spare tokens,
it is deferred rather than wait for one, and it stops between requests when a command comes."""

import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bridge.adapter import Adapter, Found
from bridge.budget import BudgetExhausted, Poll, PollYielded, spare_only
from bridge.errors import DeviceError, Unsupported
from bridge.health import Health
from bridge.logs import log
from bridge.reconciler import Reconciler
from bridge.settings import Settings
from bridge.store import HomeStore

MIN_DEFERRAL = 0.1
"""Seconds a poll deferred for the budget waits at least (the budget's own answer may be 0)."""


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
        command_waiting: Callable[[], bool] = lambda: False,
    ) -> None:
        self.found = found
        self.adapter = adapter
        self.store = store
        self.settings = settings
        self.reconciler = reconciler
        self.rediscover = rediscover
        self.clock = clock
        self.command_waiting = command_waiting
        self.device_ids = device_ids
        self.health = Health()
        self.side: dict[str, Any] | None = None
        self.next_poll = clock()
        self.poll_size = 1
        """Requests the last complete poll made: the budget admits the next when all fit."""

    def due(self) -> bool:
        """Whether the next read's time has come."""
        return self.clock() >= self.next_poll

    def poll(self) -> None:
        """Read the device and reconcile every one of its documents."""
        health = self.health
        if health.unsupported:
            self.next_poll = float("inf")
            return
        poll = Poll(self.command_waiting, self.poll_size)
        try:
            with spare_only(self.command_waiting, self.poll_size) as poll:
                reading = self.adapter.read(self.found)
            self.poll_size = poll.made
        except PollYielded:
            return  # still due: the worker carries the command out, then polls again
        except Unsupported as error:
            health.unsupported = True
            self.next_poll = float("inf")
            log(logging.WARNING, "device_unsupported", device=self.found.key, error=str(error))
            self.mark_offline()
            return
        except BudgetExhausted as error:
            # The budget keeps its last requests for commands: the poll comes back when it fits,
            # counted as at least one request larger than it got to make.
            self.poll_size = max(self.poll_size, poll.made + 1)
            self.next_poll = self.clock() + max(error.wait, MIN_DEFERRAL)
            log(logging.INFO, "poll_deferred", device=self.found.key, seconds=round(error.wait, 1))
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
