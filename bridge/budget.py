"""A request budget per device: a token bucket that every request to a device passes through, in
which commands come before polls.

A command's request takes any token the bucket holds, waiting for one if it must. A poll (its
requests made inside ``spare_only``) starts only when the whole poll fits above ``reserve``
tokens, a command's requests, so it never leaves a command short and never spends a request on a
poll it cannot finish; it never waits (``BudgetExhausted`` says when it would fit, and the poll is
deferred), and it gives way between requests (``PollYielded``) as soon as a command is waiting.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

COMMAND_REQUESTS = 3
"""What one command may need at once: its write, a retry after a 401, and the confirming read."""


class BudgetExhausted(Exception):
    """The device's budget would not allow a request within the wait the caller accepts;
    ``wait``: seconds until it would."""

    def __init__(self, message: str, wait: float = 0.0) -> None:
        super().__init__(message)
        self.wait = wait


class PollYielded(BudgetExhausted):
    """A poll stopped between its requests: a command is waiting for the device."""


@dataclass
class Poll:
    """One poll's place in the budget: admitted only when its expected ``size`` fits above the
    reserve, then its requests go on unless ``command_waiting()``; ``made`` counts them."""

    command_waiting: Callable[[], bool]
    size: int = 1
    made: int = 0


_poll: ContextVar[Poll | None] = ContextVar("bridge_poll", default=None)


@contextmanager
def spare_only(command_waiting: Callable[[], bool], size: int = 1) -> Iterator[Poll]:
    """Requests made inside are one poll's (of about ``size`` requests): spare tokens only, no
    wait, and they give way when ``command_waiting()``."""
    poll = Poll(command_waiting, max(1, size))
    token = _poll.set(poll)
    try:
        yield poll
    finally:
        _poll.reset(token)


class Budget:
    """At most ``burst`` requests at once and ``per_minute`` on average, per device key; polls
    leave ``reserve`` tokens (by default a command's requests) to commands."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        reserve: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be > 0 and burst >= 1")
        self.per_minute = per_minute
        self.burst = burst
        self.reserve = min(burst - 1, COMMAND_REQUESTS) if reserve is None else reserve
        if not 0 <= self.reserve < burst:
            raise ValueError("reserve must be >= 0 and below burst")
        self._clock = clock
        self._sleep = sleep
        self._tokens: dict[str, float] = {}
        self._stamp: dict[str, float] = {}
        self._lock = threading.Lock()
        self.spent: dict[str, int] = {}

    def acquire(self, key: str, max_wait: float = 30.0) -> None:
        """Take one request from ``key``'s budget: a command waits up to ``max_wait`` seconds for
        it; a poll (inside ``spare_only``) takes a spare one now or raises."""
        poll = _poll.get()
        needed = 1
        if poll is not None and poll.made == 0:  # admission: the whole poll above the reserve
            needed = min(self.burst, self.reserve + poll.size)
        elif poll is not None and poll.made >= poll.size:  # more than expected: a 401's retry
            needed = 1 + self.reserve
        while True:
            if poll is not None and poll.command_waiting():
                raise PollYielded(f"{key}: a command is waiting")
            with self._lock:
                now = self._clock()
                tokens = min(
                    self.burst,
                    self._tokens.get(key, self.burst)
                    + (now - self._stamp.get(key, now)) * self.per_minute / 60,
                )
                self._stamp[key] = now
                if tokens >= needed:
                    self._tokens[key] = tokens - 1
                    self.spent[key] = self.spent.get(key, 0) + 1
                    if poll is not None:
                        poll.made += 1
                    return
                self._tokens[key] = tokens
                wait = (needed - tokens) * 60 / self.per_minute
            if poll is not None:
                raise BudgetExhausted(f"{key}: next spare request in {wait:.1f} s", wait)
            if wait > max_wait:
                raise BudgetExhausted(f"{key}: next request allowed in {wait:.1f} s", wait)
            self._sleep(wait)
            max_wait -= wait
