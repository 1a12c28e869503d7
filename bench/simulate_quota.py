"""The Home Graph pipeline at scale, on a virtual clock: does it keep within the project's budget
of Home Graph calls, and still deliver every final state?

The real code runs: on_device_written's ``publish_change`` (classify, publish) for each device
write, and on_device_change's ``handle_change`` (Request Sync, Report State, the shared call
budget, retries) for each Pub/Sub delivery, over the product's in-memory ledger (every Firestore
round trip costs ``firestore_latency`` of virtual time and is counted); the other adapters are
fakes (bench/fakes.py): Pub/Sub as ordered push with backoff and dead-lettering, and a Home
Graph that enforces the quota with 429s and fails a share of the calls.

    python -m bench.simulate_quota                       # 100,000 users, 10 devices each
    python -m bench.simulate_quota --users 2000 --minutes 3 --json out.json
"""

import argparse
import base64
import bisect
import functools
import json
import os
import random
import resource
import time
from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.fakes import QuotaHomeGraph, Scheduler
from functions.core import logs
from functions.core.config import Config
from functions.core.messages import Message
from functions.core.paths import device_path
from functions.core.units import SECOND
from functions.on_device_change.context import Pipeline
from functions.on_device_change.memory_ledger import MemoryLedger
from functions.on_device_change.quota import CallBudget
from functions.on_device_change.router import handle_change
from functions.on_device_written.events import DocumentChange
from functions.on_device_written.handler import publish_change

START = 1_700_000_000 * SECOND


@dataclass
class Settings:
    users: int = 100_000
    devices: int = 10
    minutes: float = 5.0
    """Virtual minutes of writes; the run then drains for up to ``drain_minutes``."""
    drain_minutes: float = 10.0
    budget: int = 6000
    """Home Graph calls per minute for the project (HOMEGRAPH_CALLS_PER_MINUTE)."""
    request_sync_share: float = 0.1
    very_busy_share: float = 0.0005
    very_busy_rate: float = 4.0
    """State writes per second in each very busy home."""
    busy_share: float = 0.005
    busy_rate: float = 0.1
    quiet_rate: float = 1 / 3600
    structural_per_second: float = 0.2
    """Device renames per second, project-wide (each needs a Request Sync)."""
    failure_rate: float = 0.05
    instances: int = 20
    """on_device_change instances, each with its own share of the budget."""
    eventarc_delay: tuple[float, float] = (0.05, 0.3)
    pubsub_delay: float = 0.02
    firestore_latency: float = 0.005
    homegraph_latency: float = 0.05
    seed: int = 1


@dataclass
class Results:
    settings: dict[str, Any]
    writes: int = 0
    structural_writes: int = 0
    messages_published: int = 0
    deliveries: int = 0
    redeliveries: int = 0
    dead_letters: int = 0
    handler_errors: int = 0
    calls_per_minute: list[dict[str, int]] = field(default_factory=list)
    max_calls_in_any_60s: int = 0
    quota_429s: int = 0
    injected_failures: int = 0
    report_state_calls: int = 0
    request_sync_calls: int = 0
    devices_written: int = 0
    devices_exact: int = 0
    exactness: float = 0.0
    went_back: int = 0
    staleness_p50: float = 0.0
    staleness_p99: float = 0.0
    staleness_max: float = 0.0
    user_worst_staleness_p50: float = 0.0
    user_worst_staleness_p99: float = 0.0
    firestore_reads: int = 0
    firestore_writes: int = 0
    budget_increments: int = 0
    peak_concurrent_handlers: int = 0
    drained_after_seconds: float = 0.0
    virtual_seconds: float = 0.0
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    log_counts: dict[str, int] = field(default_factory=dict)


