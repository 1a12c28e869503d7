"""on_device_written: turn a device document write into the Pub/Sub messages Home Graph needs."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from functions.core import logs
from functions.homegraph.events import STATE, BadEvent, DocumentChange, decode, messages
from functions.homegraph.ledger import CLAIMED, UNLINKED, Outbox
from functions.homegraph.publish import Publisher

REPORT_QUEUED_SECONDS = 60
"""How long a published state message stands for the states staged after it: later writers
publish none meanwhile. Its sender takes the mark down when its turn begins; the limit only
matters if the message is lost (dead-lettered), and then costs one extra message."""


class LinkedUsers(Protocol):
    def is_linked(self, user_id: str) -> bool: ...


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
    """Classify one write, stage its Report State in the outbox and publish what is needed.

    Staging first lets on_device_change fold every state staged so far into one Report State
    call; a state message is published only when none is on its way for the user already (the
    one on its way reports every state staged before its sender's turn). A bad event is logged
    at ERROR and dropped; a failure raises so that Eventarc delivers the event again."""
    logs.reset()
    logs.bind(eventId=event_id)
    now = now or datetime.now(UTC)
    age = now - event_time
    if age > max_age:
        logs.error("event too old; dropped", ageSeconds=age.total_seconds())
        return
    try:
        change = decode(body, event_time)
    except BadEvent as error:
        logs.error("undecodable event; dropped", reason=str(error), body=body[:2048].hex())
        return
    publish_change(
        change,
        event_id=event_id,
        users=users,
        outbox=outbox,
        publisher=publisher,
        now=int(now.timestamp() * 10**6) * 1000,
    )


def publish_change(
    change: DocumentChange,
    *,
    event_id: str,
    users: LinkedUsers,
    outbox: Outbox,
    publisher: Callable[[], Publisher],
    now: int,
) -> None:
    """What handle_written does with a decoded change (``now`` in ns since the epoch)."""
    logs.bind(user=logs.user_ref(change.user_id), deviceId=change.device_id)
    if change.after is None and not change.collection:
        outbox.forget(change.user_id, change.device_id)
    found, skipped = messages(change)
    if skipped:
        logs.warning("state change not reported", reason=skipped)
    if not found:
        logs.info("nothing for Home Graph")
        return
    others = [message for message in found if message.kind != STATE]
    if others and not users.is_linked(change.user_id):
        logs.info("user not linked; nothing published", kinds=[m.kind for m in found])
        return
    wanted = list(others)
    for message in found:
        if message.kind != STATE:
            continue
        outcome = outbox.stage_for_report(
            change.user_id,
            change.device_id,
            message.data["version"],
            message.data["states"],
            claimant=event_id,
            now=now,
            ttl=REPORT_QUEUED_SECONDS * 10**9,
        )
        if outcome == UNLINKED:
            logs.info("user not linked; state not staged")
        elif outcome == CLAIMED:
            wanted.append(message)
        else:
            logs.info("state staged; the message on its way reports it", outcome=outcome)
    if wanted:
        publisher().publish(wanted)
        logs.info("published", kinds=[m.kind for m in wanted], changedAt=change.changed_at)
