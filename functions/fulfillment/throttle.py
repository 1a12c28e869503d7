"""A bound on each user's EXECUTE requests, kept in the fulfillment instance's memory.

A token bucket per agentUserId: up to ``burst`` EXECUTEs at once, then ``per_second`` more each
second. A household's voice commands, app taps and routines come nowhere near it (a dimmer
slider dragged in the Google Home app sends a few a second, a routine a handful at once); a
script replaying a token does. It costs no Firestore operation: the buckets live in the instance,
so the bound holds per instance, and a deployment of N instances admits at most N times it
(``fulfillment_max_instances``, docs/fulfillment.md, "Limits"). Only authenticated requests are
counted, so a forged token cannot spend a user's bucket.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

EXECUTE_BURST = 300
"""EXECUTEs one user may send at once."""
EXECUTE_PER_SECOND = 5.0
"""EXECUTEs one user may send each second, sustained (300 a minute)."""
MAX_USERS = 10_000
"""Users whose buckets an instance keeps; the longest idle is forgotten first (a full bucket)."""


class Throttle:
    """Token buckets per user; thread-safe (an instance serves concurrent requests)."""

    def __init__(
        self,
        burst: int = EXECUTE_BURST,
        per_second: float = EXECUTE_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = MAX_USERS,
    ) -> None:
        self.burst, self.per_second, self.clock, self.max_users = (
            burst,
            per_second,
            clock,
            max_users,
        )
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def admit(self, user_id: str) -> bool:
        """Take one request from the user's bucket: False when it is empty."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.pop(user_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.per_second)
            admitted = tokens >= 1
            self._buckets[user_id] = (tokens - 1 if admitted else tokens, now)
            while len(self._buckets) > self.max_users:
                self._buckets.popitem(last=False)
            return admitted
