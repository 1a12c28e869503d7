"""The LAN kit's ``HomeStore`` port (bridge/store.py): the in-memory adapter the unit tests use and
the Firestore adapter the LAN box uses answer alike. The Firestore side runs signed in as a real
bridge user of the Auth emulator, with firestore.rules on, because the rules are part of what the
port promises (a bridge reaches only the devices it owns; an outcome is recorded once)."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pytest
from google.api_core import exceptions
from google.cloud import firestore

from bridge.credential import BridgeAccount, provision
from bridge.firestore_store import FirestoreHomeStore
from bridge.memory_store import MemoryHomeStore
from bridge.store import CommandRecord, HomeStore, Snapshot
from devstack.auth_emulator import API_KEY
from devstack.emulators import Emulator
from tests.support.waiting import eventually

C = "action.devices.commands."
ADAPTERS = ["memory", pytest.param("firestore", marks=pytest.mark.integration)]
FORBIDDEN = (PermissionError, exceptions.PermissionDenied)
"""How each adapter refuses a device another backend owns."""


def switch(on: bool = False) -> dict[str, Any]:
    return {
        "type": "action.devices.types.SWITCH",
        "traits": ["action.devices.traits.OnOff"],
        "name": {"name": "Bridged switch"},
        "willReportState": True,
        "states": {"online": True, "on": on},
    }


class BridgeHome(Protocol):
    """One home as the bridge's store sees it, and the product's side of it (what EXECUTE and
    another backend write with server credentials)."""

    store: HomeStore

    def foreign(self, device_id: str) -> None:
        """A device another backend (the maker's cloud) owns."""

    def execute(self, device_id: str, on: bool) -> str:
        """EXECUTE's confirmed command record for OnOff; returns its id."""

    def request(self, device_id: str, ons: list[bool]) -> list[str]:
        """One EXECUTE's confirmed OnOff records for one device, one per command, in one commit:
        one ``issuedAt``, ``position`` 0, 1, ... (Firestore: ids sorting last position first); their
        ids in position order."""

    def expire(self, device_id: str, command_id: str) -> None:
        """The product's expiry: the record's outcome, written before the bridge's."""

    def outcome(self, device_id: str, command_id: str) -> dict[str, Any] | None: ...

    def states(self, device_id: str) -> dict[str, Any]: ...


class MemoryBridgeHome:
    def __init__(self) -> None:
        self.memory = MemoryHomeStore(owner="bridge")
        self.store: HomeStore = self.memory

    def foreign(self, device_id: str) -> None:
        self.memory.server_write(device_id, {**switch(), "backend": "maker-cloud"})

    def execute(self, device_id: str, on: bool) -> str:
        return self.memory.execute(
            device_id, C + "OnOff", {"on": on}, patch={"on": on}, mode="confirmed"
        )

    def request(self, device_id: str, ons: list[bool]) -> list[str]:
        now = datetime.now(UTC)
        ids = {
            position: self.memory.execute(
                device_id,
                C + "OnOff",
                {"on": on},
                patch={"on": on},
                mode="confirmed",
                request_id="one-request",
                issued_at=now,
                position=position,
            )
            for position, on in enumerate(ons)
        }
        return [ids[position] for position in range(len(ons))]

    def expire(self, device_id: str, command_id: str) -> None:
        self.memory.commands[(device_id, command_id)]["outcome"] = {"status": "ERROR"}  # expiry

    def outcome(self, device_id: str, command_id: str) -> dict[str, Any] | None:
        return self.memory.outcome(device_id, command_id)

    def states(self, device_id: str) -> dict[str, Any]:
        return dict(self.memory.devices[device_id]["states"])


class FirestoreBridgeHome:
    _ids = itertools.count(1)

    def __init__(self, admin: firestore.Client, account: BridgeAccount) -> None:
        self.store: HomeStore = FirestoreHomeStore.connect(account)
        self.admin = admin
        self.devices = admin.collection("users").document(account.home).collection("devices")

    def foreign(self, device_id: str) -> None:
        self.devices.document(device_id).set({**switch(), "backend": "maker-cloud"})

    def execute(self, device_id: str, on: bool) -> str:
        command_id = f"c{next(self._ids)}"
        now = datetime.now(UTC)
        self._record(device_id, command_id).set(
            {
                "requestId": command_id,
                "issuedAt": now,
                "deadline": now + timedelta(minutes=10),
                "mode": "confirmed",
                "executions": [{"command": C + "OnOff", "params": {"on": on}}],
                "patch": {"on": on},
                "answer": None,
                "outcome": None,
            }
        )
        return command_id

    def request(self, device_id: str, ons: list[bool]) -> list[str]:
        now, batch = datetime.now(UTC), self.admin.batch()
        serial = next(self._ids)
        ids = [f"r{serial}-{len(ons) - position}" for position in range(len(ons))]  # ids descend
        for position, (command_id, on) in enumerate(zip(ids, ons, strict=True)):
            batch.set(
                self._record(device_id, command_id),
                {
                    "requestId": f"r{serial}",
                    "issuedAt": now,
                    "position": position,
                    "deadline": now + timedelta(minutes=10),
                    "mode": "confirmed",
                    "executions": [{"command": C + "OnOff", "params": {"on": on}}],
                    "patch": {"on": on},
                    "answer": None,
                    "outcome": None,
                },
            )
        batch.commit()
        return ids

    def expire(self, device_id: str, command_id: str) -> None:
        self._record(device_id, command_id).update({"outcome": {"status": "ERROR"}})

    def outcome(self, device_id: str, command_id: str) -> dict[str, Any] | None:
        return (self._record(device_id, command_id).get().to_dict() or {}).get("outcome")

    def states(self, device_id: str) -> dict[str, Any]:
        return dict((self.devices.document(device_id).get().to_dict() or {})["states"])

    def _record(self, device_id: str, command_id: str) -> Any:
        return self.devices.document(device_id).collection("commands").document(command_id)


@pytest.fixture(params=ADAPTERS)
def home(request: pytest.FixtureRequest) -> BridgeHome:
    if request.param == "memory":
        return MemoryBridgeHome()
    client: firestore.Client = request.getfixturevalue("client")
    auth: Emulator = request.getfixturevalue("auth_emulator")
    account = provision(
        client.project,
        API_KEY,
        f"home-{uuid.uuid4().hex[:8]}",
        admin_bearer="owner",
        auth_emulator=auth.host,
    )
    return FirestoreBridgeHome(client, account)


def test_a_device_is_created_once_and_owned_by_the_bridge(home: BridgeHome) -> None:
    assert home.store.create("switch", switch()) is True
    assert home.store.create("switch", switch(on=True)) is False
    snapshot = home.store.read("switch")
    assert snapshot.document is not None and snapshot.version is not None
    assert snapshot.document["states"] == {"online": True, "on": False}
    assert snapshot.document["backend"] != "maker-cloud"
    assert home.store.owned("switch") is True
    assert home.store.owned("never-created") is False
    assert home.store.read("never-created").document is None


def test_a_document_outside_the_contract_is_refused_before_any_write(home: BridgeHome) -> None:
    with pytest.raises(ValueError):
        home.store.create("switch", {**switch(), "password": "hunter2"})
    with pytest.raises(ValueError):
        home.store.create("switch", {**switch(), "backend": "someone-else"})
    assert home.store.read("switch").document is None


def test_a_state_write_at_a_stale_version_loses(home: BridgeHome) -> None:
    home.store.create("switch", switch())
    before = home.store.read("switch").version
    assert home.store.update_states("switch", {"on": True}, version=before) is True
    assert home.store.update_states("switch", {"online": False}, version=before) is False
    assert home.states("switch") == {"online": True, "on": True}
    assert home.store.update_states("switch", {"online": False}) is True
    assert home.states("switch") == {"online": False, "on": True}
    assert home.store.update_states("gone", {"on": True}) is False


def test_contract_fields_are_replaced_and_the_rest_refused(home: BridgeHome) -> None:
    home.store.create("switch", switch())
    assert home.store.set_fields("switch", {"otherDeviceIds": [{"deviceId": "local-1"}]}) is True
    document = home.store.read("switch").document
    assert document is not None and document["otherDeviceIds"] == [{"deviceId": "local-1"}]
    with pytest.raises(ValueError):
        home.store.set_fields("switch", {"pin": "1234"})
    with pytest.raises(ValueError):
        home.store.set_fields("switch", {"secondaryVerification": {"OnOff": "none"}})
    assert home.store.set_fields("gone", {"customData": {}}) is False


def test_a_device_another_backend_owns_is_out_of_reach(home: BridgeHome) -> None:
    home.foreign("lock")
    assert home.store.owned("lock") is False
    with pytest.raises(FORBIDDEN):
        home.store.update_states("lock", {"on": True})
    assert home.states("lock") == {"online": True, "on": False}


def test_the_watch_sees_the_bridges_devices_and_not_the_others(home: BridgeHome) -> None:
    seen: list[Snapshot] = []
    home.foreign("lock")
    home.store.create("switch", switch())
    stop = home.store.watch(seen.append)
    try:
        eventually(lambda: seen, what="the watch's first snapshot")
        home.store.update_states("switch", {"on": True})
        eventually(lambda: any((s.document or {}).get("states", {}).get("on") for s in seen))
        assert {s.device_id for s in seen} == {"switch"}
    finally:
        stop()


def test_an_outcome_is_recorded_once_with_its_states(home: BridgeHome) -> None:
    home.store.create("switch", switch())
    records: list[CommandRecord] = []
    stop = home.store.watch_commands(["switch"], records.append)
    try:
        command_id = home.execute("switch", on=True)
        eventually(lambda: any(r.command_id == command_id for r in records))
    finally:
        stop()
    record = next(r for r in records if r.command_id == command_id)
    assert record.mode == "confirmed" and record.patch == {"on": True}
    assert [(e.command, e.params) for e in record.executions] == [(C + "OnOff", {"on": True})]
    success = {"status": "SUCCESS", "states": {"on": True}}
    assert home.store.record_outcome("switch", command_id, success, {"on": True}) is True
    assert home.outcome("switch", command_id) == success
    assert home.states("switch")["on"] is True
    again = {"status": "SUCCESS", "states": {"on": False}}
    assert home.store.record_outcome("switch", command_id, again, {"on": False}) is False
    assert home.outcome("switch", command_id) == success
    assert home.states("switch")["on"] is True


@pytest.mark.parametrize("watch_first", [False, True], ids=["waiting", "arriving"])
def test_one_requests_records_reach_the_bridge_in_googles_order(
    home: BridgeHome, watch_first: bool
) -> None:
    home.store.create("switch", switch())
    ons = [True, False, True]
    records: list[CommandRecord] = []
    stop = home.store.watch_commands(["switch"], records.append) if watch_first else None
    ids = home.request("switch", ons)
    if stop is None:
        stop = home.store.watch_commands(["switch"], records.append)
    try:
        eventually(lambda: len(records) == len(ons))
    finally:
        stop()
    assert [r.command_id for r in records] == ids
    assert [r.executions[0].params["on"] for r in records] == ons


def test_an_outcome_after_the_products_expiry_writes_nothing(home: BridgeHome) -> None:
    home.store.create("switch", switch())
    command_id = home.execute("switch", on=True)
    home.expire("switch", command_id)
    late = {"status": "SUCCESS", "states": {"on": True}}
    assert home.store.record_outcome("switch", command_id, late, {"on": True}) is False
    assert home.outcome("switch", command_id) == {"status": "ERROR"}
    assert home.states("switch")["on"] is False
