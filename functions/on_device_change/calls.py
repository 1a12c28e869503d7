"""One Home Graph call as on_device_change makes it: a place in the project's budget, then the
call, retried within a bound while it fails transiently, each attempt logged (``homegraph call``:
method, HTTP status, latency), and never one that starts too late for the message's delivery."""

import time
from collections.abc import Callable

from functions.core import logs, retry
from functions.core.units import SECOND
from functions.on_device_change.client import HomeGraphError
from functions.on_device_change.context import Delivery
from functions.on_device_change.errors import OverBudget, Redeliver

QUOTA_WAIT_SECONDS = 30
"""How long one call waits for room in the budget before Pub/Sub redelivers the message."""
REQUEST_SYNC, REPORT_STATE, NOTIFY, QUERY = "requestSync", "reportState", "notify", "query"
"""Home Graph's methods, as the ``homegraph call`` log line names them."""


def call_homegraph(
    delivery: Delivery, kind: str, method: str, action: Callable[[float], object]
) -> None:
    """Make a Home Graph call of budget ``kind``, retrying transient failures; every attempt
    takes a place in the budget first and then runs ``action(waited)``, ``waited`` being how
    long the budget kept it waiting (s: what it read before may be stale by then). Raises
    OverBudget when no place comes in time, Redeliver when the delivery's time is up, and the
    last HomeGraphError when retries are spent or the failure is not transient."""
    pipeline = delivery.pipeline
    assert pipeline.budget is not None
    budget = pipeline.budget
    timeout = int(pipeline.config.homegraph_timeout_seconds * SECOND)

    def attempt() -> None:
        latest = delivery.deadline - timeout
        if pipeline.clock() > latest:
            raise Redeliver("no time left in this delivery for a Home Graph call")
        until = min(pipeline.clock() + QUOTA_WAIT_SECONDS * SECOND, latest)
        waited = budget.take(kind, until)
        if waited is None:
            raise OverBudget(f"no room for a {kind} call in the Home Graph budget")
        started = time.monotonic()
        try:
            action(waited)
        except HomeGraphError as error:
            _log(method, error.status or 0, started)
            raise
        _log(method, 200, started)

    def on_retry(error: Exception, wait: float) -> None:
        logs.warning("Home Graph call failed; retrying", reason=str(error), waitSeconds=wait)

    retry.call(
        attempt,
        lambda e: isinstance(e, HomeGraphError) and e.retryable,
        pipeline.sleep,
        pipeline.config.homegraph_retry_seconds,
        on_retry,
    )


def _log(method: str, status: int, started: float) -> None:
    latency = round((time.monotonic() - started) * 1000, 1)
    if status == 200:
        logs.info("homegraph call", method=method, status=status, latencyMs=latency)
    else:
        logs.warning("homegraph call", method=method, status=status, latencyMs=latency)
