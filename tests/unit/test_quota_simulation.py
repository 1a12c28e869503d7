"""The pipeline at small scale on a virtual clock (bench/simulate_quota.py)."""

from bench.simulate_quota import Settings, simulate

SMALL = Settings(
    users=2000,
    minutes=3,
    drain_minutes=5,
    budget=600,
    very_busy_share=0.005,
    busy_share=0.05,
    instances=5,
    seed=7,
)


def test_small_simulation_keeps_the_budget_and_every_final_state() -> None:
    results = simulate(SMALL)
    assert results.writes > 3 * SMALL.budget * SMALL.minutes, "raw writes exceed the budget"
    assert all(row["calls"] <= SMALL.budget for row in results.calls_per_minute)
    assert results.max_calls_in_any_60s <= SMALL.budget
    assert results.quota_429s == 0
    assert results.injected_failures > 0, "the stand-in failed no call"
    assert results.request_sync_calls > 0
    assert results.exactness == 1.0
    assert results.went_back == 0
    assert results.dead_letters == 0 and results.handler_errors == 0
    assert results.staleness_p99 < 60, "virtual seconds, with demand 5 times the budget"
    assert results.staleness_max < 90, "virtual seconds"
    assert results.drained_after_seconds <= 60, "virtual seconds"
    operations = results.firestore_reads + results.firestore_writes
    assert operations <= 3 * (results.writes + results.structural_writes), "billed per write"
