"""The command source and the worker's side of the command-record contract, over the in-memory
store and the scripted device: every record is carried out once (duplicates, restarts), its outcome
is recorded in one batch with the states the device confirmed, failures get Google's codes, expired
records are left alone, and state reconciliation still reports changes made on the device."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bridge.budget import BudgetExhausted
from bridge.commands import FileJournal, MemoryJournal, error_code
from bridge.errors import Refused, Unauthorized, Unconfirmed, Unreachable, Unsupported
from bridge.memory_store import MemoryHomeStore
from bridge.runtime import Bridge, Settings
from bridge.store import CommandRecord
from tests.unit.bridge.scripted import ScriptedAdapter

SETTINGS = Settings(poll_interval=10, retry_base=1, offline_after=2, command_grace=5)
C = "action.devices.commands."
ON_OFF, LOCATE = C + "OnOff", C + "Locate"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def rig(
    store: MemoryHomeStore | None = None,
    adapter: ScriptedAdapter | None = None,
    journal: MemoryJournal | None = None,
) -> tuple[Bridge, ScriptedAdapter, MemoryHomeStore, Clock]:
    adapter, store, clock = adapter or ScriptedAdapter(), store or MemoryHomeStore(), Clock()
    b = Bridge(adapter, store, SETTINGS, clock=clock, journal=journal).start(threads=False)
    b.workers["lamp"].step()  # the first poll
    return b, adapter, store, clock


def lamp_on(store: Any) -> object:
    """The lamp's stored ``on`` (a function, so each assert reads it anew)."""
    return store.devices["lamp"]["states"]["on"]


def test_a_confirmed_command_writes_the_confirmed_state_with_its_outcome() -> None:
    b, adapter, store, _ = rig()
    command = store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True}, mode="confirmed")
    assert lamp_on(store) is False  # EXECUTE wrote only the record
    writes = len(store.writes)
    b.workers["lamp"].step()
    assert adapter.on is True
    assert store.outcome("lamp", command) == {"status": "SUCCESS", "states": {"on": True}}
    assert lamp_on(store) is True
    assert store.writes[writes:] == [("lamp", {"on": True})]  # the outcome's batch, nothing else


def test_the_command_not_the_patch_says_what_to_do() -> None:
    """Firestore already said on (stale: the device was switched off by hand, not yet polled), so
    the patch is empty; the device still gets the command."""
    b, adapter, store, _ = rig()
    store.update_states("lamp", {"on": True})
    command = store.execute("lamp", ON_OFF, {"on": True}, patch={}, mode="confirmed")
    b.workers["lamp"].step()
    assert adapter.applied == [{"on": True}] and adapter.on is True
    assert store.outcome("lamp", command) == {"status": "SUCCESS", "states": {"on": True}}


def test_a_command_with_no_state_is_performed() -> None:
    b, adapter, store, _ = rig()
    command = store.execute("lamp", LOCATE, {"silence": False})
    b.workers["lamp"].step()
    assert adapter.performed == [("lamp", LOCATE)]
    assert store.outcome("lamp", command) == {"status": "SUCCESS", "states": {}}


def test_an_unknown_command_is_function_not_supported() -> None:
    b, _, store, _ = rig()
    command = store.execute("lamp", C + "Dock", {})
    b.workers["lamp"].step()
    assert store.outcome("lamp", command) == {
        "status": "ERROR",
        "errorCode": "functionNotSupported",
    }


def test_a_lying_setter_is_an_error_with_the_read_back() -> None:
    b, adapter, store, _ = rig()
    adapter.lie = True
    command = store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True})
    assert lamp_on(store) is True  # the optimistic patch
    b.workers["lamp"].step()
    assert store.outcome("lamp", command) == {"status": "ERROR", "errorCode": "hardError"}
    assert lamp_on(store) is False  # corrected in the same batch
    assert len(adapter.applied) == 1  # no retry behind Google's back


def test_an_unreachable_device_is_device_offline_and_counts_toward_offline() -> None:
    b, adapter, store, _ = rig()
    worker = b.workers["lamp"]
    first = store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True}, mode="confirmed")
    second = store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True}, mode="confirmed")
    adapter.fail = [Unreachable("timeout"), Unreachable("timeout")]
    worker.step()
    for command in (first, second):
        assert store.outcome("lamp", command) == {"status": "ERROR", "errorCode": "deviceOffline"}
    assert store.devices["lamp"]["states"]["online"] is False  # offline_after = 2


def test_error_codes() -> None:
    assert error_code(Unconfirmed("x", {})) == "hardError"
    assert error_code(Unreachable("x")) == "deviceOffline"
    assert error_code(Unauthorized("x")) == "deviceOffline"
    assert error_code(Unsupported("x")) == "functionNotSupported"
    assert error_code(Refused("x")) == "hardError"
    assert error_code(BudgetExhausted("x")) == "transientError"
    assert error_code(RuntimeError("x")) == "hardError"


