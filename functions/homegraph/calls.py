"""One Home Graph call as on_device_change makes it: a place in the project's budget, then the
call, retried within a bound while it fails transiently; and the two ways a message's work can
stop short (Pub/Sub delivers it again)."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from functions.core import logs, retry
from functions.homegraph.client import HomeGraphError

if TYPE_CHECKING:
    from functions.homegraph.pipeline import Pipeline

SECOND = 10**9
QUOTA_WAIT_SECONDS = 30
"""How long a Request Sync (or a retry) waits for room in the budget before Pub/Sub redelivers."""


class Redeliver(Exception):
    """The message's effect is not done yet: fail so that Pub/Sub delivers it again."""


class OverBudget(Exception):
    """No room in the project's budget of Home Graph calls before the caller's deadline."""


def call_homegraph(
    pipeline: "Pipeline",
    kind: str,
    action: Callable[[], None],
    paid: bool = False,
    renew: Callable[[], None] | None = None,
) -> None:
    """Make a Home Graph call, retrying transient failures; every attempt takes a place in the
    budget first (the first one is ``paid`` already when the caller took it). Raises
    OverBudget when no place comes within QUOTA_WAIT_SECONDS. ``renew`` (a report turn's
    lease) is called before each retry and while a retry waits for the budget."""
    unpaid = [not paid]

    def attempt() -> None:
        if unpaid.pop() if unpaid else True:
            until = pipeline.clock() + QUOTA_WAIT_SECONDS * SECOND
            if not pipeline.take(kind, until, renew):
                raise OverBudget(f"no room for a {kind} call in the Home Graph budget")
        action()

    def on_retry(error: Exception, wait: float) -> None:
        logs.warning("Home Graph call failed; retrying", reason=str(error), waitSeconds=wait)
        if renew is not None:
            renew()

    retry.call(
        attempt,
        lambda e: isinstance(e, HomeGraphError) and e.retryable,
        pipeline.sleep,
        pipeline.config.homegraph_retry_seconds,
        on_retry,
    )
