"""A request budget per device: a token bucket that every request to a device passes through."""

import threading
import time
from collections.abc import Callable


class BudgetExhausted(Exception):
    """The device's budget would not allow a request within the wait the caller accepts."""


class Budget:
    """At most ``burst`` requests at once and ``per_minute`` on average, per device key."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be > 0 and burst >= 1")
        self.per_minute = per_minute
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens: dict[str, float] = {}
        self._stamp: dict[str, float] = {}
        self._lock = threading.Lock()
        self.spent: dict[str, int] = {}

    def acquire(self, key: str, max_wait: float = 30.0) -> None:
        """Take one request from ``key``'s budget, waiting up to ``max_wait`` seconds for it."""
        while True:
            with self._lock:
                now = self._clock()
                tokens = min(
                    self.burst,
                    self._tokens.get(key, self.burst)
                    + (now - self._stamp.get(key, now)) * self.per_minute / 60,
                )
                self._stamp[key] = now
                if tokens >= 1:
                    self._tokens[key] = tokens - 1
                    self.spent[key] = self.spent.get(key, 0) + 1
                    return
                self._tokens[key] = tokens
                wait = (1 - tokens) * 60 / self.per_minute
            if wait > max_wait:
                raise BudgetExhausted(f"{key}: next request allowed in {wait:.1f} s")
            self._sleep(wait)
            max_wait -= wait
