import pytest

from functions.core.errors import SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# https://developers.home.google.com/cloud-to-cloud/traits/dock.md.txt: no attributes,
# state isDocked, command Dock with empty params.


def test_dock() -> None:
    assert execute("Dock", {}, {"isDocked": False}) == {"isDocked": True}
    assert execute("Dock", {}, {}) == {"isDocked": True}


def test_already_docked() -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("Dock", {}, {"isDocked": True})
    assert raised.value.code == "alreadyDocked"


def test_attributes_and_query_states() -> None:
    validate("Dock", {})
    trait = TRAITS["action.devices.traits.Dock"]
    assert trait.query_states({}, {"isDocked": True, "isRunning": False}) == {"isDocked": True}
    assert trait.query_states({}, {}) == {}
