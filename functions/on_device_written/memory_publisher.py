"""Publisher in memory: every message published, in order; can be told to fail."""

import threading
from collections.abc import Sequence

from functions.core.messages import Message


class MemoryPublisher:
    def __init__(self) -> None:
        self.published: list[Message] = []
        self.failures = 0
        """How many of the next publish calls raise (a Pub/Sub outage)."""
        self._lock = threading.Lock()

    def publish(self, messages: Sequence[Message]) -> None:
        with self._lock:
            if self.failures:
                self.failures -= 1
                raise RuntimeError("Pub/Sub unavailable")
            self.published.extend(messages)
