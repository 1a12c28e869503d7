"""Matter deduplication (https://developers.home.google.com/matter/device-deduplication): the
three Matter ids are SYNC fields, so writing them is a structural change that asks Google to
SYNC at once ("the partner's cloud must immediately send a REQUEST SYNC"); the behaviour of SYNC
itself is in tests/contract/test_intents.py."""

from devstack.demo_home import DEMO_DEVICES
from functions.core.messages import SYNC
from functions.devices.contract import MATTER_FIELDS, SYNC_FIELDS
from functions.devices.model import parse_device
from functions.on_device_written.events import DocumentChange, messages
from tests.support.world import light

MATTER = {
    "matterUniqueId": "00112233aabbccddeeff",
    "matterOriginalVendorId": "0xfff1",
    "matterOriginalProductId": "0x1234",
}


def test_the_matter_ids_are_sync_fields() -> None:
    assert set(MATTER_FIELDS) <= set(SYNC_FIELDS)


def test_moving_a_device_to_matter_asks_google_to_sync() -> None:
    before = {**light(), "roomHint": "Porch"}
    change = DocumentChange("u1", "porch", before, {**before, **MATTER}, 1)
    found, _ = messages(change)
    assert [message.kind for message in found] == [SYNC]


def test_each_matter_id_is_structural_on_its_own() -> None:
    before = {**light(), "roomHint": "Porch", **MATTER}
    for key in MATTER_FIELDS:
        after = {**before, key: "0x0001" if "Id" in key[-2:] else "other"}
        found, _ = messages(DocumentChange("u1", "porch", before, after, 1))
        assert [message.kind for message in found] == [SYNC], key


def test_the_demo_home_has_a_device_moved_to_matter() -> None:
    moved = [d for d, doc in DEMO_DEVICES.items() if all(k in doc for k in MATTER_FIELDS)]
    assert moved
    for device_id in moved:
        device = parse_device(device_id, DEMO_DEVICES[device_id])
        assert not device.matter_without_room
        assert {k: device.sync()[k] for k in MATTER_FIELDS} == {
            k: DEMO_DEVICES[device_id][k] for k in MATTER_FIELDS
        }
