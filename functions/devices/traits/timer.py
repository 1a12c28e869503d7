"""Timer: https://developers.home.google.com/cloud-to-cloud/traits/timer

``timerRemainingSec`` is -1 when no timer runs, else 0..``maxTimerLimitSec``; ``timerPaused`` is
true while an existing timer is paused. Error codes are the page's own: ``noTimerExists``,
``timerValueOutOfRange``, ``aboveMaximumTimerDuration``, ``belowMinimumTimerDuration``; a
missing or non-integer ``timerTimeSec`` answers the generic ``valueOutOfRange``.

Relative command: ``TimerAdjust`` adds to the remaining time. On a one-way device
(``commandOnlyTimer``) or when the document holds no ``timerRemainingSec``, the handler checks
the params and returns an empty patch rather than invent a remaining time; the device backend
receives the command and applies it. Pause/resume likewise change nothing they cannot know.

Where Google is silent:
- ``TimerStart`` while a timer exists replaces it;
- ``TimerAdjust`` beyond ``maxTimerLimitSec`` answers ``aboveMaximumTimerDuration`` and to
  0 s or less ``belowMinimumTimerDuration``; a step outside +/-``maxTimerLimitSec`` answers
  ``timerValueOutOfRange``;
- pausing a paused timer or resuming a running one is accepted (same state);
- the countdown itself is the device backend's: it writes ``timerRemainingSec`` as the timer
  runs. Counting down at QUERY time would need the time the value was written (a field the
  Firestore contract does not have) and a clock in ``Trait.query_states``.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields

NO_TIMER = -1
COMMAND_ONLY = "commandOnlyTimer"


def validate(attributes: Fields) -> None:
    attributes.integer("maxTimerLimitSec", required=True, low=1)
    attributes.boolean(COMMAND_ONLY)


def _limit(attributes: Mapping[str, Any]) -> Any:
    return attributes.get("maxTimerLimitSec")


def _remaining(attributes: Mapping[str, Any], states: States) -> int | None:
    """The stored remaining time (-1 = no timer), or None when unknown."""
    value = states.get("timerRemainingSec")
    if (
        attributes.get(COMMAND_ONLY) is True
        or isinstance(value, bool)
        or not isinstance(value, int)
    ):
        return None
    return value


def _existing(attributes: Mapping[str, Any], states: States) -> int | None:
    """The remaining time of the existing timer; None when unknown; raises if there is none."""
    remaining = _remaining(attributes, states)
    if remaining is not None and remaining < 0:
        raise SmartHomeError("noTimerExists", "no timer is running")
    return remaining


def _duration(attributes: Mapping[str, Any], seconds: int) -> int:
    limit = _limit(attributes)
    if limit is not None and seconds > limit:
        raise SmartHomeError("aboveMaximumTimerDuration", f"{seconds}s exceeds {limit}s")
    if seconds < 1:
        raise SmartHomeError("belowMinimumTimerDuration", f"{seconds}s is below 1s")
    return seconds


def timer_start(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Start a new timer of ``timerTimeSec`` seconds, in [1, maxTimerLimitSec]."""
    seconds = _duration(attributes, params.integer("timerTimeSec", required=True))
    return {"timerRemainingSec": seconds, "timerPaused": False}


def timer_adjust(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Add ``timerTimeSec`` (signed, within +/-maxTimerLimitSec) to the existing timer."""
    step = params.integer("timerTimeSec", required=True)
    limit = _limit(attributes)
    if limit is not None and abs(step) > limit:
        raise SmartHomeError("timerValueOutOfRange", f"{step}s is outside +/-{limit}s")
    remaining = _existing(attributes, states)
    if remaining is None:
        return {}
    return {"timerRemainingSec": _duration(attributes, remaining + step)}


def timer_pause(attributes: Mapping[str, Any], states: States, _params: Fields) -> Patch:
    """Pause the existing timer."""
    return {} if _existing(attributes, states) is None else {"timerPaused": True}


def timer_resume(attributes: Mapping[str, Any], states: States, _params: Fields) -> Patch:
    """Resume the existing timer."""
    return {} if _existing(attributes, states) is None else {"timerPaused": False}


def timer_cancel(attributes: Mapping[str, Any], states: States, _params: Fields) -> Patch:
    """Cancel the existing timer: no timer runs afterwards, whatever was stored."""
    _existing(attributes, states)
    return {"timerRemainingSec": NO_TIMER, "timerPaused": False}


TRAIT = Trait(
    name=TRAIT_PREFIX + "Timer",
    states=("timerRemainingSec", "timerPaused"),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "TimerStart": timer_start,
        COMMAND_PREFIX + "TimerAdjust": timer_adjust,
        COMMAND_PREFIX + "TimerPause": timer_pause,
        COMMAND_PREFIX + "TimerResume": timer_resume,
        COMMAND_PREFIX + "TimerCancel": timer_cancel,
    },
    command_only_attribute=COMMAND_ONLY,
)
