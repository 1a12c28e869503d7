"""Follow-up responses and notifications: what is owed, the payloads, and sending each once."""

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.core.config import Config
from functions.homegraph import deliver
from functions.homegraph.announcements import (
    NotAnnounced,
    follow_up,
    follow_up_owed,
    notification,
)
from functions.homegraph.calls import Redeliver
from functions.homegraph.client import HomeGraphError
from functions.homegraph.pipeline import Pipeline
from functions.homegraph.records import command_path, device_path, event_path
from tests.unit.fakes import ScriptedHomeGraph

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


class MemoryRecords:
    """The Records interface in memory."""

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.documents = documents

    def read(self, path: str) -> tuple[dict[str, Any] | None, int]:
        return copy.deepcopy(self.documents.get(path)), 1

    def claim(self, path: str, holder: str, now: int, lease: int) -> bool:
        held = self.documents[path].get("announce") or {}
        if held.get("doneAt") or (held.get("by") not in (None, holder) and held["until"] > now):
            return False
        self.documents[path]["announce"] = {"by": holder, "until": now + lease}
        return True

    def finish(self, path: str, holder: str, now: datetime) -> None:
        self.documents[path]["announce"] = {"by": holder, "doneAt": now}

    def release(self, path: str, holder: str) -> None:
        self.documents[path].pop("announce", None)

    def overdue_commands(self, now: datetime, limit: int) -> list[str]:
        return [
            p
            for p, d in self.documents.items()
            if "/commands/" in p and d.get("outcome") is None and d["deadline"] < now
        ][:limit]

    def expire(self, path: str, outcome: dict[str, Any]) -> bool:
        if self.documents[path].get("outcome") is not None:
            return False
        self.documents[path]["outcome"] = outcome
        return True

    def stale_reports(self, before: int, limit: int) -> list[tuple[str, str, int, dict[str, Any]]]:
        found = []
        for path, data in self.documents.items():
            segments = path.split("/")
            outbox = len(segments) == 4 and segments[2] == "reportState" and data["pending"]
            if outbox and data["version"] < before:
                found.append((segments[1], segments[3], data["version"], data["states"]))
        return found[:limit]


def pipeline(homegraph: ScriptedHomeGraph, records: MemoryRecords) -> Pipeline:
    config = Config(project_id="p", homegraph_calls_per_minute=0, homegraph_retry_seconds=0)
    return Pipeline(None, lambda: homegraph, config, sleep=lambda _: None, records=records)  # type: ignore[arg-type]


FOLLOW_UP = {"kind": "followup", "agentUserId": "u", "deviceId": "lock", "commandId": "c1"}


def test_a_follow_up_delivered_twice_is_sent_once() -> None:
    records = MemoryRecords({command_path("u", "lock", "c1"): record()})
    google = ScriptedHomeGraph()
    deliver.deliver(pipeline(google, records), records, FOLLOW_UP, "m1")
    deliver.deliver(pipeline(google, records), records, FOLLOW_UP, "m2")
    assert [(user, event) for user, event, _ in google.announcements] == [("u", "c1")]


def test_a_failed_call_releases_the_claim_for_the_redelivery() -> None:
    records = MemoryRecords({command_path("u", "lock", "c1"): record()})
    google = ScriptedHomeGraph()
    google.failures = [HomeGraphError(503, "unavailable")] * 20
    with pytest.raises(Redeliver):
        deliver.deliver(pipeline(google, records), records, FOLLOW_UP, "m1")
    google.failures = []
    deliver.deliver(pipeline(google, records), records, FOLLOW_UP, "m2")
    assert len(google.announcements) == 1


def test_a_notification_names_its_event() -> None:
    records = MemoryRecords(
        {device_path("u", "bell"): dict(DOORBELL), event_path("u", "bell", "e1"): dict(PRESS)}
    )
    records.documents[event_path("u", "bell", "e1")]["occurredAt"] = datetime.now(UTC)
    google = ScriptedHomeGraph()
    data = {"kind": "notification", "agentUserId": "u", "deviceId": "bell", "eventId": "e1"}
    deliver.deliver(pipeline(google, records), records, data, "m1")
    assert google.announcements[0][:2] == ("u", "e1")
    assert set(google.announcements[0][2]["bell"]) == {"ObjectDetection"}


def test_the_sweep_reports_states_whose_messages_were_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """One turn per user (it reports every pending state of the user); fresh states wait."""
    records = MemoryRecords(
        {
            "users/u/reportState/a": {"pending": True, "version": 10, "states": {"on": True}},
            "users/u/reportState/b": {"pending": True, "version": 11, "states": {"on": False}},
            "users/v/reportState/c": {"pending": True, "version": 12, "states": {"on": True}},
            "users/w/reportState/d": {"pending": True, "version": 10**30, "states": {}},
            "users/x/reportState/e": {"pending": False, "version": 1, "states": {}},
        }
    )
    turns: list[dict[str, Any]] = []
    monkeypatch.setattr(deliver, "report_state", lambda _p, data, _m: turns.append(data))
    deliver.report_stale(pipeline(ScriptedHomeGraph(), records), records, "sweep-1")
    assert [(t["agentUserId"], t["deviceId"]) for t in turns] == [("u", "a"), ("v", "c")]
