"""firestore.rules for a bridge's credential, on the Firestore emulator with rules on, signed in as
a real bridge user of the Auth emulator: within its home the bridge reaches only the devices it
owns (``backend`` holds its uid, set at creation, never changed by it); it cannot weaken
``secondaryVerification`` or ``execution``, take another backend's device, read another device's
command records (their ``followUpToken``), delete what it does not own, or record an outcome that
is not one of Google's shapes."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.api_core import exceptions
from google.cloud import firestore

from bridge.credential import BridgeAccount, provision
from bridge.firestore_store import FirestoreHomeStore
from devstack.auth_emulator import API_KEY, AuthEmulator, delete_accounts

pytestmark = pytest.mark.integration

HOME = "rules-home"
BRIDGE = f"lan-bridge-{HOME}"
"""The bridge user's uid (``provision``'s default)."""
LOCK, SWITCH = "front-door-lock", "bridged-switch"
C = "action.devices.commands."


def switch(**extra: Any) -> dict[str, Any]:
    return {
        "type": "action.devices.types.SWITCH",
        "traits": ["action.devices.traits.OnOff"],
        "name": {"name": "Bridged switch"},
        "willReportState": True,
        "states": {"online": True, "on": False},
        **extra,
    }


def lock(owner: str | None = "maker-cloud") -> dict[str, Any]:
    """A lock another backend (the maker's cloud, with server credentials) owns; a document
    written before ownership existed has no ``backend``."""
    document = {
        "type": "action.devices.types.LOCK",
        "traits": ["action.devices.traits.LockUnlock"],
        "name": {"name": "Front door"},
        "willReportState": True,
        "execution": {"mode": "confirmed", "timeoutMs": 800},
        "secondaryVerification": {"LockUnlock": "pinNeeded"},
        "states": {"online": True, "isLocked": True, "isJammed": False},
    }
    return document if owner is None else {**document, "backend": owner}


@pytest.fixture(scope="module")
def account(client: firestore.Client, auth_emulator: AuthEmulator) -> BridgeAccount:
    delete_accounts(auth_emulator.host, client.project)  # HOME's bridge user, made afresh
    return provision(
        client.project, API_KEY, HOME, admin_bearer="owner", auth_emulator=auth_emulator.host
    )


@pytest.fixture
def home(client: firestore.Client, account: BridgeAccount) -> Iterator[FirestoreHomeStore]:
    """The bridge's store; the home holds the lock (another backend's) with an unanswered
    confirmed record that carries a follow-up token."""
    user = client.collection("users").document(HOME)
    user.collection("devices").document(LOCK).set(lock())
    record(client, LOCK, "unlock-1")
    store = FirestoreHomeStore.connect(account)
    yield store
    for device in user.collection("devices").stream():
        for command in device.reference.collection("commands").stream():
            command.reference.delete()
        device.reference.delete()


def record(client: firestore.Client, device: str, command_id: str) -> Any:
    """What EXECUTE writes (server credentials): an unanswered command record."""
    now = datetime.now(UTC)
    ref = (
        client.collection("users")
        .document(HOME)
        .collection("devices")
        .document(device)
        .collection("commands")
        .document(command_id)
    )
    ref.set(
        {
            "requestId": command_id,
            "issuedAt": now,
            "deadline": now + timedelta(minutes=10),
            "mode": "confirmed",
            "executions": [{"command": C + "LockUnlock", "params": {"lock": False}}],
            "patch": {"isLocked": False},
            "answer": "PENDING",
            "followUpToken": "follow-up-token-of-" + command_id,
            "outcome": None,
        }
    )
    return ref


def refused(attempts: list[Callable[[], Any]]) -> None:
    for number, attempt in enumerate(attempts):
        with pytest.raises(exceptions.PermissionDenied):
            attempt()
            pytest.fail(f"attempt {number} was allowed")


@pytest.mark.parametrize("owner", ["maker-cloud", None])
def test_a_bridge_cannot_touch_a_device_it_does_not_own(
    client: firestore.Client, home: FirestoreHomeStore, owner: str | None
) -> None:
    admin = client.collection("users").document(HOME).collection("devices").document(LOCK)
    admin.set(lock(owner))
    mine = home._device(LOCK)
    records = mine.collection("commands")
    refused(
        [
            lambda: mine.update({"secondaryVerification": {"LockUnlock": "none"}}),
            lambda: mine.update({"execution": {"mode": "optimistic"}}),
            lambda: mine.update({"states.isLocked": False}),
            lambda: mine.update({"backend": BRIDGE}),
            lambda: mine.set({**lock(), "backend": BRIDGE}),
            mine.get,
            mine.delete,
            lambda: records.document("unlock-1").get(),
            lambda: list(records.stream()),
            lambda: records.document("unlock-1").update(
                {"outcome": {"status": "SUCCESS", "states": {"isLocked": True}}}
            ),
            lambda: home.record_outcome(
                LOCK, "unlock-1", {"status": "SUCCESS", "states": {"isLocked": True}}, {}
            ),
        ]
    )
    assert admin.get().to_dict() == lock(owner)
    assert admin.collection("commands").document("unlock-1").get().to_dict()["outcome"] is None


def test_the_watch_lists_only_the_bridges_own_devices(
    client: firestore.Client, home: FirestoreHomeStore
) -> None:
    assert home.create(SWITCH, switch())
    seen: list[str] = []
    stop = home.watch(lambda snapshot: seen.append(snapshot.device_id))
    try:
        stored = home.read(SWITCH).document or {}
        assert stored["backend"] == BRIDGE  # set at creation from the credential
    finally:
        stop()
    assert LOCK not in seen
    assert not home.create(LOCK, switch())  # exists (another backend's): not taken over
    assert not home.owned(LOCK) and home.owned(SWITCH)


def test_a_bridge_cannot_weaken_or_give_away_its_own_devices(
    client: firestore.Client, home: FirestoreHomeStore
) -> None:
    assert home.create(SWITCH, switch(execution={"mode": "confirmed", "timeoutMs": 800}))
    mine = home._device(SWITCH)
    devices = home._user.collection("devices")
    refused(
        [
            lambda: mine.update({"secondaryVerification": {"OnOff": "none"}}),
            lambda: mine.update({"execution": {"mode": "optimistic"}}),
            lambda: mine.update({"backend": "someone-else"}),
            lambda: mine.update({"bookkeeping": 1}),
            lambda: devices.document("new-1").set(switch()),  # no owner
            lambda: devices.document("new-2").set(switch(backend="maker-cloud")),
            lambda: devices.document("new-3").set(
                switch(backend=BRIDGE, secondaryVerification={"OnOff": "none"})
            ),
        ]
    )
    assert home.update_states(SWITCH, {"on": True})
    stored = client.collection("users").document(HOME).collection("devices").document(SWITCH)
    assert stored.get().to_dict()["execution"] == {"mode": "confirmed", "timeoutMs": 800}
    assert stored.get().to_dict()["states"]["on"] is True


@pytest.mark.parametrize(
    "outcome",
    [
        "SUCCESS",
        ["SUCCESS"],
        {"status": "DONE"},
        {"status": "ERROR"},
        {"status": "ERROR", "errorCode": ["hardError"]},
        {"status": "SUCCESS", "states": ["on"]},
        {"status": "SUCCESS", "states": {}, "followUpToken": "x"},
        {"states": {}},
    ],
)
def test_an_outcome_must_be_one_of_googles_shapes(
    client: firestore.Client, home: FirestoreHomeStore, outcome: Any
) -> None:
    assert home.create(SWITCH, switch())
    ref = record(client, SWITCH, "on-1")
    refused(
        [
            lambda: (
                home._device(SWITCH)
                .collection("commands")
                .document("on-1")
                .update({"outcome": outcome})
            )
        ]
    )
    assert ref.get().to_dict()["outcome"] is None


def test_the_bridge_answers_its_own_records(
    client: firestore.Client, home: FirestoreHomeStore
) -> None:
    assert home.create(SWITCH, switch())
    ref = record(client, SWITCH, "on-2")
    heard: list[str] = []
    stop = home.watch_commands([SWITCH], lambda r: heard.append(r.command_id), timeout=10)
    stop()
    assert heard == ["on-2"]
    outcome = {"status": "SUCCESS", "states": {"on": True}}
    assert home.record_outcome(SWITCH, "on-2", outcome, {"on": True})
    assert ref.get().to_dict()["outcome"] == outcome
    home._device(SWITCH).delete()  # its own device: allowed
    assert home.read(SWITCH).document is None
