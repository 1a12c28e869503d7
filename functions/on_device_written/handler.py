"""on_device_written: turn a device document write into the Pub/Sub messages Home Graph needs.

The event carries the whole document before and after the write, so classifying it needs no
read: this function makes no Firestore call at all. Whether the user is linked, and whether a
state is still the newest, is decided where it matters, in on_device_change, one user's messages
at a time.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from functions.core import logs
from functions.on_device_written.events import BadEvent, DocumentChange, decode, messages
from functions.on_device_written.publisher import Publisher


def handle_written(
    body: bytes,
    *,
    event_id: str,
    event_time: datetime,
    publisher: Callable[[], Publisher],
    max_age: timedelta,
    now: datetime | None = None,
) -> None:
    """Classify one write and publish what Home Graph must hear. A bad event is logged at ERROR
    and dropped; a failed publish raises, so that Eventarc delivers the event again."""
    logs.reset()
    logs.bind(eventId=event_id)
    age = (now or datetime.now(UTC)) - event_time
    if age > max_age:
        logs.error("event too old; dropped", ageSeconds=age.total_seconds())
        return
    try:
        change = decode(body, event_time)
    except BadEvent as error:
        logs.error("undecodable event; dropped", reason=str(error), body=body[:2048].hex())
        return
    publish_change(change, publisher)


def publish_change(change: DocumentChange, publisher: Callable[[], Publisher]) -> None:
    """What handle_written does with a decoded change."""
    logs.bind(user=logs.user_ref(change.user_id), deviceId=change.device_id)
    found, skipped = messages(change)
    if skipped:
        logs.warning("state change not reported", reason=skipped)
    if not found:
        logs.info("nothing for Home Graph")
        return
    publisher().publish(found)
    logs.info("published", kinds=[m.kind for m in found], changedAt=change.changed_at)
