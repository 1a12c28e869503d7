"""Bounded retries with exponential backoff and full jitter; pure but for the sleep it is given."""

import random
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
BASE_DELAY = 0.5
MAX_DELAY = 8.0
MAX_ATTEMPTS = 6


def delays(
    budget: float, attempts: int = MAX_ATTEMPTS, rng: random.Random | None = None
) -> list[float]:
    """The waits before each retry: full jitter over 0.5 s doubling to 8 s, within ``budget``."""
    draw = (rng or random).uniform
    waits: list[float] = []
    for attempt in range(attempts - 1):
        wait = draw(0, min(MAX_DELAY, BASE_DELAY * 2**attempt))
        if sum(waits) + wait > budget:
            break
        waits.append(wait)
    return waits


def call(
    action: Callable[[], T],
    retryable: Callable[[Exception], bool],
    sleep: Callable[[float], None],
    budget: float,
    on_retry: Callable[[Exception, float], None] = lambda _error, _wait: None,
) -> T:
    """Run ``action``; retry the failures ``retryable`` accepts, at most within ``budget`` s."""
    for wait in delays(budget):
        try:
            return action()
        except Exception as error:
            if not retryable(error):
                raise
            on_retry(error, wait)
            sleep(wait)
    return action()
