"""Decoding Firestore events and classifying device changes."""

import base64
from datetime import UTC, datetime

import pytest

from functions.core.messages import STATE, SYNC
from functions.on_device_written.events import BadEvent, classify, decode, device_path, messages
from tests.support.events import event
from tests.support.world import light

NOW = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("encode", [lambda b: b, base64.b64encode], ids=["eventarc", "emulator"])
def test_decode_raw_and_base64_bodies(encode) -> None:
    change = decode(encode(event(light(on=False), light(on=True))), NOW)
    assert (change.user_id, change.device_id) == ("u1", "lamp")
    assert change.before == light(on=False) and change.after == light(on=True)
    assert change.changed_at == 1_800_000_000 * 10**9 + 123


def test_deleted_document_uses_the_event_time_rounded_up() -> None:
    change = decode(event(light(), None), datetime(2027, 1, 1, 0, 0, 5, tzinfo=UTC))
    assert change.after is None
    assert (
        change.changed_at == int(datetime(2027, 1, 1, 0, 0, 6, tzinfo=UTC).timestamp()) * 10**9 - 1
    )


@pytest.mark.parametrize("body", [b"", b"\x0a\xff\xff", b"not base64 or proto \xff"])
def test_undecodable_bodies(body: bytes) -> None:
    with pytest.raises(BadEvent):
        decode(body, NOW)


@pytest.mark.parametrize(
    "name",
    [
        "projects/p/databases/(default)/documents/users/u1",
        "projects/p/databases/(default)/documents/users/u1/other/d",
        "projects/p/databases/(default)/documents/users/u1/devices/d/x/y",
    ],
)
def test_only_device_documents(name: str) -> None:
    with pytest.raises(BadEvent):
        device_path(name)


@pytest.mark.parametrize(
    ("before", "after", "kinds"),
    [
        (None, light(), {SYNC}),
        (light(), None, {SYNC}),
        (light(), light(), set()),
        (light(), {**light(), "name": {"name": "Reading lamp"}}, {SYNC}),
        (light(), {**light(), "roomHint": "Hall"}, {SYNC}),
        (light(), {**light(), "attributes": {"commandOnlyBrightness": True}}, {SYNC}),
        (light(), {**light(), "willReportState": False}, {SYNC}),
        (light(), {**light(), "notificationSupportedByAgent": True}, {SYNC}),
        (light(), {**light(), "otherDeviceIds": [{"deviceId": "x"}]}, {SYNC}),
        (light(), {**light(), "deviceInfo": {"model": "b"}}, {SYNC}),
        (light(), {**light(), "traits": ["action.devices.traits.OnOff"]}, {SYNC}),
        (light(), {**light(), "type": "action.devices.types.SWITCH"}, {SYNC}),
        (light(on=False), light(on=True), {STATE}),
        (light(online=True), light(online=False), {STATE}),
        (light(), {**light(brightness=3), "roomHint": "Hall"}, {SYNC, STATE}),
        (light(), {**light(), "firmwareNotes": "outside the contract"}, set()),
    ],
)
def test_classify(before, after, kinds) -> None:
    assert classify(before, after) == kinds


def test_state_message_carries_complete_trait_states_and_version() -> None:
    change = decode(
        event(
            light(on=False),
            {
                **light(on=True),
                "states": {
                    "online": True,
                    "on": True,
                    "brightness": 50,
                    "color": {"spectrumRgb": 1},
                },
            },
        ),
        NOW,
    )
    (message,), skipped = messages(change)
    assert skipped is None
    assert message.attributes == {"kind": "state", "agentUserId": "u1", "deviceId": "lamp"}
    assert message.data == {
        "kind": "state",
        "agentUserId": "u1",
        "deviceId": "lamp",
        "version": change.changed_at,
        "states": {"on": True, "brightness": 50, "online": True},
    }


def test_no_state_message_without_will_report_state_or_for_invalid_documents() -> None:
    quiet = {**light(on=True), "willReportState": False}
    assert messages(decode(event({**quiet, "states": {"on": False}}, quiet), NOW)) == (
        [],
        "willReportState is not true",
    )
    broken = {**light(on=True), "attributes": {"commandOnlyBrightness": "x"}}
    found, skipped = messages(decode(event({**broken, "states": {}}, broken), NOW))
    assert found == [] and skipped and "invalid device document" in skipped