class OrderedPush:
    """Pub/Sub with an ordered push subscription: one message per user in flight, a failed
    delivery retried after exponential backoff (blocking the user's later messages), and
    dead-lettered after ``max_attempts``."""

    def __init__(
        self,
        sched: Scheduler,
        deliver: Any,
        *,
        delay: float,
        min_backoff: float = 10,
        max_backoff: float = 600,
        max_attempts: int = 10,
    ) -> None:
        self.sched = sched
        self.deliver = deliver
        self.delay = delay
        self.min_backoff, self.max_backoff, self.max_attempts = (
            min_backoff,
            max_backoff,
            max_attempts,
        )
        self.queues: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        self.busy: set[str] = set()
        self.published = self.deliveries = self.redeliveries = self.dead = self.errors = 0
        self._ids = 0

    def publish(self, messages: Sequence[Message]) -> None:
        self.sched.sleep(self.delay)
        for message in messages:
            self._ids += 1
            self.published += 1
            published = datetime.fromtimestamp(self.sched.now / SECOND, UTC)
            self.queues[message.user_id].append(
                {
                    "data": base64.b64encode(message.encode()).decode(),
                    "messageId": str(self._ids),
                    "publishTime": published.isoformat(),
                    "attempts": 0,
                }
            )
            self._next(message.user_id)

    def _next(self, user_id: str) -> None:
        if user_id in self.busy or not self.queues[user_id]:
            return
        self.busy.add(user_id)
        self.sched.spawn(self.sched.now + int(self.delay * SECOND), self._handle, user_id)

    def _handle(self, user_id: str) -> None:
        message = self.queues[user_id][0]
        self.deliveries += 1
        try:
            self.deliver(message)
        except Exception as error:
            if type(error).__name__ != "Redeliver":
                self.errors += 1
            message["attempts"] += 1
            if message["attempts"] < self.max_attempts:
                self.redeliveries += 1
                backoff = min(self.max_backoff, self.min_backoff * 2 ** (message["attempts"] - 1))
                self.sched.spawn(self.sched.now + int(backoff * SECOND), self._handle, user_id)
                return
            self.dead += 1
        self.queues[user_id].popleft()
        self.busy.discard(user_id)
        self._next(user_id)


@contextmanager
def counted_logs(counts: dict[str, int]) -> Iterator[None]:
    """Count log lines by severity and message instead of printing them."""
    original = logs.log

    def count(severity: str, message: str, **_: Any) -> None:
        counts[f"{severity} {message}"] = counts.get(f"{severity} {message}", 0) + 1

    logs.log = count
    try:
        yield
    finally:
        logs.log = original


