"""Only the endpoints the adapter uses leave the box, spelled exactly as it spells them: other
spellings of a dangerous endpoint (case, dot segments, percent-encoding, extra slashes) are refused
before any byte is sent, as is any endpoint the adapter never calls."""

from collections.abc import Iterator
from typing import Any

import pytest

from bridge.budget import Budget
from bridge.errors import Refused
from bridge.speaker.client import SpeakerClient, Target
from bridge.speaker.pins import PinStore
from bridge.speaker.tokens import HomeGraphTokens
from devstack.fake_speaker import FakeSpeaker

FDR = {"params": "fdr"}
SPELLINGS: list[tuple[str, str, Any]] = [
    ("POST", "./forget_wifi", {"wpa_id": 0}),
    ("POST", "FORGET_WIFI", {"wpa_id": 0}),
    ("POST", "forget%5Fwifi", {"wpa_id": 0}),
    ("POST", "%66orget_wifi", {"wpa_id": 0}),
    ("POST", "assistant/../forget_wifi", {"wpa_id": 0}),
    ("POST", "forget_wifi/.", {"wpa_id": 0}),
    ("POST", "forget_wifi;", {"wpa_id": 0}),
    ("POST", "reboot/.", FDR),
    ("POST", "./reboot", FDR),
    ("POST", "Reboot", FDR),
    ("POST", "reboot%2F", FDR),
    ("POST", "bluetooth//bond", {"bond": False}),
    ("POST", "bluetooth/./bond", {"bond": False}),
    ("POST", "Set_Eureka_Info", {"name": "x"}),
    ("POST", "connect_wifi/", {}),
]
"""Alternative spellings of denied endpoints (with the old denylist, 14 of these 15 reached the
speaker)."""
UNUSED: list[tuple[str, str, Any]] = [
    ("POST", "assistant/set_night_mode_params", {}),
    ("POST", "assistant/a11y_mode", {"enabled": True}),
    ("GET", "offer", None),
    ("POST", "eureka_info", None),  # the right path with the wrong method
    (
        "GET",
        "assistant/alarms?x=../../forget_wifi",
        None,
    ),  # a query only where the adapter uses one
]


@pytest.fixture
def fake() -> Iterator[FakeSpeaker]:
    speaker = FakeSpeaker("Bedroom speaker").start()
    try:
        yield speaker
    finally:
        speaker.stop()


def client_for(fake: FakeSpeaker) -> SpeakerClient:
    pins = PinStore(approve_new=True)
    tokens = HomeGraphTokens(lambda: {"bedroom": fake.token}, min_interval=0)
    return SpeakerClient(Budget(600, 20), pins, tokens, timeout=2)


@pytest.mark.parametrize(("method", "path", "body"), SPELLINGS + UNUSED)
def test_only_the_adapters_endpoints_leave_the_box(
    fake: FakeSpeaker, method: str, path: str, body: Any
) -> None:
    client = client_for(fake)
    with pytest.raises(Refused):
        client.call(Target("bedroom", "bedroom", "127.0.0.1", fake.port), method, path, body)
    assert fake.requests == []


def test_the_adapters_own_requests_pass(fake: FakeSpeaker) -> None:
    client = client_for(fake)
    where = Target("bedroom", "bedroom", "127.0.0.1", fake.port)
    eureka = "eureka_info?params=name,build_info,device_info,net&options=detail"
    client.call(where, "GET", eureka, auth=False)
    client.call(where, "GET", "assistant/alarms")
    client.call(where, "POST", "assistant/alarms/volume")
    client.call(where, "POST", "assistant/notifications", {"notifications_enabled": False})
    client.call(where, "POST", "assistant/alarms/delete", {"ids": ["alarm/x"]})
    client.call(where, "POST", "reboot", {"params": "now"})
    assert [r.status for r in fake.requests] == [200] * 6
    assert fake.reboots == 1 and fake.dnd is True
