import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate


def test_on_off_sets_on() -> None:
    assert execute("OnOff", {"on": True}, {"on": False}) == {"on": True}
    assert execute("OnOff", {"on": False}, {"on": True}) == {"on": False}


@pytest.mark.parametrize("params", [{}, {"on": "yes"}, {"on": 1}, {"on": None}])
def test_on_off_rejects_bad_params(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("OnOff", params)
    assert raised.value.code == "valueOutOfRange"


def test_attributes() -> None:
    validate("OnOff", {})
    validate("OnOff", {"commandOnlyOnOff": True})
    with pytest.raises(InvalidDevice, match="commandOnlyOnOff"):
        validate("OnOff", {"commandOnlyOnOff": "true"})
    with pytest.raises(InvalidDevice):
        validate("OnOff", {"commandOnlyOnOff": True, "queryOnlyOnOff": True})


def test_query_states_and_command_only() -> None:
    trait = TRAITS["action.devices.traits.OnOff"]
    assert trait.query_states({}, {"on": True, "brightness": 3}) == {"on": True}
    assert trait.query_states({"commandOnlyOnOff": True}, {"on": True}) == {}
    assert not trait.accepts_commands({"queryOnlyOnOff": True})


def test_golden_examples() -> None:
    # https://developers.home.google.com/cloud-to-cloud/traits/onoff.md.txt: the two-way device
    # and its QUERY state {"on": true}; OnOff {"on": true}; the command-only and query-only flags.
    validate("OnOff", {})
    validate("OnOff", {"commandOnlyOnOff": True})
    validate("OnOff", {"queryOnlyOnOff": True})
    trait = TRAITS["action.devices.traits.OnOff"]
    assert trait.query_states({}, {"on": True}) == {"on": True}
    assert execute("OnOff", {"on": True}, {"on": False}) == {"on": True}
    assert execute("OnOff", {"on": True}, {"on": True}) == {"on": True}  # idempotent, no alreadyOn
