"""The emulators shared by a whole test run (a pytest plugin, loaded by tests/conftest.py): the
Firestore emulator, the environment restored at the end, and the Firebase Auth emulator, whose
start is seconds of CPU (the local stacks use it instead of starting their own). Each is
started on first use by a test that needs it and stopped at the end."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from google.cloud import firestore

from devstack.auth_emulator import AuthEmulator, launch_auth_emulator
from devstack.emulators import Emulator, launch_firestore
from devstack.stack import LocalStack
from functions.fulfillment.firestore_store import FirestoreStore

PROJECT = "demo-smarthome-test"
NewStack = Callable[[dict[str, str]], LocalStack]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def firestore_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    log = tmp_path_factory.mktemp("emulators") / "firestore.log"
    emulator = launch_firestore(PROJECT, log, rules=ROOT / "firestore.rules").ready()
    saved = {k: os.environ.get(k) for k in ("FIRESTORE_EMULATOR_HOST", "GOOGLE_CLOUD_PROJECT")}
    os.environ.update(FIRESTORE_EMULATOR_HOST=emulator.host, GOOGLE_CLOUD_PROJECT=PROJECT)
    try:
        yield emulator
    finally:
        emulator.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def client(firestore_emulator: Emulator) -> firestore.Client:
    return firestore.Client(project=PROJECT)


@pytest.fixture
def store(client: firestore.Client) -> FirestoreStore:
    return FirestoreStore(client)


@pytest.fixture(scope="session")
def auth_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthEmulator]:
    """The Auth emulator for PROJECT. A local stack for PROJECT given it as ``shared_auth``
    deletes its accounts when it starts; other users make their accounts unique."""
    log = tmp_path_factory.mktemp("auth") / "auth.log"
    emulator = launch_auth_emulator(PROJECT, log).ready()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def new_stack(tmp_path_factory: pytest.TempPathFactory, auth_emulator: AuthEmulator) -> NewStack:
    """Makes a local stack for PROJECT with the given settings, on the run's Auth emulator; not
    started (``with new_stack(settings) as stack:`` starts it and stops it)."""

    def make(settings: dict[str, str]) -> LocalStack:
        logs = Path(tmp_path_factory.mktemp("stack"))
        return LocalStack(PROJECT, logs, settings=settings, shared_auth=auth_emulator)

    return make
