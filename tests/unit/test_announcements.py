"""Follow-up responses and notifications: what is owed and the payloads (sending each once:
tests/contract/test_on_device_change.py)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.devices.announcements import (
    NotAnnounced,
    follow_up,
    follow_up_owed,
    notification,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
UNLOCK = [{"command": "action.devices.commands.LockUnlock", "params": {"lock": True}}]


def record(**changes: Any) -> dict[str, Any]:
    return {
        "executions": UNLOCK,
        "patch": {"isLocked": True},
        "followUpToken": "tok",
        "answer": "PENDING",
        "outcome": {"status": "SUCCESS", "states": {"isLocked": True}},
        **changes,
    }


@pytest.mark.parametrize(
    ("before", "after", "owed"),
    [
        (record(outcome=None), record(), True),
        (None, record(), True),
        (record(), record(announce={"by": "x"}), False),  # the outcome is not new
        (record(outcome=None), record(answer=None), False),  # Google heard the outcome itself
        (record(outcome=None), record(followUpToken=None), False),
        (record(outcome=None), record(answer="SUCCESS"), True),  # optimistic, then the truth
        (record(outcome=None), None, False),
    ],
)
def test_follow_up_owed(before: Any, after: Any, owed: bool) -> None:
    assert follow_up_owed(before, after) is owed


def test_lock_follow_ups_match_googles_page() -> None:
    # https://developers.home.google.com/cloud-to-cloud/traits/lockunlock (follow-up section)
    assert follow_up(record()) == (
        "LockUnlock",
        {
            "priority": 0,
            "followUpResponse": {"followUpToken": "tok", "status": "SUCCESS", "isLocked": True},
        },
    )
    jammed = record(outcome={"status": "ERROR", "errorCode": "deviceJammingDetected"})
    assert follow_up(jammed)[1]["followUpResponse"] == {
        "followUpToken": "tok",
        "status": "FAILURE",
        "errorCode": "deviceJammingDetected",
    }


@pytest.mark.parametrize(
    "outcome",
    [
        "SUCCESS",
        ["SUCCESS"],
        7,
        {"status": "SUCCESS", "states": "locked"},
        {"status": "ERROR", "errorCode": ["deviceJammingDetected"]},
        {"status": "DONE"},
    ],
)
def test_an_outcome_of_another_shape_is_a_failure_google_hears(outcome: Any) -> None:
    """A backend's ill-typed outcome never raises in the pipeline: Google's follow-up says the
    command failed (``hardError``), as EXECUTE's answer would."""
    assert follow_up(record(outcome=outcome))[1]["followUpResponse"] == {
        "followUpToken": "tok",
        "status": "FAILURE",
        "errorCode": "hardError",
    }


@pytest.mark.parametrize("executions", [None, [], "LockUnlock", [None], [["x"]]])
def test_executions_of_another_shape_are_not_announced(executions: Any) -> None:
    with pytest.raises(NotAnnounced):
        follow_up(record(executions=executions))


def test_a_command_without_follow_ups_is_not_announced() -> None:
    on = [{"command": "action.devices.commands.OnOff", "params": {"on": True}}]
    with pytest.raises(NotAnnounced):
        follow_up(record(executions=on))


DOORBELL = {
    "traits": ["action.devices.traits.ObjectDetection"],
    "notificationSupportedByAgent": True,
}
PRESS = {
    "trait": "ObjectDetection",
    "notification": {"detectionTimestamp": 1, "objects": {"familiar": 1}},
    "occurredAt": NOW,
}


def test_a_doorbell_notification_gets_priority_zero() -> None:
    assert notification(DOORBELL, PRESS, NOW) == (
        "ObjectDetection",
        {"priority": 0, "detectionTimestamp": 1, "objects": {"familiar": 1}},
    )


@pytest.mark.parametrize(
    ("device", "event", "reason"),
    [
        ({**DOORBELL, "notificationSupportedByAgent": False}, PRESS, "notificationSupported"),
        ({**DOORBELL, "traits": []}, PRESS, "does not declare"),
        (DOORBELL, {**PRESS, "occurredAt": NOW - timedelta(minutes=6)}, "old"),
        (DOORBELL, {**PRESS, "occurredAt": "yesterday"}, "timestamp"),
        (DOORBELL, {**PRESS, "notification": {"objects": {}}}, "lacks"),
        (DOORBELL, {**PRESS, "notification": {"x": float("nan")}}, "not JSON"),
        (None, PRESS, "gone"),
    ],
)
def test_events_google_would_refuse_are_not_announced(device: Any, event: Any, reason: str) -> None:
    with pytest.raises(NotAnnounced, match=reason):
        notification(device, event, NOW)
