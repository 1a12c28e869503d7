"""Commands come before polls in a speaker's request budget: a command never waits behind a poll
(the poll yields between its requests), and polls take only what a command would not need (the
budget keeps a command's requests in reserve; a poll never waits for the budget)."""

import time
from collections.abc import Iterator
from typing import Any

import pytest

from bridge.adapter import Found, Reading
from bridge.budget import Budget, BudgetExhausted, PollYielded, spare_only
from bridge.memory_store import MemoryHomeStore
from bridge.runtime import Bridge, Settings
from bridge.speaker.adapter import SpeakerAdapter
from bridge.speaker.client import SpeakerClient
from bridge.speaker.discovery import StaticDiscovery
from bridge.speaker.pins import PinStore
from bridge.speaker.tokens import HomeGraphTokens
from devstack.fake_speaker import FakeSpeaker
from tests.support.waiting import eventually
from tests.unit.bridge.scripted import ScriptedAdapter

ON_OFF = "action.devices.commands.OnOff"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> Iterator[FakeSpeaker]:
    speaker = FakeSpeaker("Bedroom speaker").start()
    try:
        yield speaker
    finally:
        speaker.stop()


def test_a_command_goes_before_the_rest_of_a_poll(fake: FakeSpeaker) -> None:
    """Each request takes 0.2 s; a command comes while a poll's first request is on its way:
    its write is the next request the speaker sees, not the poll's other two."""
    pins = PinStore()
    pins.trust("bedroom", fake.fingerprint)
    tokens = HomeGraphTokens(lambda: {"bedroom": fake.token}, min_interval=0)
    client = SpeakerClient(Budget(600, 20), pins, tokens, timeout=2)
    adapter = SpeakerAdapter(StaticDiscovery({"bedroom": f"127.0.0.1:{fake.port}"}), client)
    store = MemoryHomeStore()
    bridge = Bridge(adapter, store, Settings(poll_interval=3600)).start(threads=False)
    worker = bridge.workers["bedroom"]
    worker.step()  # the first poll, before the speaker is slow
    fake.delay, fake.requests[:] = 0.2, []
    worker.poller.next_poll = 0  # a poll is due
    worker.start()
    try:
        time.sleep(0.1)  # the poll's first request is on its way
        command = store.execute("bedroom-dnd", ON_OFF, {"on": True}, mode="confirmed")
        eventually(lambda: store.outcome("bedroom-dnd", command), 10, "the command's outcome")
        eventually(lambda: len(fake.requests) >= 5, 10, "the poll and the command")
    finally:
        worker.stop()
    seen = [(r.method, r.path.removeprefix("/setup/"), r.body) for r in fake.requests]
    write = seen.index(("POST", "assistant/notifications", {"notifications_enabled": False}))
    assert write <= 1, seen  # at most the poll's request in flight went first
    assert store.outcome("bedroom-dnd", command) == {"status": "SUCCESS", "states": {"on": True}}


def test_a_poll_leaves_a_commands_requests_in_reserve() -> None:
    """A poll of three requests starts only when all three fit above the reserve, and a fourth
    (a 401's retry) only above it too; a command then finds its three requests at once."""
    clock = Clock()
    budget = Budget(per_minute=60, burst=6, reserve=3, clock=clock, sleep=clock.sleep)
    with spare_only(lambda: False, size=3):
        for _ in range(3):
            budget.acquire("speaker")
        with pytest.raises(BudgetExhausted):
            budget.acquire("speaker")
    with pytest.raises(BudgetExhausted) as spent, spare_only(lambda: False, size=3):
        budget.acquire("speaker")  # the next poll does not fit: not one request spent on it
    assert spent.value.wait == pytest.approx(3.0)  # when it will
    assert budget.spent == {"speaker": 3}
    for _ in range(3):  # the command's write, its 401 retry, its read-back
        budget.acquire("speaker")
    assert clock.slept == []


def test_a_poll_never_waits_for_the_budget() -> None:
    clock = Clock()
    budget = Budget(per_minute=6, burst=4, reserve=3, clock=clock, sleep=clock.sleep)
    with spare_only(lambda: False):
        budget.acquire("speaker")
        with pytest.raises(BudgetExhausted):
            budget.acquire("speaker", max_wait=60)
    assert clock.slept == []


def test_a_poll_yields_when_a_command_waits() -> None:
    budget = Budget(per_minute=60, burst=6, reserve=3)
    with spare_only(lambda: True), pytest.raises(PollYielded):
        budget.acquire("speaker")
    assert budget.spent == {}


class Budgeted(ScriptedAdapter):
    """The scripted lamp, each read three requests and each change one through a budget."""

    def __init__(self, budget: Budget) -> None:
        super().__init__()
        self.budget = budget

    def read(self, found: Found) -> Reading:
        for _ in range(3):
            self.budget.acquire("lamp")
        return super().read(found)

    def apply(self, found: Found, device_id: str, change: Any) -> dict[str, Any]:
        self.budget.acquire("lamp")
        return super().apply(found, device_id, change)


def test_a_poll_that_does_not_fit_spends_nothing_and_comes_back() -> None:
    """After a command the bucket is short of a whole poll above the reserve: the due poll is
    deferred without a request (not started and abandoned), then runs whole when it fits."""
    clock = Clock()
    budget = Budget(per_minute=60, burst=6, reserve=3, clock=clock, sleep=clock.sleep)
    adapter, store = Budgeted(budget), MemoryHomeStore()
    settings = Settings(poll_interval=1, retry_base=1)
    bridge = Bridge(adapter, store, settings, clock=clock).start(threads=False)
    worker = bridge.workers["lamp"]
    worker.step()  # the first poll: three requests
    clock.now += 3  # the bucket is full again
    store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True})
    worker.step()  # the command (one request), then the due poll: it does not fit
    assert (budget.spent, adapter.reads, adapter.on) == ({"lamp": 4}, 1, True)
    assert worker.next_poll == pytest.approx(clock.now + 1)  # when it fits
    clock.now = worker.next_poll
    worker.step()
    assert (budget.spent, adapter.reads) == ({"lamp": 7}, 2)
    assert clock.slept == []
