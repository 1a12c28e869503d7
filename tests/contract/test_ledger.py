"""The ledger port (on_device_change's reads and writes) over both adapters: every rule it applies
gives the same result in memory and on the Firestore emulator."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.core.paths import command_path
from functions.core.units import SECOND, nanos
from functions.on_device_change.ledger import announced
from tests.support.pipeline import Home, outlet


def test_call_counts_are_atomic_increments_that_return_the_totals(home: Home) -> None:
    ledger = home.ledger
    second = time.time_ns() // SECOND + 10**6 + uuid.uuid4().int % 10**6
    expire = (second + 3600) * SECOND
    assert ledger.count_calls(second, 0, 0, 3, expire) == (0, 3)
    assert ledger.count_calls(second, 0, 2, 0, expire) == (2, 3)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: ledger.count_calls(second, 0, 0, 1, expire), range(40)))
    assert ledger.count_calls(second, 0, 0, 0, expire) == (2, 43)
    assert ledger.count_calls(second, 1, 0, 0, expire) == (0, 0), "shards count apart"


def test_a_user_is_linked_since_the_link_and_syncs_only_move_forward(home: Home, user: str) -> None:
    assert home.ledger.user(user).linked_at is None
    when = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    home.link(user, when)
    assert home.ledger.user(user).linked_at == nanos(when)
    home.ledger.record_sync(user, 2000)
    home.ledger.record_sync(user, 1000)
    assert home.ledger.user(user).sync_sent_at == 2000, "an older send never moves it back"
    home.ledger.record_fold(user, 3000)
    home.ledger.record_fold(user, 2500)
    assert home.ledger.user(user).reported_through == 3000


def test_unlinking_is_refused_when_the_user_linked_again_since(home: Home, user: str) -> None:
    first = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    home.link(user, first)
    seen = home.ledger.user(user).linked_at
    home.link(user, first + timedelta(minutes=5))  # linked again meanwhile
    home.ledger.set_unlinked(user, seen)
    assert home.ledger.user(user).linked_at is not None
    home.ledger.set_unlinked(user, home.ledger.user(user).linked_at)
    assert home.ledger.user(user).linked_at is None


def test_a_command_expires_once_and_only_without_an_outcome(home: Home, user: str) -> None:
    overdue = datetime.now(UTC) - timedelta(minutes=1)
    later = datetime.now(UTC) + timedelta(minutes=10)
    base: dict[str, Any] = {"mode": "confirmed", "outcome": None, "executions": []}
    home.put(command_path(user, "d", "late"), {**base, "deadline": overdue})
    home.put(command_path(user, "d", "fresh"), {**base, "deadline": later})
    done = {**base, "deadline": overdue, "outcome": {"status": "SUCCESS"}}
    home.put(command_path(user, "d", "done"), done)
    found = home.ledger.overdue_commands(datetime.now(UTC), 1000)
    mine = [path for path in found if f"/{user}/" in path]
    assert mine == [command_path(user, "d", "late")]
    expired = {"status": "ERROR", "errorCode": "deviceOffline", "expired": True}
    assert home.ledger.expire(mine[0], expired) is True
    assert home.ledger.expire(mine[0], {"status": "SUCCESS"}) is False
    assert (home.get(mine[0]) or {})["outcome"] == expired
    assert home.ledger.expire(command_path(user, "d", "nothing"), expired) is False


def test_an_announcement_is_marked_on_its_record(home: Home, user: str) -> None:
    path = command_path(user, "lock", "c1")
    home.put(path, {"outcome": {"status": "SUCCESS"}})
    assert not announced(home.ledger.read(path))
    home.ledger.mark_announced(path, datetime.now(UTC))
    assert announced(home.ledger.read(path))
    home.ledger.mark_announced(command_path(user, "lock", "gone"), datetime.now(UTC))
    assert home.ledger.read(command_path(user, "lock", "gone")) is None, "never created"


def test_a_report_owed_is_listed_until_settled(home: Home, user: str) -> None:
    home.ledger.owe_report(user, "lamp", 5)
    home.ledger.owe_report(user, "lamp", 7)
    owed = [entry for entry in home.ledger.owed_reports(1000) if entry[0] == user]
    assert owed == [(user, "lamp", 7)], "one debt per device, from the latest failure"
    home.ledger.settle_owed(user, "lamp")
    assert [entry for entry in home.ledger.owed_reports(1000) if entry[0] == user] == []


def test_every_device_of_a_user_is_read_with_its_version(home: Home, user: str) -> None:
    versions = {device: home.write(user, device, outlet(True)) for device in ("a", "b")}
    found, read_at = home.ledger.devices(user)
    assert {device: read.version for device, read in found.items()} == versions
    assert read_at >= max(versions.values()), "the read saw every write it holds"
    assert home.ledger.devices(f"{user}-nobody") == ({}, 0)
    assert list(home.ledger.devices(user, 1)[0]) == ["a"]
