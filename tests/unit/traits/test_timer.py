import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Golden SYNC/QUERY/EXECUTE examples from https://developers.home.google.com/cloud-to-cloud/traits/timer
# (English page; commands and their error lists read on the ?hl=zh-cn and ?hl=ja copies).
TWO_HOURS = {"maxTimerLimitSec": 7200}
NOT_RUNNING = {"timerRemainingSec": -1}
RUNNING = {"timerRemainingSec": 60}
PAUSED = {"timerRemainingSec": 30, "timerPaused": True}
ONE_WAY = {**TWO_HOURS, "commandOnlyTimer": True}


def _code(command: str, params: dict, states: dict, attributes: dict = TWO_HOURS) -> str:
    with pytest.raises(SmartHomeError) as raised:
        execute(command, params, states, attributes)
    return raised.value.code


@pytest.mark.parametrize("attributes", [TWO_HOURS, ONE_WAY, {"maxTimerLimitSec": 1}])
def test_valid_attributes(attributes: dict) -> None:
    validate("Timer", attributes)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({}, "maxTimerLimitSec is required"),
        ({"maxTimerLimitSec": 0}, "maxTimerLimitSec=0 is outside"),
        ({"maxTimerLimitSec": 60.5}, "maxTimerLimitSec must be an integer"),
        ({"maxTimerLimitSec": "7200"}, "maxTimerLimitSec must be a number"),
        ({**TWO_HOURS, "commandOnlyTimer": "true"}, "commandOnlyTimer must be a boolean"),
    ],
)
def test_invalid_attributes(attributes: dict, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("Timer", attributes)


@pytest.mark.parametrize("states", [NOT_RUNNING, RUNNING, PAUSED])
def test_documented_query_states(states: dict) -> None:
    trait = TRAITS["action.devices.traits.Timer"]
    assert trait.query_states(TWO_HOURS, {**states, "on": True}) == states
    assert trait.query_states(ONE_WAY, states) == {}


def test_start_the_documented_five_minute_timer() -> None:
    assert execute("TimerStart", {"timerTimeSec": 300}, NOT_RUNNING, TWO_HOURS) == {
        "timerRemainingSec": 300,
        "timerPaused": False,
    }


def test_start_replaces_a_running_timer_and_works_one_way() -> None:
    assert (
        execute("TimerStart", {"timerTimeSec": 7200}, PAUSED, TWO_HOURS)["timerRemainingSec"]
        == 7200
    )
    assert execute("TimerStart", {"timerTimeSec": 1}, {}, ONE_WAY)["timerRemainingSec"] == 1


@pytest.mark.parametrize(
    ("seconds", "code"),
    [
        (7201, "aboveMaximumTimerDuration"),
        (0, "belowMinimumTimerDuration"),
        (-5, "belowMinimumTimerDuration"),
        (1.5, "valueOutOfRange"),
        ("300", "valueOutOfRange"),
        (None, "valueOutOfRange"),
    ],
)
def test_start_errors(seconds: object, code: str) -> None:
    assert _code("TimerStart", {"timerTimeSec": seconds}, NOT_RUNNING) == code


@pytest.mark.parametrize(("step", "after"), [(60, 120), (-30, 30), (7140, 7200), (-59, 1)])
def test_adjust_a_running_timer(step: int, after: int) -> None:
    assert execute("TimerAdjust", {"timerTimeSec": step}, RUNNING, TWO_HOURS) == {
        "timerRemainingSec": after
    }


@pytest.mark.parametrize(
    ("step", "states", "code"),
    [
        (60, NOT_RUNNING, "noTimerExists"),
        (7141, RUNNING, "aboveMaximumTimerDuration"),
        (-60, RUNNING, "belowMinimumTimerDuration"),
        (7201, RUNNING, "timerValueOutOfRange"),
        (-7201, RUNNING, "timerValueOutOfRange"),
        (7201, NOT_RUNNING, "timerValueOutOfRange"),
        ("60", RUNNING, "valueOutOfRange"),
    ],
)
def test_adjust_errors(step: object, states: dict, code: str) -> None:
    assert _code("TimerAdjust", {"timerTimeSec": step}, states) == code


@pytest.mark.parametrize(
    ("states", "attributes"),
    [({}, TWO_HOURS), ({"timerRemainingSec": "60"}, TWO_HOURS), (RUNNING, ONE_WAY)],
)
def test_adjust_never_invents_a_remaining_time(states: dict, attributes: dict) -> None:
    assert execute("TimerAdjust", {"timerTimeSec": 60}, states, attributes) == {}
    assert (
        _code("TimerAdjust", {"timerTimeSec": 9000}, states, attributes) == "timerValueOutOfRange"
    )


def test_pause_resume_cancel() -> None:
    assert execute("TimerPause", {}, RUNNING, TWO_HOURS) == {"timerPaused": True}
    assert execute("TimerResume", {}, PAUSED, TWO_HOURS) == {"timerPaused": False}
    assert execute("TimerCancel", {}, PAUSED, TWO_HOURS) == {
        "timerRemainingSec": -1,
        "timerPaused": False,
    }


@pytest.mark.parametrize("command", ["TimerPause", "TimerResume", "TimerCancel"])
def test_no_timer_exists(command: str) -> None:
    assert _code(command, {}, NOT_RUNNING) == "noTimerExists"


@pytest.mark.parametrize("command", ["TimerPause", "TimerResume"])
def test_pause_and_resume_with_an_unknown_timer_change_nothing(command: str) -> None:
    assert execute(command, {}, {}, TWO_HOURS) == {}
    assert execute(command, {}, RUNNING, ONE_WAY) == {}


def test_cancel_with_an_unknown_timer_still_ends_it() -> None:
    assert execute("TimerCancel", {}, {}, ONE_WAY) == {
        "timerRemainingSec": -1,
        "timerPaused": False,
    }
