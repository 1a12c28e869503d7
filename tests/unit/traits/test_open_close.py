import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# SYNC attribute and QUERY state examples from
# https://developers.home.google.com/cloud-to-cloud/traits/openclose
DISCRETE = {"discreteOnlyOpenClose": True}
UP_DOWN = {"openDirection": ["UP", "DOWN"]}
TWO_WAY = {"commandOnlyOpenClose": False}
UP_DOWN_STATE = {
    "openState": [
        {"openPercent": 30, "openDirection": "DOWN"},
        {"openPercent": 50, "openDirection": "UP"},
    ]
}


@pytest.mark.parametrize(
    "attributes",
    [DISCRETE, UP_DOWN, TWO_WAY, {}, {"openDirection": ["IN", "OUT", "LEFT", "RIGHT"]}],
)
def test_valid_attributes(attributes: dict) -> None:
    validate("OpenClose", attributes)


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({"discreteOnlyOpenClose": "true"}, "discreteOnlyOpenClose"),
        ({"openDirection": "UP"}, "openDirection"),
        ({"openDirection": []}, "openDirection"),
        ({"openDirection": ["UP", "SIDEWAYS"]}, "openDirection"),
        ({"openDirection": ["UP", "UP"]}, "openDirection"),
        ({"commandOnlyOpenClose": 0}, "commandOnlyOpenClose"),
        ({"queryOnlyOpenClose": "no"}, "queryOnlyOpenClose"),
        ({"commandOnlyOpenClose": True, "queryOnlyOpenClose": True}, "cannot both"),
    ],
)
def test_invalid_attributes(attributes: dict, field: str) -> None:
    with pytest.raises(InvalidDevice, match=field):
        validate("OpenClose", attributes)


def _error(command: str, params: dict, states: dict, attributes: dict) -> str:
    with pytest.raises(SmartHomeError) as raised:
        execute(command, params, states, attributes)
    return raised.value.code


@pytest.mark.parametrize("percent", [0, 35, 62.5, 100])
def test_open_close_single_direction(percent: float) -> None:
    assert execute("OpenClose", {"openPercent": percent}, {"openPercent": 100}, TWO_WAY) == {
        "openPercent": percent
    }


def test_open_close_updates_a_moving_target() -> None:
    states = {"openPercent": 50, "targetOpenPercent": 100}
    assert execute("OpenClose", {"openPercent": 0}, states, TWO_WAY) == {
        "openPercent": 0,
        "targetOpenPercent": 0,
    }


@pytest.mark.parametrize("percent", [0, 100])
def test_discrete_accepts_fully_open_or_closed(percent: int) -> None:
    assert execute("OpenClose", {"openPercent": percent}, {}, DISCRETE) == {"openPercent": percent}


@pytest.mark.parametrize("percent", [1, 50, 99.5])
def test_discrete_rejects_partial(percent: float) -> None:
    assert _error("OpenClose", {"openPercent": percent}, {}, DISCRETE) == "discreteOnlyOpenClose"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"openPercent": -1},
        {"openPercent": 101},
        {"openPercent": "50"},
        {"openPercent": True},
        {"openPercent": 50, "openDirection": "UP"},  # a single-direction device lists none
    ],
)
def test_open_close_bad_params(params: dict) -> None:
    assert _error("OpenClose", params, {}, TWO_WAY) == "valueOutOfRange"


def test_multi_direction_named() -> None:
    params = {"openPercent": 80, "openDirection": "UP"}
    assert execute("OpenClose", params, UP_DOWN_STATE, UP_DOWN) == {
        "openState": [
            {"openPercent": 80, "openDirection": "UP"},
            {"openPercent": 30, "openDirection": "DOWN"},
        ]
    }


def test_multi_direction_without_direction_moves_every_direction() -> None:
    assert execute("OpenClose", {"openPercent": 0}, UP_DOWN_STATE, UP_DOWN) == {
        "openState": [
            {"openPercent": 0, "openDirection": "UP"},
            {"openPercent": 0, "openDirection": "DOWN"},
        ]
    }


def test_multi_direction_from_empty_state_invents_no_other_direction() -> None:
    params = {"openPercent": 40, "openDirection": "DOWN"}
    assert execute("OpenClose", params, {}, UP_DOWN) == {
        "openState": [{"openPercent": 40, "openDirection": "DOWN"}]
    }


@pytest.mark.parametrize("direction", ["LEFT", "up", 3])
def test_undeclared_direction(direction: object) -> None:
    params = {"openPercent": 40, "openDirection": direction}
    assert _error("OpenClose", params, UP_DOWN_STATE, UP_DOWN) == "valueOutOfRange"


