from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Golden examples from https://developers.home.google.com/cloud-to-cloud/traits/softwareupdate
# (whole page read on https://developers.google.com/assistant/smarthome/traits/softwareupdate).
LAST_UPDATE = {"lastSoftwareUpdateUnixTimestampSec": 946652400}
TRAIT = TRAITS["action.devices.traits.SoftwareUpdate"]


def test_documented_query_state() -> None:
    assert TRAIT.query_states({}, {**LAST_UPDATE, "online": True}) == LAST_UPDATE


def test_update_keeps_the_last_successful_timestamp() -> None:
    assert execute("SoftwareUpdate", {}, LAST_UPDATE) == {}


def test_no_attributes() -> None:
    validate("SoftwareUpdate", {})
    assert list(TRAIT.commands) == ["action.devices.commands.SoftwareUpdate"]
