"""The speaker adapter against the fake speaker over real TLS on 127.0.0.1: every endpoint the
bridge uses, and every fault (token rotation, slow and hung devices, Chromecast 404s, setters that
lie, truncated bodies, address changes), the pin and the allowlist."""

import time
from collections.abc import Iterator

import pytest

from bridge.budget import Budget
from bridge.errors import Refused, Unconfirmed, Unreachable, Unsupported
from bridge.memory_store import MemoryHomeStore
from bridge.runtime import Bridge, Settings
from bridge.speaker.adapter import SpeakerAdapter
from bridge.speaker.client import SpeakerClient, Target
from bridge.speaker.discovery import StaticDiscovery
from bridge.speaker.pins import PinStore
from bridge.speaker.probe import probe
from bridge.speaker.tokens import HomeGraphTokens
from devstack.fake_speaker import FakeSpeaker


@pytest.fixture
def fake() -> Iterator[FakeSpeaker]:
    speaker = FakeSpeaker("Bedroom speaker").start()
    try:
        yield speaker
    finally:
        speaker.stop()


def rig(speakers: dict[str, FakeSpeaker], *, timeout: float = 2.0, per_minute: float = 600, **opts):
    """(adapter, client, token source, discovery) for ``speakers`` keyed by name."""
    source = HomeGraphTokens(
        lambda: {name: s.token for name, s in speakers.items()}, min_interval=0
    )
    pins = PinStore()
    for name, speaker in speakers.items():
        pins.trust(name, speaker.fingerprint)  # the owner approved each certificate
    client = SpeakerClient(Budget(per_minute, 20), pins, source, timeout=timeout)
    discovery = StaticDiscovery({n: f"127.0.0.1:{s.port}" for n, s in speakers.items()})
    return SpeakerAdapter(discovery, client, **opts), client, source, discovery


def test_discovery_reading_and_the_dnd_switch(fake: FakeSpeaker) -> None:
    adapter, _, _, _ = rig({"bedroom": fake}, alarm_switch=True, restart_scene=True)
    [found] = adapter.discover()
    assert (found.key, found.name, found.model) == ("bedroom", "Bedroom speaker", fake.model)
    documents = adapter.documents(found)
    assert sorted(documents) == ["bedroom-alarm", "bedroom-dnd", "bedroom-restart"]
    assert documents["bedroom-dnd"]["type"] == "action.devices.types.SWITCH"
    assert documents["bedroom-alarm"]["attributes"] == {"queryOnlyOnOff": True}
    reading = adapter.read(found)
    assert reading.states["bedroom-dnd"] == {"on": False}
    assert reading.side["alarmVolume"] == 0.5
    fake.set_dnd(True)
    assert adapter.read(found).states["bedroom-dnd"] == {"on": True}
    assert adapter.apply(found, "bedroom-dnd", {"on": False}) == {"on": False}
    assert fake.notifications_enabled is True  # the inverted flag


def test_alarms_and_timers_ring_at_their_time(fake: FakeSpeaker) -> None:
    adapter, _, _, _ = rig({"bedroom": fake}, alarm_switch=True)
    [found] = adapter.discover()
    alarm = fake.add_alarm(0.3)
    fake.add_alarm(3600, timer=True)
    first = adapter.read(found)
    assert first.states["bedroom-alarm"] == {"on": False}
    assert [a["id"] for a in first.side["alarms"]] == [alarm]
    time.sleep(0.4)
    assert adapter.read(found).states["bedroom-alarm"] == {"on": True}
    adapter.perform(found, "bedroom-alarm", "cancelAlarms", {"ids": [alarm]})
    assert adapter.read(found).states["bedroom-alarm"] == {"on": False}


