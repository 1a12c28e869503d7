import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Golden attributes and params from https://developers.home.google.com/cloud-to-cloud/traits/scene
REVERSIBLE = {"sceneReversible": True}


def test_activate() -> None:
    assert execute("ActivateScene", {"deactivate": False}) == {}
    assert execute("ActivateScene", {"deactivate": False}, attributes=REVERSIBLE) == {}


def test_missing_deactivate_means_activate() -> None:
    assert execute("ActivateScene", {}) == {}


def test_deactivate_reversible() -> None:
    assert execute("ActivateScene", {"deactivate": True}, attributes=REVERSIBLE) == {}


@pytest.mark.parametrize("attributes", [{}, {"sceneReversible": False}])
def test_deactivate_irreversible(attributes: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("ActivateScene", {"deactivate": True}, attributes=attributes)
    assert raised.value.code == "functionNotSupported"


@pytest.mark.parametrize("value", ["true", 1, 0])
def test_bad_deactivate(value: object) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("ActivateScene", {"deactivate": value}, attributes=REVERSIBLE)
    assert raised.value.code == "valueOutOfRange"


def test_attributes() -> None:
    validate("Scene", {})
    validate("Scene", REVERSIBLE)
    with pytest.raises(InvalidDevice, match="sceneReversible"):
        validate("Scene", {"sceneReversible": "yes"})


def test_no_states() -> None:
    trait = TRAITS["action.devices.traits.Scene"]
    assert trait.states == ()
    assert trait.query_states({}, {"on": True}) == {}
