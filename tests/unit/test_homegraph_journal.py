"""The local Home Graph's journal: a cursor never misses a record nor repeats one; records
dropped past the limit are counted, never silently lost."""

import pytest

from devstack.homegraph_journal import CursorAhead, Journal


def test_reading_from_each_cursor_returns_every_record_once() -> None:
    journal = Journal()
    for n in range(7):
        journal.add("reportState", "alice" if n % 2 else "bob", status=200)
    seen, cursor = [], 0
    while True:
        page = journal.read(cursor, agent_user_id="alice", limit=2)
        if not page["records"]:
            break
        seen += [r["seq"] for r in page["records"]]
        cursor = page["cursor"]
    assert seen == [2, 4, 6]
    assert cursor == 7


def test_records_dropped_past_the_limit_are_counted_as_missed() -> None:
    journal = Journal(limit=3)
    for _ in range(5):
        journal.add("sync", "alice")
    page = journal.read(0)
    assert [r["seq"] for r in page["records"]] == [3, 4, 5]
    assert page["missed"] == 2
    assert journal.read(2)["missed"] == 0
    journal.clear()
    assert journal.read(4) == {"records": [], "cursor": 5, "latest": 5, "missed": 1}


def test_a_cursor_ahead_of_the_journal_is_refused() -> None:
    journal = Journal()
    journal.add("sync", "alice")
    with pytest.raises(CursorAhead, match="read again from since=0"):
        journal.read(2)
