"""Bounded retries with backoff and jitter."""

import random
from collections.abc import Iterator

import pytest

from functions.core import retry


def test_delays_grow_with_jitter_and_stay_within_the_budget() -> None:
    waits = retry.delays(budget=100, rng=random.Random(7))
    assert len(waits) == retry.MAX_ATTEMPTS - 1
    assert all(0 <= w <= min(retry.MAX_DELAY, retry.BASE_DELAY * 2**i) for i, w in enumerate(waits))
    assert sum(retry.delays(budget=1.0, rng=random.Random(7))) <= 1.0


def test_call_retries_retryable_errors_then_gives_up() -> None:
    attempts: list[int] = []
    slept: list[float] = []

    def flaky() -> str:
        attempts.append(1)
        raise ConnectionError("down")

    with pytest.raises(ConnectionError):
        retry.call(flaky, lambda e: isinstance(e, ConnectionError), slept.append, budget=100)
    assert len(attempts) == retry.MAX_ATTEMPTS and len(slept) == retry.MAX_ATTEMPTS - 1


def test_call_does_not_retry_other_errors_and_returns_on_success() -> None:
    calls: Iterator[Exception | str] = iter([ConnectionError("once"), "ok"])

    def once() -> str:
        item = next(calls)
        if isinstance(item, Exception):
            raise item
        return item

    assert retry.call(once, lambda e: isinstance(e, ConnectionError), lambda _: None, 100) == "ok"
    with pytest.raises(ValueError):
        retry.call(
            lambda: (_ for _ in ()).throw(ValueError("no")), lambda e: False, lambda _: None, 100
        )