@pytest.mark.parametrize(
    ("relative", "before", "after"),
    [(20, 50, 70), (-20, 50, 30), (30, 80, 100), (-60, 50, 0), (100, 0, 100), (-100, 100, 0)],
)
def test_relative_single_direction(relative: int, before: int, after: int) -> None:
    params = {"openRelativePercent": relative}
    assert execute("OpenCloseRelative", params, {"openPercent": before}, TWO_WAY) == {
        "openPercent": after
    }


def test_relative_at_bound_stays_clamped() -> None:
    params = {"openRelativePercent": 10}
    assert execute("OpenCloseRelative", params, {"openPercent": 100}, TWO_WAY) == {
        "openPercent": 100
    }


@pytest.mark.parametrize(
    ("attributes", "states"),
    [
        ({"commandOnlyOpenClose": True}, {}),
        # stored states of a one-way device are only what earlier commands asked for
        ({"commandOnlyOpenClose": True}, {"openPercent": 50}),
        (TWO_WAY, {}),
        (UP_DOWN, {}),
        ({"openDirection": ["UP", "DOWN"], "commandOnlyOpenClose": True}, UP_DOWN_STATE),
    ],
)
def test_relative_without_a_known_position_changes_nothing(attributes: dict, states: dict) -> None:
    # "open the blinds a little more" on a one-way device: no invented absolute position; the
    # step itself goes to the device backend through the command record.
    params = {"openRelativePercent": -10}
    assert execute("OpenCloseRelative", params, states, attributes) == {}


def test_relative_multi_direction() -> None:
    params = {"openRelativePercent": -40, "openDirection": "DOWN"}
    assert execute("OpenCloseRelative", params, UP_DOWN_STATE, UP_DOWN) == {
        "openState": [
            {"openPercent": 50, "openDirection": "UP"},
            {"openPercent": 0, "openDirection": "DOWN"},
        ]
    }


def test_relative_discrete() -> None:
    params = {"openRelativePercent": 100}
    assert execute("OpenCloseRelative", params, {"openPercent": 0}, DISCRETE) == {
        "openPercent": 100
    }
    params = {"openRelativePercent": -30}
    code = _error("OpenCloseRelative", params, {"openPercent": 100}, DISCRETE)
    assert code == "discreteOnlyOpenClose"


@pytest.mark.parametrize(
    "params", [{}, {"openRelativePercent": 101}, {"openRelativePercent": -101}, {"x": 1}]
)
def test_relative_bad_params(params: dict) -> None:
    assert _error("OpenCloseRelative", params, {"openPercent": 0}, TWO_WAY) == "valueOutOfRange"


def test_query_states_and_flags() -> None:
    trait = TRAITS["action.devices.traits.OpenClose"]
    assert trait.query_states(UP_DOWN, {**UP_DOWN_STATE, "on": True}) == UP_DOWN_STATE
    moving = {"openPercent": 50, "targetOpenPercent": 100}
    assert trait.query_states(TWO_WAY, moving) == moving
    assert trait.query_states({"commandOnlyOpenClose": True}, moving) == {}
    assert not trait.accepts_commands({"queryOnlyOpenClose": True})


@pytest.mark.parametrize("command", ["OpenClose", "OpenCloseRelative"])
@pytest.mark.parametrize(
    ("states", "code"),
    [
        ({"openPercent": 0, "isLocked": True}, "lockedState"),
        ({"openPercent": 0, "isJammed": True}, "deviceJammingDetected"),
    ],
)
def test_a_locked_or_jammed_door_does_not_move(command: str, states: dict, code: str) -> None:
    # OpenClose's errors name lockedState (the device is locked) and deviceJammingDetected.
    params = {"openPercent": 100} if command == "OpenClose" else {"openRelativePercent": 50}
    assert _error(command, params, states, TWO_WAY) == code


def test_an_unlocked_door_opens() -> None:
    states = {"openPercent": 0, "isLocked": False}
    assert execute("OpenClose", {"openPercent": 100}, states, TWO_WAY) == {"openPercent": 100}


def test_golden_commands() -> None:
    # Params shaped as the OpenClose command documents them (openPercent, optional openDirection
    # and followUpToken; the command section of the page was read through Google's schema copy).
    params = {"openPercent": 100, "followUpToken": "456"}
    assert execute("OpenClose", params, {"openPercent": 0}, DISCRETE) == {"openPercent": 100}
    params = {"openPercent": 50, "openDirection": "DOWN"}
    assert execute("OpenClose", params, UP_DOWN_STATE, UP_DOWN)["openState"][1] == {
        "openPercent": 50,
        "openDirection": "DOWN",
    }


def test_golden_attributes() -> None:
    # The three SYNC examples of https://developers.home.google.com/cloud-to-cloud/traits/openclose
    # (?hl=es copy, whose command-only example says true where the English page has a typo).
    for attributes in (DISCRETE, UP_DOWN, {"commandOnlyOpenClose": True}):
        validate("OpenClose", attributes)
