"""The request budget: a token bucket per device."""

import pytest

from bridge.budget import Budget, BudgetExhausted


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_burst_then_the_average_rate() -> None:
    clock = Clock()
    budget = Budget(per_minute=6, burst=3, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        budget.acquire("a")
    assert clock.now == 0
    budget.acquire("a")
    assert clock.now == pytest.approx(10)
    budget.acquire("b")  # another device has its own budget
    assert clock.now == pytest.approx(10)
    assert budget.spent == {"a": 4, "b": 1}


def test_exhausted_when_the_wait_is_too_long() -> None:
    clock = Clock()
    budget = Budget(per_minute=1, burst=1, clock=clock, sleep=clock.sleep)
    budget.acquire("a")
    with pytest.raises(BudgetExhausted):
        budget.acquire("a", max_wait=5)


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Budget(per_minute=0, burst=1)
