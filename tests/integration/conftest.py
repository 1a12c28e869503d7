"""Integration fixtures: a fake speaker for the LAN bridge, and account linking over the emulator
(the emulator itself: tests/support/emulator.py)."""

import uuid
from collections.abc import Iterator

import pytest

from devstack.fake_speaker import FakeSpeaker
from functions.account_linking.firestore_records import FirestoreRecords
from functions.account_linking.http import Linking
from functions.core.config import Config
from functions.fulfillment.firestore_store import FirestoreStore
from tests.support.emulator import PROJECT
from tests.support.linking import SECRET, Passwords


@pytest.fixture(scope="module")
def speaker() -> Iterator[FakeSpeaker]:
    """A fake Google Home speaker over real TLS, for the LAN bridge's end-to-end tests."""
    fake = FakeSpeaker("Bedroom speaker").start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def people() -> Passwords:
    return Passwords()


@pytest.fixture
def linking(store: FirestoreStore, people: Passwords) -> Linking:
    config = Config(
        project_id=PROJECT,
        oauth_client_id="google",
        oauth_client_secret=SECRET,
        oauth_redirect_uris="http://127.0.0.1:9/callback",
    )
    return Linking(FirestoreRecords(store.client), people, config)


@pytest.fixture
def person(people: Passwords) -> tuple[str, str, str]:
    uid = f"uid-{uuid.uuid4().hex[:8]}"
    email = f"{uid}@example.com"
    people.users[email] = ("correct horse", uid)
    return uid, email, "correct horse"