def test_a_token_rotation_costs_one_refresh(fake: FakeSpeaker) -> None:
    adapter, _, source, _ = rig({"bedroom": fake})
    [found] = adapter.discover()
    adapter.read(found)
    assert source.fetches == 1
    fake.rotate_token()
    adapter.read(found)
    adapter.read(found)
    assert source.fetches == 2
    assert [r.status for r in fake.requests].count(401) == 1


def test_a_slow_or_hung_speaker_is_unreachable_not_stuck(fake: FakeSpeaker) -> None:
    adapter, _, _, _ = rig({"bedroom": fake}, timeout=0.3)
    [found] = adapter.discover()
    fake.delay = 0.6
    with pytest.raises(Unreachable):
        adapter.read(found)
    fake.delay = 0
    fake.hang = True
    started = time.monotonic()
    with pytest.raises(Unreachable):
        adapter.read(found)
    assert time.monotonic() - started < 2
    fake.release()
    assert adapter.read(found).states["bedroom-dnd"] == {"on": False}


def test_a_chromecast_is_not_a_speaker() -> None:
    cast = FakeSpeaker("Living room TV", profile="chromecast").start()
    try:
        adapter, _, _, _ = rig({"tv": cast})
        assert adapter.discover() == []
        with pytest.raises(Unsupported):
            adapter.read(_found(cast, "tv"))
    finally:
        cast.stop()


def _found(speaker: FakeSpeaker, key: str):
    from bridge.adapter import Found

    return Found(key, speaker.name, "127.0.0.1", speaker.port, identity=key)


def test_a_setter_that_lies_is_caught_by_the_read_back(fake: FakeSpeaker) -> None:
    adapter, _, _, _ = rig({"bedroom": fake})
    [found] = adapter.discover()
    fake.lie = True
    with pytest.raises(Unconfirmed) as caught:
        adapter.apply(found, "bedroom-dnd", {"on": True})
    assert caught.value.actual == {"on": False}


def test_a_truncated_body_is_unreachable(fake: FakeSpeaker) -> None:
    adapter, _, _, _ = rig({"bedroom": fake})
    [found] = adapter.discover()
    fake.truncate = True
    with pytest.raises(Unreachable):
        adapter.read(found)


def test_an_address_change_is_found_again_and_the_pin_holds(fake: FakeSpeaker) -> None:
    adapter, _, _, discovery = rig({"bedroom": fake})
    store = MemoryHomeStore()
    settings = Settings(poll_interval=0.1, retry_base=0.05, rediscover_after=1, offline_after=2)
    bridge = Bridge(adapter, store, settings).start(threads=False)
    worker = bridge.workers["bedroom"]
    worker.poll()
    old = fake.port
    fake.move()
    discovery.entries["bedroom"] = f"127.0.0.1:{fake.port}"  # what mDNS would now say
    worker.poll()
    assert worker.found.port == fake.port != old
    fake.set_dnd(True)
    worker.poll()
    assert store.devices["bedroom-dnd"]["states"] == {"online": True, "on": True}


def test_a_changed_certificate_is_refused(fake: FakeSpeaker) -> None:
    impostor = FakeSpeaker("Bedroom speaker").start()
    try:
        _, client, _, _ = rig({"bedroom": fake})
        client.call(Target("bedroom", "", "127.0.0.1", fake.port), "GET", "eureka_info", auth=False)
        with pytest.raises(Refused, match="certificate changed"):
            client.call(
                Target("bedroom", "", "127.0.0.1", impostor.port), "GET", "eureka_info", auth=False
            )
    finally:
        impostor.stop()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("reboot", {"params": "fdr"}),
        ("forget_wifi", {"wpa_id": 0}),
        ("connect_wifi", {}),
        ("bluetooth/bond", {"bond": False}),
        ("set_eureka_info", {"name": "x"}),
    ],
)
def test_dangerous_endpoints_never_leave_the_box(fake: FakeSpeaker, path: str, body) -> None:
    _, client, _, _ = rig({"bedroom": fake})
    with pytest.raises(Refused):
        client.call(Target("bedroom", "", "127.0.0.1", fake.port), "POST", path, body)
    assert fake.requests == []


