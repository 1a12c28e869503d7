"""Integration fixtures: a real Firestore emulator for the whole run, stopped at the end."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.cloud import firestore

from devstack.emulators import Emulator, start_firestore
from devstack.fake_speaker import FakeSpeaker
from functions.core.store import FirestoreStore

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


@pytest.fixture(scope="module")
def speaker() -> Iterator[FakeSpeaker]:
    """A fake Google Home speaker over real TLS, for the LAN bridge's end-to-end tests."""
    fake = FakeSpeaker("Bedroom speaker").start()
    try:
        yield fake
    finally:
        fake.stop()
