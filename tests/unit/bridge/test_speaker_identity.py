"""Whom a local token goes to, against fake speakers over real TLS: a token is bound to the
identity Google's Home Graph gives a speaker, never to its name; it goes only to a certificate the
owner approved, and never from a token map fetched before the endpoint was first seen. A box that
announces a speaker's name gets no token and no device document."""

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from types import SimpleNamespace

import pytest

from bridge.__main__ import main
from bridge.budget import Budget
from bridge.errors import Refused, Unauthorized
from bridge.memory_store import MemoryHomeStore
from bridge.runtime import Bridge, Settings
from bridge.speaker.adapter import SpeakerAdapter
from bridge.speaker.client import SpeakerClient, Target
from bridge.speaker.discovery import Endpoint
from bridge.speaker.pins import PinStore
from bridge.speaker.tokens import HomeGraphTokens, tokens_by_identity
from devstack.fake_speaker import FakeSpeaker

NAME = "Bedroom speaker"


@pytest.fixture
def real() -> Iterator[FakeSpeaker]:
    speaker = FakeSpeaker(NAME).start()
    try:
        yield speaker
    finally:
        speaker.stop()


@pytest.fixture
def impostor() -> Iterator[FakeSpeaker]:
    speaker = FakeSpeaker(NAME).start()
    try:
        yield speaker
    finally:
        speaker.stop()


class Announced:
    """What mDNS says: each endpoint's TXT id, ``cd`` (the identity) and ``fn`` (the name)."""

    def __init__(self, *endpoints: Endpoint) -> None:
        self.found = list(endpoints)

    def endpoints(self) -> list[Endpoint]:
        return list(self.found)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def tokens_seen(speaker: FakeSpeaker) -> list[str]:
    return [r.token for r in speaker.requests if r.token]


def test_a_box_announcing_a_speakers_name_gets_no_token_and_no_document(
    real: FakeSpeaker, impostor: FakeSpeaker
) -> None:
    """The impostor has its own id and the real speaker's name; the token map also names the
    speaker (as a file another tool keeps may): names never select a token."""
    discovery = Announced(
        Endpoint("speaker-real", "127.0.0.1", real.port, NAME, identity="real-cd"),
        Endpoint("speaker-fake", "127.0.0.1", impostor.port, NAME, identity="fake-cd"),
    )
    source = HomeGraphTokens(lambda: {"real-cd": real.token, NAME: real.token}, min_interval=0)
    pins = PinStore()
    pins.trust("real-cd", real.fingerprint)  # the owner approved the real speaker only
    client = SpeakerClient(Budget(600, 20), pins, source, timeout=2)
    store = MemoryHomeStore()
    bridge = Bridge(SpeakerAdapter(discovery, client), store, Settings()).start(threads=False)
    for worker in bridge.workers.values():
        worker.step()
    assert sorted(store.devices) == ["speaker-real-dnd"]
    assert tokens_seen(impostor) == []
    assert tokens_seen(real) and set(tokens_seen(real)) == {real.token}
    with pytest.raises(Refused):  # even asked directly: no approved certificate for it
        client.call(Target("speaker-fake", "fake-cd", "127.0.0.1", impostor.port), "GET", "x")
    assert tokens_seen(impostor) == []


def test_the_real_speakers_identity_from_another_box_is_refused(
    real: FakeSpeaker, impostor: FakeSpeaker
) -> None:
    """The impostor copies the speaker's TXT ``cd`` too: its certificate is not the pinned one."""
    pins = PinStore()
    pins.trust("real-cd", real.fingerprint)
    source = HomeGraphTokens(lambda: {"real-cd": real.token}, min_interval=0)
    client = SpeakerClient(Budget(600, 20), pins, source, timeout=2)
    copy = Target("speaker-real", "real-cd", "127.0.0.1", impostor.port, NAME)
    with pytest.raises(Refused, match="certificate changed"):
        client.call(copy, "GET", "assistant/alarms")
    assert tokens_seen(impostor) == []


def test_a_new_certificate_awaits_the_owners_approval(real: FakeSpeaker, tmp_path: Path) -> None:
    """``inventory`` meets the speaker: pending, not listed, no token; the owner approves it
    with ``pins approve``; then it is a speaker of the home."""
    speakers = tmp_path / "speakers.json"
    speakers.write_text(json.dumps({"bedroom": f"127.0.0.1:{real.port}"}))
    state = ["--state-dir", str(tmp_path / "state")]

    def cli(*args: str) -> tuple[int, str]:
        out = io.StringIO()
        with redirect_stdout(out):
            code = main([*state, *args])
        return code, out.getvalue()

    assert cli("inventory", "--static", str(speakers)) == (0, "")
    code, listed = cli("pins", "list")
    pin = json.loads(listed)
    assert (code, pin["identity"], pin["state"]) == (0, "bedroom", "pending")
    assert pin["sha256"] == real.fingerprint and pin["host"] == "127.0.0.1"
    assert cli("pins", "approve", "bedroom", "--sha256", "0" * 64)[0] == 1  # not this one
    assert cli("pins", "approve", "bedroom", "--sha256", real.fingerprint[:12])[0] == 0
    code, found = cli("inventory", "--static", str(speakers))
    assert (code, json.loads(found)["identity"]) == (0, "bedroom")
    assert tokens_seen(real) == []  # inventory is token-free


def test_no_token_from_a_map_fetched_before_the_endpoint_was_first_seen(
    real: FakeSpeaker, impostor: FakeSpeaker
) -> None:
    """The speaker was reset (a new certificate, approved by the owner; the second fake plays
    it) after the token map was fetched: the old map is not used for it; the next fetch is."""
    wall, monotonic = Clock(), Clock()
    fetches: list[float] = []
    home_graph = {"bedroom": real.token}

    def fetch() -> dict[str, str]:
        fetches.append(wall.now)
        return dict(home_graph)

    source = HomeGraphTokens(fetch, min_interval=60, clock=monotonic, wall=wall)
    pins = PinStore(clock=wall)
    pins.trust("bedroom", real.fingerprint)
    client = SpeakerClient(Budget(600, 20), pins, source, timeout=2)
    client.call(Target("bedroom", "bedroom", "127.0.0.1", real.port), "GET", "assistant/alarms")
    assert fetches == [1000.0]
    wall.now += 10
    home_graph["bedroom"] = impostor.token  # Home Graph knows the reset speaker's new token
    pins.forget("bedroom")
    pins.trust("bedroom", impostor.fingerprint)  # the reset speaker, seen after the fetch
    reset = Target("bedroom", "bedroom", "127.0.0.1", impostor.port)
    with pytest.raises(Unauthorized):
        client.call(reset, "GET", "assistant/alarms")  # no new fetch allowed yet
    assert tokens_seen(impostor) == []
    monotonic.now += 60
    client.call(reset, "GET", "assistant/alarms")
    assert fetches == [1000.0, 1010.0]
    assert tokens_seen(impostor) == [impostor.token]


def test_home_graph_tokens_are_keyed_by_identity_not_name() -> None:
    """Home Graph's devices (glocaltokens' ``homegraph.home.devices``): keyed by
    ``device_info.agent_info.unique_id``; no id or no token, no entry."""

    def device(name: str, unique_id: str, token: str) -> SimpleNamespace:
        info = SimpleNamespace(agent_info=SimpleNamespace(unique_id=unique_id))
        return SimpleNamespace(device_name=name, local_auth_token=token, device_info=info)

    devices = [device(NAME, "cd-1", "t1"), device("Kitchen", "", "t2"), device("Hall", "cd-3", "")]
    assert tokens_by_identity(devices) == {"cd-1": "t1"}
