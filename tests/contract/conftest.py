"""Every contract test runs twice: over the in-memory adapter and over the Firestore emulator
(marked ``integration``). The fixtures here give each port's two adapters by the same name."""

import uuid

import pytest

from functions.account_linking.firestore_records import FirestoreRecords
from functions.account_linking.memory_records import MemoryRecords
from functions.account_linking.records import Records
from functions.fulfillment.memory_store import MemoryStore
from tests.support.firestore_world import firestore_world
from tests.support.pipeline import Clock, FirestoreHome, Home, MemoryHome
from tests.support.world import World, memory_world

ADAPTERS = ["memory", pytest.param("firestore", marks=pytest.mark.integration)]


@pytest.fixture
def user() -> str:
    return f"user-{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=ADAPTERS)
def world(request: pytest.FixtureRequest) -> World:
    """The fulfillment driven as HTTP drives it, over one store adapter."""
    if request.param == "memory":
        return memory_world(MemoryStore())
    return firestore_world(request.getfixturevalue("store"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=ADAPTERS)
def home(request: pytest.FixtureRequest, clock: Clock) -> Home:
    """Firestore's documents and on_device_change's ledger, over one adapter."""
    if request.param == "memory":
        return MemoryHome(clock)
    return FirestoreHome(request.getfixturevalue("client"))


@pytest.fixture(params=ADAPTERS)
def records(request: pytest.FixtureRequest) -> Records:
    """Account linking's records, over one adapter."""
    if request.param == "memory":
        return MemoryRecords()
    return FirestoreRecords(request.getfixturevalue("client"))