def light(seq: int, name: str = "Lamp") -> dict[str, Any]:
    return {
        "type": "action.devices.types.LIGHT",
        "traits": ["action.devices.traits.OnOff", "action.devices.traits.Brightness"],
        "name": {"name": name},
        "willReportState": True,
        "states": {"online": True, "on": True, "brightness": seq},
    }


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def simulate(settings: Settings) -> Results:  # noqa: PLR0915 (one scene, told in order)
    """Run the simulation; returns its figures."""
    wall, cpu = time.monotonic(), time.process_time()
    random.seed(settings.seed)  # the retries' jitter draws from the module's generator
    rng = random.Random(settings.seed)
    sched = Scheduler(START)
    ledger = MemoryLedger(sched.clock)
    if settings.firestore_latency:
        ledger.operation = lambda _reads, _writes: sched.sleep(settings.firestore_latency)
    google = QuotaHomeGraph(
        sched.clock,
        sched.sleep,
        quota=settings.budget,
        failure_rate=settings.failure_rate,
        latency=settings.homegraph_latency,
        seed=settings.seed,
    )
    config = Config(
        project_id="simulation",
        homegraph_calls_per_minute=settings.budget,
        homegraph_request_sync_share=settings.request_sync_share,
    )
    pipelines = [
        Pipeline(
            ledger,
            lambda: google,
            config,
            sched.clock,
            sched.sleep,
            CallBudget(
                ledger,
                config.homegraph_calls_per_minute,
                config.homegraph_request_sync_share,
                clock=sched.clock,
                sleep=sched.sleep,
                rng=random.Random(settings.seed * 1000 + n),
            ),
        )
        for n in range(settings.instances)
    ]
    results = Results(settings=asdict(settings))

    def deliver(message: dict[str, Any]) -> None:
        pipeline = pipelines[rng.randrange(len(pipelines))]
        now = datetime.fromtimestamp(sched.now / SECOND, UTC)
        handle_change(pipeline, message, now=now)

    pubsub = OrderedPush(sched, deliver, delay=settings.pubsub_delay)
    users = [f"user-{n:06d}" for n in range(settings.users)]
    for user_id in users:
        ledger.link(user_id, datetime.fromtimestamp((START - 3600 * SECOND) / SECOND, UTC))
    documents: dict[tuple[str, str], dict[str, Any]] = {}
    seqs: dict[tuple[str, str], int] = defaultdict(int)
    unconfirmed: dict[tuple[str, str], deque[tuple[int, int]]] = defaultdict(deque)
    lags: list[float] = []
    worst: dict[str, float] = {}
    last_seen: dict[tuple[str, str], int] = {}

    def on_report(user_id: str, device_id: str, seq: int, now: int) -> None:
        key = (user_id, device_id)
        if seq < last_seen.get(key, 0):
            results.went_back += 1
        last_seen[key] = seq
        waiting = unconfirmed[key]
        while waiting and waiting[0][0] <= seq:
            _, written = waiting.popleft()
            lag = (now - written) / SECOND
            lags.append(lag)
            worst[user_id] = max(worst.get(user_id, 0.0), lag)

    google.on_report = on_report
    end = START + int(settings.minutes * 60 * SECOND)
    events = 0

    def write(user_id: str, structural: bool) -> None:
        nonlocal events
        device_id = f"d{rng.randrange(settings.devices)}"
        key = (user_id, device_id)
        before = documents.get(key) or light(0)
        if structural:
            after = {**before, "name": {"name": f"Lamp {rng.randrange(10**6)}"}}
            results.structural_writes += 1
        else:
            seqs[key] += 1
            after = {**before, "states": {**before["states"], "brightness": seqs[key]}}
            unconfirmed[key].append((seqs[key], sched.now))
            results.writes += 1
        documents[key] = after
        events += 1
        version = ledger.put(device_path(user_id, device_id), after)
        change = DocumentChange(user_id, device_id, before, after, version)
        delay = rng.uniform(*settings.eventarc_delay)
        sched.spawn(
            sched.now + int(delay * SECOND),
            functools.partial(publish_change, change, lambda: pubsub),
        )

    def tier(members: list[str], rate: float, structural: bool) -> None:
        """Writes by ``members`` at ``rate`` per second each (one Poisson stream per tier)."""
        total = rate * len(members)
        if total <= 0:
            return

        def step() -> None:
            write(rng.choice(members), structural)
            schedule()

        def schedule() -> None:
            when = sched.now + int(rng.expovariate(total) * SECOND)
            if when < end:
                sched.at(when, step)

        schedule()

    shuffled = users[:]
    rng.shuffle(shuffled)
    very_busy = max(1, int(settings.users * settings.very_busy_share))
    busy = int(settings.users * settings.busy_share)
    tier(shuffled[:very_busy], settings.very_busy_rate, False)
    tier(shuffled[very_busy : very_busy + busy], settings.busy_rate, False)
    tier(shuffled[very_busy + busy :], settings.quiet_rate, False)
    tier(users, settings.structural_per_second / settings.users, True)

    counts: dict[str, int] = {}
    with counted_logs(counts):
        sched.run(end)
        limit = end + int(settings.drain_minutes * 60 * SECOND)
        while not sched.idle() and sched.now < limit:
            sched.run(min(limit, sched.now + 5 * SECOND))
            if all(not waiting for waiting in unconfirmed.values()) and not pubsub.busy:
                break
    results.drained_after_seconds = (sched.now - end) / SECOND
    results.virtual_seconds = (sched.now - START) / SECOND
    results.log_counts = dict(sorted(counts.items()))
    _figures(
        results,
        settings,
        google=google,
        ledger=ledger,
        pubsub=pubsub,
        pipelines=pipelines,
        sched=sched,
    )
    written = [key for key, seq in seqs.items() if seq]
    results.devices_written = len(written)
    results.devices_exact = sum(1 for key in written if google.reported.get(key) == seqs[key])
    results.exactness = results.devices_exact / len(written) if written else 1.0
    results.staleness_p50 = percentile(lags, 0.5)
    results.staleness_p99 = percentile(lags, 0.99)
    results.staleness_max = max(lags, default=0.0)
    results.user_worst_staleness_p50 = percentile(list(worst.values()), 0.5)
    results.user_worst_staleness_p99 = percentile(list(worst.values()), 0.99)
    results.wall_seconds = round(time.monotonic() - wall, 2)
    results.cpu_seconds = round(time.process_time() - cpu, 2)
    return results


