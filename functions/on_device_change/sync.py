"""Request Sync (``async: true``), coalesced per user.

A sync sent at time T covers every change committed before T, so a later message about an earlier
change sends nothing; sends are spaced by ``REQUEST_SYNC_MIN_INTERVAL_SECONDS``. One user's
messages arrive one at a time, so a sender that waits out the interval holds the user's later
messages back, and the sync it then sends covers them all: a burst of structural writes costs one
or two calls. A 404 says Google does not know the user (after the grace period of a new link, the
user is marked unlinked); 429, 5xx and timeouts are retried, then the message is redelivered;
400 and 403 are logged at ERROR and never retried.
"""

from functions.core import logs
from functions.core.units import SECOND
from functions.on_device_change.calls import REQUEST_SYNC, call_homegraph
from functions.on_device_change.client import HomeGraphError
from functions.on_device_change.context import Delivery
from functions.on_device_change.errors import OverBudget, Redeliver
from functions.on_device_change.ledger import UserRecord, sync_time
from functions.on_device_change.quota import SYNC_CALL


def request_sync(delivery: Delivery, user_id: str, changed_at: int) -> None:
    """Ask Google to SYNC the user, unless a Request Sync sent since the change covers it."""
    pipeline = delivery.pipeline
    user = pipeline.ledger.user(user_id)
    interval = int(pipeline.config.request_sync_min_interval_seconds * SECOND)
    at = sync_time(user, changed_at, pipeline.clock(), interval)
    if at is None:
        logs.info("request sync covered (or user unlinked); nothing sent")
        return
    wait = (at - pipeline.clock()) / SECOND
    if wait > 0:
        pipeline.sleep(wait)
    sent_at = pipeline.clock()
    if send_request_sync(delivery, user_id, user):
        pipeline.ledger.record_sync(user_id, sent_at)
        logs.info("request sync sent")


def send_request_sync(delivery: Delivery, user_id: str, user: UserRecord) -> bool:
    """One Request Sync; True when Google took it. An unknown user is marked unlinked (False);
    a transient failure raises Redeliver; a refusal is logged (False)."""
    pipeline = delivery.pipeline
    try:
        call_homegraph(
            delivery, SYNC_CALL, REQUEST_SYNC, lambda _: pipeline.homegraph().request_sync(user_id)
        )
    except OverBudget as error:
        raise Redeliver(str(error)) from error
    except HomeGraphError as error:
        if error.not_found and not new_user(delivery, user):
            pipeline.ledger.set_unlinked(user_id, user.linked_at)
            logs.warning("Home Graph does not know the user; marked unlinked")
            return False
        if error.retryable or error.not_found:
            raise Redeliver(f"request sync failed: {error}") from error
        logs.error("request sync refused; not retried", status=error.status, reason=error.reason)
        return False
    return True


def new_user(delivery: Delivery, user: UserRecord) -> bool:
    """True while Home Graph may not know a freshly linked user yet (its 404s are transient)."""
    pipeline = delivery.pipeline
    grace = pipeline.config.new_user_grace_seconds * SECOND
    return user.linked_at is not None and pipeline.clock() - user.linked_at < grace
