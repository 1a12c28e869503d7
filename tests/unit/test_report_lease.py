"""The user's report lease: short enough that a dead sender blocks a user for seconds, and
renewed often enough that a live one never loses it, even while it waits for budget."""

import base64
import json
from typing import Any

from bench.fakes import MemoryLedger
from functions.core.config import Config
from functions.homegraph.calls import SECOND
from functions.homegraph.client import HomeGraphError
from functions.homegraph.pipeline import RENEW_SECONDS, Pipeline, handle_change
from tests.unit.fakes import ScriptedHomeGraph

START = 1_900_000_000 * SECOND


class Clock:
    """Virtual time; every sleep checks that a lease held by the sender is still standing."""

    def __init__(self) -> None:
        self.now = START
        self.ledger: MemoryLedger | None = None
        self.lapses: list[float] = []

    def clock(self) -> int:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += int(seconds * SECOND)
        for data in (self.ledger.users if self.ledger else {}).values():
            lease = data.get("reportLease")
            if lease and lease["until"] <= self.now:
                self.lapses.append((self.now - lease["until"]) / SECOND)


def state_message(user: str, device: str, version: int, **states: Any) -> dict[str, Any]:
    data = {
        "kind": "state",
        "agentUserId": user,
        "deviceId": device,
        "version": version,
        "states": {"online": True, "on": True, **states},
    }
    return {"data": base64.b64encode(json.dumps(data).encode()).decode(), "messageId": "m1"}


def pipeline(clock: Clock, google: ScriptedHomeGraph, **settings: Any) -> Pipeline:
    ledger = MemoryLedger(clock.sleep)
    clock.ledger = ledger
    config = Config(project_id="p", **settings)
    return Pipeline(ledger, lambda: google, config, clock=clock.clock, sleep=clock.sleep)


def test_the_lease_outlasts_one_call_and_one_retry_wait_and_no_more() -> None:
    default = pipeline(Clock(), ScriptedHomeGraph())
    assert default.lease == 34 * SECOND  # 10 s call + 8 s retry wait + 1 s interval + 5 + 10
    short = pipeline(
        Clock(),
        ScriptedHomeGraph(),
        homegraph_timeout_seconds=1,
        homegraph_retry_seconds=4,
        report_state_min_interval_seconds=0.5,
    )
    assert short.lease == int(20.5 * SECOND)


def test_a_sender_waiting_for_budget_and_retrying_never_loses_its_lease() -> None:
    clock, google = Clock(), ScriptedHomeGraph()
    # a budget of 620 calls per minute: ten calls per second for the whole project
    chain = pipeline(
        clock,
        google,
        homegraph_calls_per_minute=620,
        homegraph_timeout_seconds=1,
        homegraph_retry_seconds=4,
    )
    assert chain.lease == 21 * SECOND
    ledger = chain.ledger
    assert isinstance(ledger, MemoryLedger)
    ledger.link("u", START - 3600 * SECOND)
    google.failures = [HomeGraphError(503, "unavailable")] * 2
    for second in range(START // SECOND, START // SECOND + 30):
        ledger.counts[(second, 0)] = [0, 99]  # the next 30 s of budget is spent by others
    handle_change(chain, state_message("u", "lamp", START + 5, brightness=7))
    assert google.reports == [("u", {"lamp": {"online": True, "on": True, "brightness": 7}})]
    assert clock.now - START > 3 * RENEW_SECONDS * SECOND, "it did wait for budget"
    assert clock.lapses == [], "the lease ran out while its sender was alive"