def _figures(
    results: Results,
    settings: Settings,
    *,
    google: QuotaHomeGraph,
    ledger: MemoryLedger,
    pubsub: OrderedPush,
    pipelines: list[Pipeline],
    sched: Scheduler,
) -> None:
    minutes: dict[int, dict[str, int]] = defaultdict(
        lambda: {"calls": 0, "reportState": 0, "requestSync": 0, "quota429": 0, "failed": 0}
    )
    times = []
    for at, method, status in google.calls:
        minute = minutes[(at - START) // (60 * SECOND)]
        minute["calls"] += 1
        minute[method] += 1
        if status == 429:
            minute["quota429"] += 1
            results.quota_429s += 1
        elif status != 200:
            minute["failed"] += 1
            results.injected_failures += 1
        times.append(at)
    results.calls_per_minute = [
        {"minute": n, **minutes[n], "budget": settings.budget} for n in sorted(minutes)
    ]
    times.sort()
    results.max_calls_in_any_60s = max(
        (bisect.bisect_left(times, t + 60 * SECOND) - i for i, t in enumerate(times)), default=0
    )
    results.report_state_calls = sum(1 for _, m, _ in google.calls if m == "reportState")
    results.request_sync_calls = sum(1 for _, m, _ in google.calls if m == "requestSync")
    results.messages_published = pubsub.published
    results.deliveries = pubsub.deliveries
    results.redeliveries = pubsub.redeliveries
    results.dead_letters = pubsub.dead
    results.handler_errors = pubsub.errors
    budget_writes = sum(p.budget.writes for p in pipelines if p.budget)
    results.budget_increments = budget_writes
    results.firestore_reads = ledger.reads
    results.firestore_writes = ledger.writes
    results.peak_concurrent_handlers = sched.peak_running


def table(results: Results) -> str:
    """The figures as text."""
    lines = [
        f"{'minute':>6} {'calls':>7} {'budget':>7} {'report':>7} {'sync':>5} {'429':>5} "
        f"{'failed':>6}"
    ]
    for row in results.calls_per_minute:
        lines.append(
            f"{row['minute']:>6} {row['calls']:>7} {row['budget']:>7} {row['reportState']:>7} "
            f"{row['requestSync']:>5} {row['quota429']:>5} {row['failed']:>6}"
        )
    s = results.settings
    lines += [
        "",
        f"users {s['users']:,} x {s['devices']} devices, {s['minutes']} virtual minutes of "
        f"writes, {s['instances']} instances, budget {s['budget']:,} calls/min",
        f"state writes {results.writes:,} (+{results.structural_writes:,} structural), "
        f"messages {results.messages_published:,}, deliveries {results.deliveries:,} "
        f"(redelivered {results.redeliveries:,}, dead-lettered {results.dead_letters}, "
        f"handler errors {results.handler_errors})",
        f"Home Graph calls: {results.report_state_calls:,} Report State, "
        f"{results.request_sync_calls:,} Request Sync; max in any 60 s window "
        f"{results.max_calls_in_any_60s:,} of {s['budget']:,}; quota 429s {results.quota_429s}; "
        f"injected failures {results.injected_failures:,}",
        f"final-state exactness {results.exactness:.2%} "
        f"({results.devices_exact:,}/{results.devices_written:,} devices); "
        f"reports that went back {results.went_back}",
        f"staleness per write: p50 {results.staleness_p50:.2f} s, p99 "
        f"{results.staleness_p99:.2f} s, max {results.staleness_max:.2f} s; per user (worst "
        f"write): p50 {results.user_worst_staleness_p50:.2f} s, p99 "
        f"{results.user_worst_staleness_p99:.2f} s",
        f"Firestore: {results.firestore_reads:,} reads, {results.firestore_writes:,} writes "
        f"({results.budget_increments:,} budget increments); peak concurrent handlers "
        f"{results.peak_concurrent_handlers:,}",
        f"drained {results.drained_after_seconds:.0f} s after the last write; "
        f"{results.virtual_seconds:.0f} virtual s in {results.wall_seconds} s wall, "
        f"{results.cpu_seconds} s CPU",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    defaults = Settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=defaults.users)
    parser.add_argument("--devices", type=int, default=defaults.devices)
    parser.add_argument("--minutes", type=float, default=defaults.minutes)
    parser.add_argument("--budget", type=int, default=defaults.budget)
    parser.add_argument("--instances", type=int, default=defaults.instances)
    parser.add_argument("--failure-rate", type=float, default=defaults.failure_rate)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--json", default=".bench/quota_simulation.json", help="where to write figures"
    )
    args = parser.parse_args(argv)
    settings = Settings(
        users=args.users,
        devices=args.devices,
        minutes=args.minutes,
        budget=args.budget,
        instances=args.instances,
        failure_rate=args.failure_rate,
        seed=args.seed,
    )
    results = simulate(settings)
    print(table(results))
    os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as out:
        json.dump(asdict(results), out, indent=2)
    print(f"figures written to {args.json}; peak RSS {_rss_mb():.0f} MB")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
