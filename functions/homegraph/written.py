"""on_device_written: turn a device document write into the Pub/Sub messages Home Graph needs."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from functions.core import logs
from functions.homegraph.events import STATE, BadEvent, decode, messages
from functions.homegraph.publish import Publisher


class LinkedUsers(Protocol):
    def is_linked(self, user_id: str) -> bool: ...


class Outbox(Protocol):
    def stage_state(
        self, user_id: str, device_id: str, version: int, states: dict[str, Any]
    ) -> bool: ...

    def forget(self, user_id: str, device_id: str) -> None: ...


def handle_written(
    body: bytes,
    *,
    event_id: str,
    event_time: datetime,
    users: LinkedUsers,
    outbox: Outbox,
    publisher: Callable[[], Publisher],
    max_age: timedelta,
    now: datetime | None = None,
) -> None:
    """Classify one write, stage its Report State in the outbox and publish its messages.

    Staging first lets on_device_change fold every state staged so far into one Report State
    call when messages pile up behind one user's ordering key. A bad event is logged at ERROR
    and dropped; a failure raises so that Eventarc delivers the event again."""
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
    logs.bind(user=logs.user_ref(change.user_id), deviceId=change.device_id)
    if change.after is None:
        outbox.forget(change.user_id, change.device_id)
    found, skipped = messages(change)
    if skipped:
        logs.warning("state change not reported", reason=skipped)
    if not found:
        logs.info("nothing for Home Graph")
        return
    if not users.is_linked(change.user_id):
        logs.info("user not linked; nothing published", kinds=[m.kind for m in found])
        return
    for message in found:
        if message.kind == STATE:
            outbox.stage_state(
                change.user_id, change.device_id, message.data["version"], message.data["states"]
            )
    publisher().publish(found)
    logs.info("published", kinds=[m.kind for m in found], changedAt=change.changed_at)