def test_hostnames_are_refused_ip_literals_used(fake: FakeSpeaker) -> None:
    _, client, _, _ = rig({"bedroom": fake})
    with pytest.raises(Refused):
        client.call(Target("bedroom", "", "localhost", fake.port), "GET", "eureka_info", auth=False)
    assert fake.requests == []


def test_restart_reboots_once(fake: FakeSpeaker) -> None:
    adapter, _, _, _ = rig({"bedroom": fake}, restart_scene=True)
    [found] = adapter.discover()
    adapter.perform(found, "bedroom-restart", "action.devices.commands.ActivateScene", {})
    assert fake.reboots == 1
    assert [r.body for r in fake.requests if r.path == "/setup/reboot"] == [{"params": "now"}]


def test_probe_reports_each_endpoint_without_changing_anything(fake: FakeSpeaker) -> None:
    _, client, _, _ = rig({"probe": fake})
    rows = probe(client, Target("probe", "probe", "127.0.0.1", fake.port))
    assert [r["outcome"] for r in rows] == ["200"] * 5
    assert all(r.body is None for r in fake.requests)


def test_polling_stays_within_the_budget(fake: FakeSpeaker) -> None:
    """A short poll interval against a budget of 30 requests a minute, burst 6."""
    adapter, client, _, _ = rig({"bedroom": fake}, per_minute=30)
    client.budget = Budget(30, 6)
    bridge = Bridge(adapter, MemoryHomeStore(), Settings(poll_interval=0.05, retry_base=0.05))
    started = time.monotonic()
    bridge.start()
    time.sleep(3)
    bridge.stop()
    elapsed = time.monotonic() - started
    sent = len(fake.rate())
    assert sent <= 6 + 30 * elapsed / 60 + 1, sent


def _commands_rig(fake: FakeSpeaker, **opts):
    adapter, _, _, _ = rig({"bedroom": fake}, timeout=0.5, **opts)
    store = MemoryHomeStore()
    bridge = Bridge(adapter, store, Settings(poll_interval=60)).start(threads=False)
    bridge.workers["bedroom"].step()
    return bridge.workers["bedroom"], store


def test_command_records_on_the_speaker(fake: FakeSpeaker) -> None:
    """The DND switch (confirmed: the outcome's states are the read-back), the restart scene (a
    record with no state), a lying setter (hardError), an unreachable speaker (deviceOffline)."""
    worker, store = _commands_rig(fake, restart_scene=True)
    assert store.devices["bedroom-dnd"]["execution"] == {"mode": "confirmed", "timeoutMs": 800}
    on = store.execute(
        "bedroom-dnd", "action.devices.commands.OnOff", {"on": True}, mode="confirmed"
    )
    scene = store.execute("bedroom-restart", "action.devices.commands.ActivateScene", {})
    worker.step()
    assert fake.dnd is True and fake.reboots == 1
    assert store.outcome("bedroom-dnd", on) == {"status": "SUCCESS", "states": {"on": True}}
    assert store.outcome("bedroom-restart", scene) == {"status": "SUCCESS", "states": {}}
    assert store.devices["bedroom-dnd"]["states"]["on"] is True
    fake.lie = True
    lied = store.execute("bedroom-dnd", "action.devices.commands.OnOff", {"on": False})
    worker.step()
    assert store.outcome("bedroom-dnd", lied) == {"status": "ERROR", "errorCode": "hardError"}
    assert store.devices["bedroom-dnd"]["states"]["on"] is True  # the read-back
    fake.lie, fake.hang = False, True
    try:
        hung = store.execute("bedroom-dnd", "action.devices.commands.OnOff", {"on": False})
        worker.step()
    finally:
        fake.release()
    assert store.outcome("bedroom-dnd", hung) == {"status": "ERROR", "errorCode": "deviceOffline"}
