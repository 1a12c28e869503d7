"""A local token never reaches the bridge's log: tokens are checked when loaded, an invalid
header value becomes a fixed message, and the log redacts known secrets wherever they appear."""

import io
import logging
from collections.abc import Iterator

import pytest

from bridge import logs
from bridge.budget import Budget
from bridge.errors import DeviceError
from bridge.memory_store import MemoryHomeStore
from bridge.runtime import Bridge, Settings
from bridge.speaker.adapter import SpeakerAdapter
from bridge.speaker.client import SpeakerClient, Target
from bridge.speaker.discovery import StaticDiscovery
from bridge.speaker.pins import PinStore
from bridge.speaker.tokens import HomeGraphTokens
from devstack.fake_speaker import FakeSpeaker
from tests.support.waiting import eventually


@pytest.fixture
def fake() -> Iterator[FakeSpeaker]:
    speaker = FakeSpeaker("Bedroom speaker").start()
    try:
        yield speaker
    finally:
        speaker.stop()


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    logs.setup()
    logs.LOGGER.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    try:
        yield stream
    finally:
        logs.LOGGER.handlers[:] = []


def client_for(fake: FakeSpeaker, tokens: dict[str, str]) -> SpeakerClient:
    pins = PinStore()
    if hasattr(pins, "trust"):
        pins.trust("bedroom", fake.fingerprint)
    return SpeakerClient(Budget(600, 20), pins, HomeGraphTokens(lambda: tokens), timeout=2)


def test_a_token_with_a_trailing_newline_never_reaches_the_log(
    fake: FakeSpeaker, logged: io.StringIO
) -> None:
    """The review's case: the running bridge polls with a token that ends in a newline."""
    client = client_for(fake, {"bedroom": fake.token + "\n"})
    discovery = StaticDiscovery({"bedroom": f"127.0.0.1:{fake.port}"})
    bridge = Bridge(SpeakerAdapter(discovery, client), MemoryHomeStore(), Settings(retry_base=60))
    bridge.start()
    try:
        eventually(
            lambda: "device_failed" in logged.getvalue() or "worker_error" in logged.getvalue(), 10
        )
    finally:
        bridge.stop()
    assert fake.token not in logged.getvalue()
    assert "token_invalid" in logged.getvalue()  # dropped when loaded, and said so


class Verbatim:
    """A token source that hands out whatever it holds (no check when loaded)."""

    def __init__(self, token: str) -> None:
        self.value = token

    def token(self, *_: object) -> str:
        return self.value

    def refresh(self, *_: object) -> str:
        return self.value


def test_an_invalid_header_value_is_a_fixed_message(fake: FakeSpeaker) -> None:
    client = client_for(fake, {})
    secret = "x" * 40 + "\r\nInjected: 1"
    client.tokens = Verbatim(secret)
    with pytest.raises(DeviceError) as caught:
        client.call(Target("bedroom", "bedroom", "127.0.0.1", fake.port), "GET", "assistant/alarms")
    assert "x" * 40 not in repr(caught.value) and "Injected" not in repr(caught.value)
    assert fake.requests == []


def test_the_log_redacts_a_known_secret_in_any_field(logged: io.StringIO) -> None:
    secret = "local-token-" + "Q" * 96
    logs.register_secret(secret)
    logs.log(
        logging.ERROR,
        "worker_error",
        error=f"ValueError('Invalid header value {secret!r}')",
        nested={"list": [f"Bearer {secret}"]},
    )
    assert "Q" * 96 not in logged.getvalue()
    assert "[redacted]" in logged.getvalue()
