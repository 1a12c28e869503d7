"""on_device_written: what gets published for a write, and what never does."""

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from functions.homegraph.events import Message
from functions.homegraph.ledger import CLAIMED, QUEUED, UNLINKED
from functions.homegraph.written import handle_written
from tests.unit.test_events import NOW, event
from tests.world import light


class Recorder:
    """A Publisher that records what it is given (and can fail like Pub/Sub would)."""

    def __init__(self, fail: bool = False) -> None:
        self.published: list[Message] = []
        self.fail = fail

    def publish(self, messages: Sequence[Message]) -> None:
        if self.fail:
            raise TimeoutError("pubsub unavailable")
        self.published.extend(messages)


class Outbox:
    """Stages states and keeps each user's ``reportQueued`` mark, as FirestoreLedger does."""

    def __init__(self, linked: Iterable[str] = ("u1",)) -> None:
        self.linked = set(linked)
        self.staged: list[tuple[str, str, int]] = []
        self.queued: dict[str, tuple[str, int]] = {}
        self.forgotten: list[tuple[str, str]] = []

    def stage_for_report(
        self,
        user_id: str,
        device_id: str,
        version: int,
        states: dict,
        *,
        claimant: str,
        now: int,
        ttl: int,
    ) -> str:
        if user_id not in self.linked:
            return UNLINKED
        self.staged.append((user_id, device_id, version))
        by, until = self.queued.get(user_id, ("", 0))
        if until > now and by != claimant:
            return QUEUED
        self.queued[user_id] = (claimant, now + ttl)
        return CLAIMED

    def turn_begins(self, user_id: str) -> None:
        self.queued.pop(user_id, None)

    def forget(self, user_id: str, device_id: str) -> None:
        self.forgotten.append((user_id, device_id))


class Users:
    def __init__(self, *linked: str) -> None:
        self.linked = set(linked)

    def is_linked(self, user_id: str) -> bool:
        return user_id in self.linked


def run(
    body: bytes,
    users: Users,
    recorder: Recorder,
    when: datetime = NOW,
    outbox: Outbox | None = None,
    event_id: str = "event-1",
) -> None:
    handle_written(
        body,
        event_id=event_id,
        event_time=when,
        users=users,
        outbox=outbox or Outbox(users.linked),
        publisher=lambda: recorder,
        max_age=timedelta(hours=1),
        now=NOW,
    )


def test_state_and_structure_changes_are_published_for_linked_users() -> None:
    recorder, outbox = Recorder(), Outbox()
    run(
        event(light(on=False), {**light(on=True), "roomHint": "Hall"}),
        Users("u1"),
        recorder,
        outbox=outbox,
    )
    assert outbox.staged == [("u1", "lamp", recorder.published[1].data["version"])]
    assert [(m.kind, m.user_id, m.device_id) for m in recorder.published] == [
        ("sync", "u1", "lamp"),
        ("state", "u1", "lamp"),
    ]
    assert json.loads(recorder.published[1].encode())["states"]["on"] is True


def test_unlinked_users_and_no_op_writes_publish_nothing() -> None:
    recorder = Recorder()
    run(event(light(on=False), light(on=True)), Users(), recorder)
    run(event(light(), light()), Users("u1"), recorder)
    run(event(light(), {**light(), "notes": "x"}), Users("u1"), recorder)
    assert recorder.published == []


def test_bad_and_stale_events_are_logged_at_error_and_dropped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    recorder = Recorder()
    run(b"\x0agarbage", Users("u1"), recorder)
    run(
        event(light(on=False), light(on=True)), Users("u1"), recorder, when=NOW - timedelta(hours=2)
    )
    assert recorder.published == []
    errors = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if '"ERROR"' in line
    ]
    assert [e["message"] for e in errors] == [
        "undecodable event; dropped",
        "event too old; dropped",
    ]


def test_a_publish_failure_raises_so_the_event_is_delivered_again() -> None:
    with pytest.raises(TimeoutError):
        run(event(light(on=False), light(on=True)), Users("u1"), Recorder(fail=True))


def test_now_defaults_to_the_clock() -> None:
    recorder = Recorder()
    handle_written(
        event(None, light()),
        event_id="e",
        event_time=datetime.now(UTC),
        users=Users("u1"),
        outbox=Outbox(),
        publisher=lambda: recorder,
        max_age=timedelta(hours=1),
    )
    assert [m.kind for m in recorder.published] == ["sync"]


def test_a_deleted_device_leaves_nothing_to_report() -> None:
    outbox = Outbox()
    run(event(light(), None), Users("u1"), Recorder(), outbox=outbox)
    assert outbox.forgotten == [("u1", "lamp")]


def test_one_state_message_per_turn_stands_for_the_states_staged_meanwhile() -> None:
    recorder, outbox = Recorder(), Outbox()
    for n in range(5):
        run(
            event(light(brightness=n), light(brightness=n + 1)),
            Users("u1"),
            recorder,
            outbox=outbox,
            event_id=f"e{n}",
        )
    assert len(outbox.staged) == 5, "every state is staged"
    assert [m.kind for m in recorder.published] == ["state"], "one message is on its way"
    outbox.turn_begins("u1")
    run(
        event(light(brightness=1), light(brightness=9)),
        Users("u1"),
        recorder,
        outbox=outbox,
        event_id="e9",
    )
    assert len(recorder.published) == 2, "a state staged after the turn began gets a message"


def test_structural_changes_are_always_published() -> None:
    recorder, outbox = Recorder(), Outbox()
    run(event(light(on=False), light(on=True)), Users("u1"), recorder, outbox=outbox)
    run(
        event(light(), {**light(on=False), "roomHint": "Hall"}),
        Users("u1"),
        recorder,
        outbox=outbox,
        event_id="e2",
    )
    assert [m.kind for m in recorder.published] == ["state", "sync"]


def test_a_redelivered_event_publishes_again_after_a_failed_publish() -> None:
    outbox = Outbox()
    with pytest.raises(TimeoutError):
        run(event(light(on=False), light(on=True)), Users("u1"), Recorder(fail=True), outbox=outbox)
    recorder = Recorder()
    run(event(light(on=False), light(on=True)), Users("u1"), recorder, outbox=outbox)
    assert [m.kind for m in recorder.published] == ["state"]


def test_a_claim_that_lapsed_is_taken_over() -> None:
    outbox, recorder = Outbox(), Recorder()
    outbox.queued["u1"] = ("lost-event", 0)
    run(event(light(on=False), light(on=True)), Users("u1"), recorder, outbox=outbox)
    assert [m.kind for m in recorder.published] == ["state"]
