"""The bridge's heartbeat: ``users/{home}/lan/heartbeat`` with every device's health, written
every ``heartbeat_interval`` seconds by a thread of its own."""

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from bridge.logs import log
from bridge.store import HomeStore

DOCUMENT = "heartbeat"


def beat_of(
    name: str, poll_interval: float, health: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    """The heartbeat document: the bridge's name, the time, the poll interval, each device."""
    return {
        "bridge": name,
        "at": datetime.now(UTC).isoformat(),
        "pollIntervalSeconds": poll_interval,
        "devices": dict(health),
    }


class Heartbeat:
    """``start()``, then ``stop()``; ``beat()`` writes one heartbeat now and returns it."""

    def __init__(
        self,
        store: HomeStore,
        document: Callable[[], dict[str, Any]],
        interval: float,
    ) -> None:
        self.store = store
        self.document = document
        self.interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> dict[str, Any]:
        """Write and return the heartbeat document."""
        beat = self.document()
        self.store.write_side(DOCUMENT, beat)
        return beat

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="bridge-heartbeat")
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.beat()
            except Exception as error:
                log(logging.WARNING, "heartbeat_failed", error=repr(error))
            self._stopping.wait(self.interval)
