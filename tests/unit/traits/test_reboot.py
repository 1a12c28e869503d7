from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Golden EXECUTE example from https://developers.home.google.com/cloud-to-cloud/traits/reboot
# (whole page read): {"command": "action.devices.commands.Reboot", "params": {}}.
TRAIT = TRAITS["action.devices.traits.Reboot"]


def test_reboot_changes_no_state() -> None:
    assert execute("Reboot", {}, {"online": True, "on": True}) == {}


def test_no_attributes_and_no_states() -> None:
    validate("Reboot", {})
    assert TRAIT.states == ()
    assert TRAIT.query_states({}, {"online": True, "on": True}) == {}
    assert list(TRAIT.commands) == ["action.devices.commands.Reboot"]
