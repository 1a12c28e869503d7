"""on_device_change is safe to run at a concurrency above 1 (Terraform's
``on_device_change_capacity.concurrency``): one process handling many users' messages at once,
on real threads, shares its budget, its cache and its clients without losing or mixing anything.
Pub/Sub still hands each user's messages over one at a time; here each thread is one user."""

import threading
import time
from datetime import UTC, datetime

from functions.core.config import Config
from functions.on_device_change.context import Pipeline
from functions.on_device_change.memory_ledger import MemoryLedger
from functions.on_device_change.router import handle_change
from tests.support.fakes import ScriptedHomeGraph
from tests.support.pipeline import outlet, reportable, state


def test_many_users_at_once_through_one_process_all_end_exact() -> None:
    ledger = MemoryLedger(time.time_ns)
    google = ScriptedHomeGraph()
    config = Config(project_id="p", homegraph_calls_per_minute=600_000, homegraph_retry_seconds=0)
    pipeline = Pipeline(ledger, lambda: google, config)
    users = [f"user-{n}" for n in range(16)]
    for user in users:
        ledger.link(user, datetime.now(UTC))
    errors: list[BaseException] = []

    def one_user(user: str) -> None:
        try:
            for n in range(40):
                device, on = f"d{n % 4}", n % 3 == 0
                version = ledger.put(f"users/{user}/devices/{device}", outlet(on))
                handle_change(pipeline, state(user, device, version, reportable(on)))
        except BaseException as error:  # noqa: BLE001 - the test reports every failure
            errors.append(error)

    threads = [threading.Thread(target=one_user, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    held: dict[tuple[str, str], dict] = {}
    for user, states in google.reports:
        for device, device_states in states.items():
            held[(user, device)] = device_states
    for user in users:
        for n in range(36, 40):
            device, on = f"d{n % 4}", n % 3 == 0
            assert held[(user, device)] == reportable(on), (user, device)
    assert pipeline.budget is not None and pipeline.budget.reserved >= len(google.reports)
