"""The Firestore emulator for a whole test run (a pytest plugin, loaded by tests/conftest.py):
started on first use by any test that needs it, stopped at the end, the environment restored."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.cloud import firestore

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
