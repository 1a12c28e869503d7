import pytest

from functions.devices.traits import COMMANDS, TRAITS
from tests.unit.traits.helpers import validate

# Golden QUERY examples from https://developers.home.google.com/cloud-to-cloud/traits/runcycle
# (intro and first state read on the ?hl=de copy; the examples from Google's smart-home schema).
RINSE = {
    "currentRunCycle": [{"currentCycle": "rinse", "lang": "en"}],
    "currentTotalRemainingTime": 1200,
    "currentCycleRemainingTime": 300,
}
RINSE_THEN_SPIN = {
    "currentRunCycle": [{"currentCycle": "rinse", "nextCycle": "spin", "lang": "en"}],
    "currentTotalRemainingTime": 600,
    "currentCycleRemainingTime": 300,
}
TRAIT = TRAITS["action.devices.traits.RunCycle"]


@pytest.mark.parametrize("states", [RINSE, RINSE_THEN_SPIN])
def test_documented_query_states(states: dict) -> None:
    assert TRAIT.query_states({}, {**states, "isRunning": True}) == states


def test_remaining_time_only() -> None:
    assert TRAIT.query_states({}, {"currentTotalRemainingTime": 90}) == {
        "currentTotalRemainingTime": 90
    }


def test_read_only() -> None:
    validate("RunCycle", {})
    assert TRAIT.commands == {}
    assert TRAIT not in COMMANDS.values()
