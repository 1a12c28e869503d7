"""The runtime over the in-memory store and a scripted device: reconciliation, guarded writes,
backoff, offline after repeated failures, the heartbeat, logs without tokens. The command records
themselves: test_commands.py."""

import io
import json
import logging

from bridge import logs
from bridge.errors import Unreachable
from bridge.memory_store import MemoryHomeStore
from bridge.runtime import Bridge, Settings
from tests.unit.bridge.scripted import LAMP, ScriptedAdapter

SETTINGS = Settings(poll_interval=10, retry_base=1, offline_after=3, command_grace=5)
ON_OFF = "action.devices.commands.OnOff"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def bridge() -> tuple[Bridge, ScriptedAdapter, MemoryHomeStore, Clock]:
    adapter, store, clock = ScriptedAdapter(), MemoryHomeStore(), Clock()
    return Bridge(adapter, store, SETTINGS, clock=clock).start(threads=False), adapter, store, clock


def test_start_creates_documents_and_first_poll_reports_the_device() -> None:
    b, adapter, store, _ = bridge()
    assert store.devices["lamp"]["type"] == "action.devices.types.SWITCH"
    adapter.on, adapter.sensor = True, 7
    b.workers["lamp"].step()
    assert store.devices["lamp"]["states"] == {"online": True, "on": True, "sensor": 7}
    assert store.side["lamp"]["host"] == LAMP.host


def test_an_execute_reaches_the_device_and_a_poll_does_not_undo_it() -> None:
    b, adapter, store, clock = bridge()
    worker = b.workers["lamp"]
    worker.step()
    store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True})  # states + record
    worker.step()
    assert adapter.on is True and adapter.applied == [{"on": True}]
    clock.now += 10
    worker.step()
    assert store.devices["lamp"]["states"]["on"] is True
    assert adapter.applied == [{"on": True}]


def test_a_device_change_reaches_firestore_once() -> None:
    b, adapter, store, clock = bridge()
    worker = b.workers["lamp"]
    worker.step()
    writes = len(store.writes)
    adapter.on = True
    clock.now += 10
    worker.step()
    clock.now += 10
    worker.step()
    assert store.devices["lamp"]["states"]["on"] is True
    assert len(store.writes) == writes + 1


def test_guarded_write_loses_to_a_newer_execute() -> None:
    """A poll read the document, then EXECUTE wrote: the poll's write is refused, it decides
    again on the new document, and leaves the command's key to the command record."""
    b, adapter, store, clock = bridge()
    worker = b.workers["lamp"]
    worker.step()
    stale = store.read("lamp")
    command = store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True})
    assert not store.update_states("lamp", {"on": False}, version=stale.version)
    adapter.sensor = 5
    worker.wanted["lamp"] = stale  # the poll decides on the stale copy first
    clock.now += 10
    worker.poll()
    assert store.devices["lamp"]["states"]["on"] is True  # the poll did not undo the EXECUTE
    assert store.devices["lamp"]["states"]["sensor"] == 5
    worker.step()  # the record
    assert adapter.on is True
    assert store.outcome("lamp", command) == {"status": "SUCCESS", "states": {"on": True}}


def test_offline_after_repeated_failures_with_backoff_then_back() -> None:
    b, adapter, store, clock = bridge()
    worker = b.workers["lamp"]
    worker.step()
    adapter.fail = [Unreachable("timeout")] * 3
    delays = []
    for _ in range(3):
        clock.now = worker.next_poll
        worker.step()
        delays.append(worker.next_poll - clock.now)

    def online() -> object:
        return store.devices["lamp"]["states"]["online"]

    assert online() is False
    assert delays[0] < delays[1] < delays[2]
    assert b.heartbeat()["devices"]["lamp"]["online"] is False
    clock.now = worker.next_poll
    worker.step()
    assert online() is True
    assert store.side["heartbeat"]["devices"]["lamp"]["failures"] == 3


def test_a_device_that_ignores_commands_is_reported_as_it_is() -> None:
    b, adapter, store, _ = bridge()
    worker = b.workers["lamp"]
    worker.step()
    adapter.lie = True
    command = store.execute("lamp", ON_OFF, {"on": True}, patch={"on": True})
    worker.step()
    assert len(adapter.applied) == 1
    assert store.outcome("lamp", command) == {"status": "ERROR", "errorCode": "hardError"}
    assert store.devices["lamp"]["states"]["on"] is False  # Google sees the truth


def test_logs_are_json_and_never_show_tokens() -> None:
    stream = io.StringIO()
    logs.setup()
    logs.LOGGER.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    logs.log(logging.INFO, "hello", device="lamp", local_token="secret-value", idToken="x")
    entry = json.loads(stream.getvalue())
    assert entry["event"] == "hello" and entry["device"] == "lamp"
    assert "secret-value" not in stream.getvalue() and entry["idToken"] == "[redacted]"


def test_a_device_another_backend_owns_gets_no_worker() -> None:
    """The adapter finds a device whose document another backend owns: the bridge neither takes
    the document over nor acts for the device."""
    adapter, store = ScriptedAdapter(), MemoryHomeStore()
    theirs = {**adapter.documents(LAMP)["lamp"], "backend": "maker-cloud"}
    store.devices["lamp"], store.versions["lamp"] = theirs, 1
    b = Bridge(adapter, store, SETTINGS, clock=Clock()).start(threads=False)
    assert b.workers == {}
    assert adapter.reads == 0
    assert store.devices["lamp"] == theirs
