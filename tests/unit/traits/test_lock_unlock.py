import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Golden params and states from https://developers.home.google.com/cloud-to-cloud/traits/lockunlock
LOCK = {"lock": True, "followUpToken": "123"}
UNLOCK = {"lock": False, "followUpToken": "567"}


def test_lock_and_unlock() -> None:
    assert execute("LockUnlock", LOCK, {"isLocked": False}) == {"isLocked": True}
    assert execute("LockUnlock", UNLOCK, {"isLocked": True}) == {"isLocked": False}


def test_unknown_state_and_no_token() -> None:
    assert execute("LockUnlock", {"lock": True}) == {"isLocked": True}
    assert execute("LockUnlock", {"lock": False}, {"isJammed": False}) == {"isLocked": False}


@pytest.mark.parametrize(
    "params",
    [{}, {"lock": "true"}, {"lock": 1}, {"lock": None}, {"lock": True, "followUpToken": 5}],
)
def test_bad_params(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("LockUnlock", params, {"isLocked": False})
    assert raised.value.code == "valueOutOfRange"


@pytest.mark.parametrize(
    ("params", "states", "code"),
    [
        (LOCK, {"isLocked": True}, "alreadyLocked"),
        (UNLOCK, {"isLocked": False}, "alreadyUnlocked"),
        (LOCK, {"isJammed": True}, "deviceJammingDetected"),
        (UNLOCK, {"isJammed": True, "isLocked": False}, "deviceJammingDetected"),
    ],
)
def test_trait_errors(params: dict, states: dict, code: str) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("LockUnlock", params, states)
    assert raised.value.code == code


def test_attributes_none_and_query_states() -> None:
    validate("LockUnlock", {})
    validate("LockUnlock", {"anything": "else"})
    trait = TRAITS["action.devices.traits.LockUnlock"]
    assert trait.query_states({}, {"isLocked": True, "on": True}) == {"isLocked": True}
    assert trait.query_states({}, {"isJammed": True}) == {"isJammed": True}
    assert trait.accepts_commands({})


def test_a_jammed_lock_reports_no_locked_state() -> None:
    # "Whether the device is currently jammed and therefore its locked state cannot be
    # determined" (https://developers.home.google.com/cloud-to-cloud/traits/lockunlock.md.txt).
    trait = TRAITS["action.devices.traits.LockUnlock"]
    assert trait.query_states({}, {"isJammed": True, "isLocked": True}) == {"isJammed": True}
    assert trait.query_states({}, {"isJammed": False, "isLocked": True}) == {
        "isJammed": False,
        "isLocked": True,
    }


def test_golden_states() -> None:
    # QUERY examples of the page (?hl=zh-CN copy): a locked device and a jammed one.
    trait = TRAITS["action.devices.traits.LockUnlock"]
    assert trait.query_states({}, {"isLocked": True}) == {"isLocked": True}
    assert trait.query_states({}, {"isJammed": True}) == {"isJammed": True}
    assert _code(LOCK, {"isJammed": True}) == "deviceJammingDetected"
    assert _code(LOCK, {"isLocked": True}) == "alreadyLocked"
    assert _code(UNLOCK, {"isLocked": False}) == "alreadyUnlocked"


def _code(params: dict, states: dict) -> str:
    with pytest.raises(SmartHomeError) as raised:
        execute("LockUnlock", params, states)
    return raised.value.code


def test_no_attributes() -> None:
    validate("LockUnlock", {})
    assert isinstance(InvalidDevice("x"), ValueError)
