"""The emulators shared by a whole test run (a pytest plugin, loaded by tests/conftest.py): the
Firestore emulator, the environment restored at the end, and the Firebase Auth emulator, whose
start is seconds of CPU (the local stacks use it instead of starting their own). Each is
started on first use by a test that needs it and stopped at the end."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.cloud import firestore

from devstack.auth_emulator import AuthEmulator, start_auth_emulator
from devstack.emulators import Emulator, start_firestore
from functions.fulfillment.firestore_store import FirestoreStore

PROJECT = "demo-smarthome-test"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def firestore_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    log = tmp_path_factory.mktemp("emulators") / "firestore.log"
    emulator = start_firestore(PROJECT, log, rules=ROOT / "firestore.rules")
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
    emulator = start_auth_emulator(PROJECT, tmp_path_factory.mktemp("auth") / "auth.log")
    try:
        yield emulator
    finally:
        emulator.stop()