def test_a_duplicate_snapshot_is_acted_on_once() -> None:
    b, adapter, store, _ = rig()
    command = store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True})
    record = CommandRecord.parse("lamp", command, store.commands[("lamp", command)])
    b.source.on_record(record)  # the listener delivers it again (a reconnect)
    b.workers["lamp"].submit(record)  # and even a second hand-over is refused by the journal
    b.workers["lamp"].step()
    assert adapter.applied == [{"on": True}]
    assert store.outcome("lamp", command) == {"status": "SUCCESS", "states": {"on": True}}


def test_after_a_restart_an_interrupted_record_is_answered_not_repeated(tmp_path: Path) -> None:
    """The bridge claimed a record, then died before recording its outcome: the next bridge
    (same journal file) never acts on it again, and tells Google it may not have worked."""
    store = MemoryHomeStore()
    journal_file = tmp_path / "commands.json"
    first, adapter, _, _ = rig(store, journal=FileJournal(journal_file))
    first.stop()
    command = store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True})
    record = store.commands[("lamp", command)]
    identity = CommandRecord.parse("lamp", command, record).identity
    assert FileJournal(journal_file).claim(identity, record["deadline"])  # the "crash"
    again, _, _, _ = rig(store, adapter, journal=FileJournal(journal_file))
    again.workers["lamp"].step()
    assert adapter.applied == []
    assert store.outcome("lamp", command) == {"status": "ERROR", "errorCode": "transientError"}


def test_records_still_unanswered_at_start_are_carried_out() -> None:
    store = MemoryHomeStore()
    b, adapter, _, _ = rig(store)
    b.stop()
    command = store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True}, mode="confirmed")
    again, _, _, _ = rig(store, adapter)  # its listener's first snapshot holds the record
    assert adapter.on is True
    assert store.outcome("lamp", command) == {"status": "SUCCESS", "states": {"on": True}}


def test_an_expired_record_is_left_to_the_product() -> None:
    b, adapter, store, _ = rig()
    past = datetime.now(UTC) - timedelta(seconds=1)
    command = store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True}, deadline=past)
    b.workers["lamp"].step()
    assert adapter.applied == [] and store.outcome("lamp", command) is None
    assert b.source.expired == 1


def test_an_outcome_recorded_first_by_the_product_is_not_overwritten() -> None:
    b, _, store, _ = rig()
    command = store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True}, mode="confirmed")
    expired = {"status": "ERROR", "errorCode": "deviceOffline", "expired": True}
    store.commands[("lamp", command)]["outcome"] = expired  # the sweep won the race
    b.workers["lamp"].step()
    assert store.outcome("lamp", command) == expired
    assert not store.record_outcome("lamp", command, {"status": "SUCCESS"}, {"on": True})


def test_the_journal_survives_a_restart_and_forgets_past_deadlines(tmp_path: Path) -> None:
    path = tmp_path / "commands.json"
    soon = datetime.now(UTC) + timedelta(minutes=10)
    journal = FileJournal(path)
    assert journal.claim("lamp/a", soon)
    assert not journal.claim("lamp/a", soon)
    assert journal.claim("lamp/old", datetime.now(UTC) - timedelta(seconds=1))
    assert journal.claim("lamp/b", soon)  # drops lamp/old, past its deadline
    reopened = FileJournal(path)
    assert set(reopened.claims) == {"lamp/a", "lamp/b"}
    assert not reopened.claim("lamp/a", soon)


def test_a_poll_before_the_record_leaves_the_optimistic_patch_alone() -> None:
    b, adapter, store, clock = rig()
    worker = b.workers["lamp"]
    store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True})
    record = worker._queue.popleft()  # the record has not reached the worker yet
    clock.now += 10
    worker.poll()
    assert store.devices["lamp"]["states"]["on"] is True  # not overwritten with the device's off
    worker.submit(record)
    worker.step()
    assert adapter.on is True and store.devices["lamp"]["states"]["on"] is True


def test_a_states_write_without_a_record_yields_to_the_device_after_the_grace() -> None:
    """Somebody wrote states by hand (no command record): nothing reaches the device, and after
    ``command_grace`` the device's value is reported."""
    b, adapter, store, clock = rig()
    worker = b.workers["lamp"]
    store.update_states("lamp", {"on": True})
    clock.now += 10
    worker.step()
    assert store.devices["lamp"]["states"]["on"] is True  # within the grace: waits
    clock.now += 10
    worker.step()
    assert adapter.applied == []
    assert store.devices["lamp"]["states"]["on"] is False


def test_a_change_on_the_device_is_still_reported() -> None:
    b, adapter, store, clock = rig()
    command = store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True}, mode="confirmed")
    b.workers["lamp"].step()
    assert store.outcome("lamp", command) is not None
    adapter.on, adapter.sensor = False, 9  # by hand, on the device
    clock.now += 10
    b.workers["lamp"].step()
    assert store.devices["lamp"]["states"] == {"online": True, "on": False, "sensor": 9}
    assert b.heartbeat()["devices"]["lamp"]["commands"] == 1
