"""on_device_written: what gets published for a write, and what never does. It reads nothing
from Firestore: the event holds the document before and after the write."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from functions.on_device_written.handler import handle_written
from functions.on_device_written.memory_publisher import MemoryPublisher
from tests.support.events import event
from tests.support.world import light

NOW = datetime(2027, 1, 1, tzinfo=UTC)


def run(
    body: bytes, publisher: MemoryPublisher, when: datetime = NOW, event_id: str = "e1"
) -> None:
    handle_written(
        body,
        event_id=event_id,
        event_time=when,
        publisher=lambda: publisher,
        max_age=timedelta(hours=1),
        now=NOW,
    )


def test_state_and_structure_changes_are_published() -> None:
    publisher = MemoryPublisher()
    run(event(light(on=False), {**light(on=True), "roomHint": "Hall"}), publisher)
    assert [(m.kind, m.user_id, m.device_id) for m in publisher.published] == [
        ("sync", "u1", "lamp"),
        ("state", "u1", "lamp"),
    ]
    state = json.loads(publisher.published[1].encode())
    assert state["states"]["on"] is True
    assert state["version"] == 1_800_000_000 * 10**9 + 123, "the write's commit time"


def test_every_state_write_is_published_linked_or_not() -> None:
    """Whether the user is linked is on_device_change's question: asking here would cost a read
    on every write."""
    publisher = MemoryPublisher()
    for n in range(5):
        run(event(light(brightness=n), light(brightness=n + 1)), publisher, event_id=f"e{n}")
    assert [m.kind for m in publisher.published] == ["state"] * 5


def test_no_op_writes_publish_nothing() -> None:
    publisher = MemoryPublisher()
    run(event(light(), light()), publisher)
    run(event(light(), {**light(), "notes": "x"}), publisher)
    assert publisher.published == []


def test_bad_and_stale_events_are_logged_at_error_and_dropped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    publisher = MemoryPublisher()
    run(b"\x0agarbage", publisher)
    run(event(light(on=False), light(on=True)), publisher, when=NOW - timedelta(hours=2))
    assert publisher.published == []
    errors = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if '"ERROR"' in line
    ]
    assert [e["message"] for e in errors] == [
        "undecodable event; dropped",
        "event too old; dropped",
    ]


def test_a_publish_failure_raises_so_the_event_is_delivered_again() -> None:
    publisher = MemoryPublisher()
    publisher.failures = 1
    with pytest.raises(RuntimeError):
        run(event(light(on=False), light(on=True)), publisher)
    run(event(light(on=False), light(on=True)), publisher)
    assert [m.kind for m in publisher.published] == ["state"], "the redelivery publishes"


def test_now_defaults_to_the_clock() -> None:
    publisher = MemoryPublisher()
    handle_written(
        event(None, light()),
        event_id="e",
        event_time=datetime.now(UTC),
        publisher=lambda: publisher,
        max_age=timedelta(hours=1),
    )
    assert [m.kind for m in publisher.published] == ["sync"]


def test_a_created_or_deleted_device_is_structural_only() -> None:
    publisher = MemoryPublisher()
    run(event(light(), None), publisher)
    run(event(None, light()), publisher)
    assert [m.kind for m in publisher.published] == ["sync", "sync"]


def test_an_ill_typed_device_is_logged_never_raised(capsys: pytest.CaptureFixture[str]) -> None:
    publisher = MemoryPublisher()
    for broken in (["a", "list"], {"a": "map"}, 7):
        run(event(light(on=False), {**light(on=True), "deviceError": broken}), publisher)
    assert publisher.published == []
    skipped = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    reasons = [line.get("reason", "") for line in skipped if "reason" in line]
    assert len(reasons) == 3 and all("deviceError" in r for r in reasons)
