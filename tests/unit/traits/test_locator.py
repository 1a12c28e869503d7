import pytest

from functions.core.errors import SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# https://developers.home.google.com/cloud-to-cloud/traits/locator?authuser=0&hl=pl (whole page):
# no attributes, no states; Locate params silence (default false) and lang (default "en").


@pytest.mark.parametrize(
    "params", [{}, {"silence": False, "lang": "en"}, {"silence": True}, {"lang": "de"}]
)
def test_locate_changes_no_state(params: dict) -> None:
    assert execute("Locate", params, {"on": True}) == {}


@pytest.mark.parametrize("params", [{"silence": "true"}, {"silence": 1}, {"lang": ""}, {"lang": 5}])
def test_bad_params(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("Locate", params)
    assert raised.value.code == "valueOutOfRange"


def test_no_attributes_no_states() -> None:
    validate("Locator", {})
    trait = TRAITS["action.devices.traits.Locator"]
    assert trait.states == ()
    assert trait.query_states({}, {"generatedAlert": True, "on": True}) == {}
