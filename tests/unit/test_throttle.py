"""The per-user EXECUTE bound (functions/fulfillment/throttle.py), on a simulated clock."""

from concurrent.futures import ThreadPoolExecutor

from functions.fulfillment.throttle import EXECUTE_BURST, EXECUTE_PER_SECOND, Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_sustained_rate() -> None:
    clock = Clock()
    throttle = Throttle(burst=3, per_second=2, clock=clock)
    assert [throttle.admit("u") for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one more request's worth
    assert [throttle.admit("u") for _ in range(2)] == [True, False]
    clock.now += 60  # refilled to the burst, never beyond
    assert sum(throttle.admit("u") for _ in range(10)) == 3


def test_each_user_has_a_bucket_of_their_own() -> None:
    throttle = Throttle(burst=1, per_second=0, clock=Clock())
    assert throttle.admit("a") and throttle.admit("b")
    assert not throttle.admit("a") and not throttle.admit("b")


def test_a_household_never_reaches_the_bound() -> None:
    """A busy evening: a 20-command routine, a slider dragged for 10 s at 5 requests a second,
    and a command every 2 seconds for an hour."""
    clock = Clock()
    throttle = Throttle(clock=clock)
    assert all(throttle.admit("home") for _ in range(20))
    for _ in range(50):
        clock.now += 0.2
        assert throttle.admit("home")
    for _ in range(1800):
        clock.now += 2
        assert throttle.admit("home")


def test_a_script_is_held_to_the_sustained_rate() -> None:
    clock = Clock()
    throttle = Throttle(clock=clock)
    admitted = 0
    for _ in range(60 * 100):  # 100 requests a second for a minute
        clock.now += 0.01
        admitted += throttle.admit("script")
    assert admitted <= EXECUTE_BURST + 60 * EXECUTE_PER_SECOND + 1


def test_memory_is_bounded_and_the_idlest_user_forgotten() -> None:
    throttle = Throttle(burst=1, per_second=0, clock=Clock(), max_users=2)
    assert throttle.admit("a") and throttle.admit("b") and throttle.admit("c")
    assert len(throttle._buckets) == 2
    assert throttle.admit("a"), "a was forgotten: a full bucket again"
    assert not throttle.admit("c")


def test_concurrent_requests_are_counted_exactly() -> None:
    throttle = Throttle(burst=100, per_second=0, clock=Clock())
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: throttle.admit("u"), range(400)))
    assert answers.count(True) == 100
