"""on_device_change over both ledger adapters (memory, the Firestore emulator), with a scripted
Home Graph: Request Sync, Report State, announcements, the sweep, the accuracy check; each
message delivered one at a time, as the ordered push subscription delivers one user's messages."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.core import logs
from functions.core.paths import command_path, device_path, event_path
from functions.core.units import SECOND
from functions.on_device_change.client import HomeGraphError
from functions.on_device_change.errors import Redeliver
from functions.on_device_change.quota import CallBudget
from functions.on_device_change.router import handle_change
from tests.support.fakes import ScriptedHomeGraph
from tests.support.pipeline import (
    Home,
    outlet,
    pipeline,
    reportable,
    scheduled,
    state,
    sync,
)
from tests.support.world import log_lines


@pytest.fixture
def google() -> ScriptedHomeGraph:
    return ScriptedHomeGraph()


@pytest.fixture
def linked(home: Home, user: str) -> str:
    home.link(user)
    return user


def ours(google: ScriptedHomeGraph, user: str) -> list[dict[str, Any]]:
    """The Report State calls for one user (a scheduled job may serve other tests' users)."""
    return [states for reported, states in google.reports if reported == user]


def write(home: Home, user: str, device: str, on: bool) -> dict[str, Any]:
    """A device backend's write, and the state message on_device_written publishes for it."""
    version = home.write(user, device, outlet(on))
    return state(user, device, version, reportable(on))


# --- Request Sync -----------------------------------------------------------------------------


def test_request_sync_is_sent_once_per_covered_change(home, google, clock, linked) -> None:
    run = pipeline(home, google, clock)
    first = clock.now - SECOND
    handle_change(run, sync(linked, first))
    assert google.syncs == [linked]
    handle_change(run, sync(linked, first + 1))
    assert google.syncs == [linked], "a change committed before the last sync is covered"
    clock.now += SECOND
    handle_change(run, sync(linked, clock.now))
    assert google.syncs == [linked, linked]
    assert clock.slept and 8.9 < sum(clock.slept) <= 10, "sends are spaced by the interval"


def test_a_redelivered_sync_message_sends_nothing_more(home, google, clock, linked) -> None:
    run, delivery = pipeline(home, google, clock), sync(linked, clock.now - 1)
    handle_change(run, delivery)
    handle_change(run, delivery)
    assert google.syncs == [linked]


def test_a_burst_of_200_sync_messages_in_order_makes_one_call_per_interval(
    home, google, clock, linked
) -> None:
    run = pipeline(home, google, clock, request_sync_min_interval_seconds=1)
    start = clock.now
    changes = [start + n * 10_000_000 for n in range(200)]  # a structural write every 10 ms
    for changed_at in changes:
        clock.now = max(clock.now, changed_at + 1_000_000)  # its message comes after the write
        handle_change(run, sync(linked, changed_at))
    assert 1 <= len(google.syncs) <= 3, "one per interval of the 2 s burst"
    assert home.ledger.user(linked).sync_sent_at > max(changes), "the last sync covers all"


def test_request_sync_retries_transient_errors(home, google, clock, linked) -> None:
    google.failures = [HomeGraphError(429, "busy"), HomeGraphError(None, "timeout", retryable=True)]
    handle_change(pipeline(home, google, clock), sync(linked, clock.now - 1))
    assert google.syncs == [linked]


def test_request_sync_gives_up_to_pubsub_after_its_budget(home, google, clock, linked) -> None:
    google.failures = [HomeGraphError(503, "down")] * 50
    run, delivery = pipeline(home, google, clock), sync(linked, clock.now - 1)
    with pytest.raises(Redeliver):
        handle_change(run, delivery)
    google.failures = []
    handle_change(run, delivery)
    assert google.syncs == [linked], "the redelivered message sends"


def test_request_sync_404_after_the_grace_period_unlinks(home, google, clock, linked) -> None:
    clock.now += 120 * SECOND
    google.failures = [HomeGraphError(404, "Requested entity was not found.")]
    run = pipeline(home, google, clock)
    handle_change(run, sync(linked, clock.now - 1))
    assert home.ledger.user(linked).linked_at is None
    handle_change(run, sync(linked, clock.now))
    assert google.syncs == [], "nothing is sent for an unlinked user"


def test_request_sync_404_for_a_new_user_is_retried(home, google, clock, linked) -> None:
    google.failures = [HomeGraphError(404, "not yet")]
    with pytest.raises(Redeliver):
        handle_change(pipeline(home, google, clock), sync(linked, clock.now - 1))


@pytest.mark.parametrize("status", [400, 403])
def test_request_sync_400_and_403_are_logged_not_retried(
    home, google, clock, linked, status, capsys
) -> None:
    google.failures = [HomeGraphError(status, "bad")]
    handle_change(pipeline(home, google, clock), sync(linked, clock.now - 1))
    assert google.syncs == []
    errors = [e for e in log_lines(capsys.readouterr().out) if e["severity"] == "ERROR"]
    assert [(e["message"], e["status"]) for e in errors] == [
        ("request sync refused; not retried", status)
    ]


# --- Report State -----------------------------------------------------------------------------


def test_a_state_is_reported_as_the_device_is_now_and_never_goes_back(
    home, google, clock, linked
) -> None:
    run = pipeline(home, google, clock)
    stale = write(home, linked, "lamp", False)
    latest = write(home, linked, "lamp", True)
    handle_change(run, latest)
    handle_change(run, latest)
    handle_change(run, stale)
    assert google.reports == [(linked, {"lamp": reportable(True)})]
    handle_change(run, write(home, linked, "lamp", False))
    assert google.reports[-1] == (linked, {"lamp": reportable(False)})
    assert len(google.reports) == 2


def test_piled_up_messages_of_one_device_report_once(home, google, clock, linked) -> None:
    run = pipeline(home, google, clock)
    messages = [write(home, linked, "lamp", n % 2 == 0) for n in range(5)]
    for delivered in messages:
        handle_change(run, delivered)
    assert google.reports == [(linked, {"lamp": reportable(True)})]


def test_a_later_write_that_changed_only_the_name_does_not_hide_the_state(
    home, google, clock, linked
) -> None:
    message = write(home, linked, "lamp", True)
    home.write(linked, "lamp", {**outlet(True), "name": {"name": "Renamed"}})
    handle_change(pipeline(home, google, clock), message)
    assert google.reports == [(linked, {"lamp": reportable(True)})]


def test_a_later_change_of_traits_reports_the_states_as_they_are_now(
    home, google, clock, linked
) -> None:
    message = write(home, linked, "lamp", True)
    light = {
        **outlet(True),
        "traits": ["action.devices.traits.OnOff", "action.devices.traits.Brightness"],
        "states": {"online": True, "on": True, "brightness": 40},
    }
    home.write(linked, "lamp", light)
    handle_change(pipeline(home, google, clock), message)
    assert google.reports == [(linked, {"lamp": {"on": True, "brightness": 40, "online": True}})]


def test_an_invalid_or_deleted_device_is_logged_and_acknowledged(
    home, google, clock, linked, capsys
) -> None:
    run = pipeline(home, google, clock)
    broken = write(home, linked, "broken", True)
    home.write(linked, "broken", {**outlet(True), "deviceError": ["not", "a", "code"]})
    gone = write(home, linked, "gone", True)
    home.delete(linked, "gone")
    handle_change(run, broken)
    handle_change(run, gone)
    handle_change(run, write(home, linked, "fine", True))
    assert google.reports == [(linked, {"fine": reportable(True)})]
    reasons = [e.get("reason", "") for e in log_lines(capsys.readouterr().out)]
    assert any(r.startswith("invalid device document") for r in reasons)
    assert "the device is gone" in reasons


def test_report_404_for_a_new_user_is_retried_then_delivered(home, google, clock, linked) -> None:
    google.failures = [HomeGraphError(404, "unknown user"), HomeGraphError(404, "unknown user")]
    run, delivery = pipeline(home, google, clock), write(home, linked, "lamp", True)
    with pytest.raises(Redeliver):
        handle_change(run, delivery)
    handle_change(run, delivery)
    assert google.reports == [(linked, {"lamp": reportable(True)})]


def test_unlinked_users_get_no_calls(home, google, clock, user) -> None:
    run = pipeline(home, google, clock)
    handle_change(run, write(home, user, "lamp", True))
    handle_change(run, sync(user, clock.now))
    home.link(user)
    home.unlink(user)
    handle_change(run, write(home, user, "lamp", False))
    assert (google.reports, google.syncs) == ([], [])


@pytest.mark.parametrize(
    "raw",
    [
        {"data": "not base64!", "messageId": "1"},
        {"data": "WzFd", "messageId": "2"},
        {"data": "eyJraW5kIjoidGVsZXBvcnQiLCJhZ2VudFVzZXJJZCI6InUiLCJkZXZpY2VJZCI6ImQifQ=="},
        {"data": None},
    ],
)
def test_malformed_messages_are_logged_and_acknowledged(home, google, clock, raw, capsys) -> None:
    handle_change(pipeline(home, google, clock), raw)
    assert (google.reports, google.syncs) == ([], [])
    assert '"malformed message; dropped"' in capsys.readouterr().out


def test_old_messages_get_one_last_try_then_an_error(home, google, clock, linked, capsys) -> None:
    old = {**sync(linked, 1), "publishTime": "2020-01-01T00:00:00Z"}
    google.failures = [HomeGraphError(503, "down")] * 50
    run = pipeline(home, google, clock)
    handle_change(run, old)
    assert google.syncs == []
    assert '"message too old to retry; dropped"' in capsys.readouterr().out
    google.failures = []
    handle_change(run, old)
    assert google.syncs == [linked], "an old message is still processed when it can be"


def test_report_404_for_an_unknown_device_requests_sync_and_keeps_the_user(
    home, google, clock, linked
) -> None:
    clock.now += 120 * SECOND
    google.failures = [HomeGraphError(404, "Device ID cannot be found")]
    handle_change(pipeline(home, google, clock), write(home, linked, "new-lamp", True))
    assert google.syncs == [linked]
    assert home.ledger.user(linked).linked_at is not None


def test_report_404_for_an_unknown_user_unlinks_after_the_grace_period(
    home, google, clock, linked
) -> None:
    clock.now += 120 * SECOND
    google.failures = [HomeGraphError(404, "unknown user"), HomeGraphError(404, "unknown user")]
    handle_change(pipeline(home, google, clock), write(home, linked, "lamp", True))
    assert home.ledger.user(linked).linked_at is None


def test_a_400_right_after_a_request_sync_is_retried(home, google, clock, linked) -> None:
    run = pipeline(home, google, clock)
    handle_change(run, sync(linked, clock.now - 1))
    google.failures = [HomeGraphError(400, "state of an undeclared trait")]
    delivery = write(home, linked, "lamp", True)
    with pytest.raises(Redeliver):
        handle_change(run, delivery)
    handle_change(run, delivery)
    assert google.reports == [(linked, {"lamp": reportable(True)})]


def test_a_400_long_after_any_sync_is_logged_not_retried(
    home, google, clock, linked, capsys
) -> None:
    google.failures = [HomeGraphError(400, "Invalid argument")]
    handle_change(pipeline(home, google, clock), write(home, linked, "lamp", True))
    assert google.reports == []
    assert '"report state refused; not retried"' in capsys.readouterr().out


def test_every_home_graph_call_is_logged_with_its_status(
    home, google, clock, linked, capsys
) -> None:
    google.failures = [HomeGraphError(503, "down")]
    handle_change(pipeline(home, google, clock), write(home, linked, "lamp", True))
    calls = [e for e in log_lines(capsys.readouterr().out) if e["message"] == "homegraph call"]
    assert [(c["method"], c["status"], c["severity"]) for c in calls] == [
        ("reportState", 503, "WARNING"),
        ("reportState", 200, "INFO"),
    ]
    assert all(c["latencyMs"] >= 0 for c in calls)


def test_no_call_starts_when_the_delivery_has_no_time_left(home, google, clock, linked) -> None:
    run = pipeline(home, google, clock, message_deadline_seconds=15, homegraph_timeout_seconds=10)
    google.failures = [HomeGraphError(503, "down")] * 20
    with pytest.raises(Redeliver, match="no time left"):
        handle_change(run, write(home, linked, "lamp", True))
    assert len(google.failures) == 19, "one attempt, then no retry could finish in time"


# --- a failed state message is owed; the sweep reports it --------------------------------------


def test_a_state_message_given_up_is_reported_by_the_sweep(home, google, clock, linked) -> None:
    run = pipeline(home, google, clock, max_event_age_seconds=0)
    google.failures = [HomeGraphError(503, "down")] * 50
    old = {**write(home, linked, "lamp", True), "publishTime": "2020-01-01T00:00:00Z"}
    handle_change(run, old)  # dropped as too old, but owed
    google.failures = []
    handle_change(run, scheduled("sweep"))
    assert ours(google, linked) == [], "a fresh debt waits: the message's retries may be racing"
    clock.now += 121 * SECOND
    handle_change(run, scheduled("sweep"))
    assert ours(google, linked) == [{"lamp": reportable(True)}]
    handle_change(run, scheduled("sweep"))
    assert len(ours(google, linked)) == 1, "the debt is settled"


def test_the_sweep_expires_an_unanswered_command_and_reports_its_device(
    home, google, clock, linked
) -> None:
    home.write(linked, "lock", outlet(True))
    overdue = datetime.now(UTC) - timedelta(minutes=1)
    record: dict[str, Any] = {
        "mode": "confirmed",
        "outcome": None,
        "deadline": overdue,
        "executions": [],
    }
    home.put(command_path(linked, "lock", "c1"), record)
    handle_change(pipeline(home, google, clock), scheduled("sweep"))
    expired = home.get(command_path(linked, "lock", "c1")) or {}
    assert expired["outcome"] == {"status": "ERROR", "errorCode": "deviceOffline", "expired": True}
    assert ours(google, linked) == [{"lock": reportable(True)}]


# --- announcements ----------------------------------------------------------------------------

UNLOCK = [{"command": "action.devices.commands.LockUnlock", "params": {"lock": True}}]
OWED_FOLLOW_UP = {
    "executions": UNLOCK,
    "patch": {"isLocked": True},
    "followUpToken": "tok",
    "answer": "PENDING",
    "outcome": {"status": "SUCCESS", "states": {"isLocked": True}},
}


def follow_up(user: str) -> dict[str, Any]:
    from tests.support.pipeline import message

    data = {"kind": "followup", "agentUserId": user, "deviceId": "lock", "commandId": "c1"}
    return message(data)


def test_a_follow_up_delivered_twice_is_sent_once(home, google, clock, linked) -> None:
    home.put(command_path(linked, "lock", "c1"), dict(OWED_FOLLOW_UP))
    run = pipeline(home, google, clock)
    handle_change(run, follow_up(linked))
    handle_change(run, follow_up(linked))
    assert [(user, event) for user, event, _ in google.announcements] == [(linked, "c1")]
    lock = google.announcements[0][2]["lock"]["LockUnlock"]
    assert lock == {
        "priority": 0,
        "followUpResponse": {"status": "SUCCESS", "isLocked": True, "followUpToken": "tok"},
    }


def test_a_failed_announcement_is_sent_by_the_redelivery(home, google, clock, linked) -> None:
    home.put(command_path(linked, "lock", "c1"), dict(OWED_FOLLOW_UP))
    run = pipeline(home, google, clock)
    google.failures = [HomeGraphError(503, "unavailable")] * 20
    with pytest.raises(Redeliver):
        handle_change(run, follow_up(linked))
    google.failures = []
    handle_change(run, follow_up(linked))
    assert len(google.announcements) == 1


def test_a_notification_names_its_event(home, google, clock, linked) -> None:
    from tests.support.pipeline import message

    doorbell = {
        "type": "action.devices.types.DOORBELL",
        "traits": ["action.devices.traits.ObjectDetection"],
        "name": {"name": "Front door"},
        "willReportState": False,
        "notificationSupportedByAgent": True,
        "states": {"online": True},
    }
    home.write(linked, "bell", doorbell)
    press = {
        "trait": "ObjectDetection",
        "occurredAt": datetime.now(UTC),
        "notification": {
            "objects": {"named": ["Alice"]},
            "priority": 0,
            "detectionTimestamp": 1,
        },
    }
    home.put(event_path(linked, "bell", "e1"), press)
    data = {"kind": "notification", "agentUserId": linked, "deviceId": "bell", "eventId": "e1"}
    handle_change(pipeline(home, google, clock), message(data))
    assert google.announcements[0][:2] == (linked, "e1")
    assert set(google.announcements[0][2]["bell"]) == {"ObjectDetection"}


def test_an_unlinked_users_announcement_is_not_sent(home, google, clock, user) -> None:
    home.put(command_path(user, "lock", "c1"), dict(OWED_FOLLOW_UP))
    handle_change(pipeline(home, google, clock), follow_up(user))
    assert google.announcements == []


# --- state accuracy ---------------------------------------------------------------------------


def test_the_accuracy_check_reports_and_repairs_a_divergence(home, google, clock, capsys) -> None:
    users = [f"acc-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    for user in users:
        home.link(user)
        for device in ("a", "b"):
            home.write(user, device, outlet(True))
    clock.now += 61 * SECOND  # every device settled
    held = {(u, d): reportable(True) for u in users for d in ("a", "b")}
    held[(users[1], "b")] = reportable(False)  # Google's view diverged
    google.held = held
    run = pipeline(home, google, clock, accuracy_sample_users=1000, accuracy_settled_seconds=60)
    handle_change(run, scheduled("accuracy"))
    lines = log_lines(capsys.readouterr().out)
    refs = {logs.user_ref(u): u for u in users}
    mismatches = [e for e in lines if e["message"] == "state mismatch" and e["user"] in refs]
    assert [(refs[m["user"]], m["deviceId"], m["traits"]) for m in mismatches] == [
        (users[1], "b", ["OnOff"])
    ]
    summary = next(e for e in lines if e["message"] == "state accuracy")
    assert summary["checked"] >= 6 and summary["checked"] > summary["exact"]
    assert summary["accuracy"] == round(summary["exact"] / summary["checked"], 6)
    assert ours(google, users[1]) == [{"b": reportable(True)}], "the divergence is repaired"


def test_the_ledger_can_find_linked_users_from_any_point(home, clock) -> None:
    prefix = f"scan-{uuid.uuid4().hex[:6]}"
    users = [f"{prefix}-{n}" for n in range(5)]
    for user in users:
        home.link(user)
    home.unlink(users[2])
    found = home.ledger.linked_users(f"{prefix}-1", 3)
    assert found == [users[1], users[3], users[4]]


def test_what_the_ledger_reads_of_a_device_is_its_document_and_version(home, linked) -> None:
    version = home.write(linked, "lamp", outlet(True))
    read = home.ledger.device(linked, "lamp")
    assert read is not None and (dict(read.document), read.version) == (outlet(True), version)
    assert home.ledger.device(linked, "nothing") is None
    assert set(home.ledger.devices(linked)[0]) == {"lamp"}
    assert json.dumps(home.get(device_path(linked, "lamp")), default=str)


# --- folding a user's queued messages ---------------------------------------------------------


def test_queued_messages_are_folded_into_one_call(home, google, clock, linked) -> None:
    run = pipeline(home, google, clock)
    queued = [write(home, linked, f"d{n % 4}", n % 3 == 0) for n in range(12)]
    late = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    for delivered in queued:
        handle_change(run, {**delivered, "publishTime": late})
    assert len(google.reports) == 1, "the first queued message folds the user's devices"
    final = {f"d{n}": reportable(n % 3 == 0) for n in range(8, 12)}
    assert google.reports[0] == (linked, {f"d{n - 8}": final[f"d{n}"] for n in range(8, 12)})
    assert home.ledger.user(linked).reported_through >= max(m_version(m) for m in queued)


def test_a_fold_never_hides_a_write_committed_after_it(home, google, clock, linked) -> None:
    run = pipeline(home, google, clock)
    late = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    first = write(home, linked, "a", True)
    write(home, linked, "b", True)
    write(home, linked, "a", False)
    handle_change(run, {**first, "publishTime": late})
    assert google.reports == [(linked, {"a": reportable(False), "b": reportable(True)})]
    assert home.ledger.user(linked).reported_through > 0
    after = write(home, linked, "a", True)
    handle_change(run, after)
    assert google.reports[-1] == (linked, {"a": reportable(True)})


def test_a_late_message_that_nothing_superseded_is_reported_alone(
    home, google, clock, linked
) -> None:
    """A message may be late because every user's messages are (a backlog of the whole
    subscription): that alone is no reason to read the user's other devices."""
    run = pipeline(home, google, clock)
    write(home, linked, "b", True)
    late = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    handle_change(run, {**write(home, linked, "a", True), "publishTime": late})
    assert google.reports == [(linked, {"a": reportable(True)})]
    assert home.ledger.user(linked).reported_through == 0


def test_a_home_too_large_to_fold_reports_device_by_device(home, google, clock, linked) -> None:
    run = pipeline(home, google, clock)
    for n in range(25):
        write(home, linked, f"d{n:02d}", False)
    late = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    stale = write(home, linked, "d00", True)
    write(home, linked, "d00", False)
    newest = write(home, linked, "d01", True)
    for message in (stale, newest):
        handle_change(run, {**message, "publishTime": late})
    assert google.reports == [
        (linked, {"d00": reportable(False)}),  # the stale message reports the state now
        (linked, {"d01": reportable(True)}),
    ]
    assert home.ledger.user(linked).reported_through == 0


def test_a_chain_of_superseded_messages_cannot_hold_a_device_back(
    home, google, clock, linked
) -> None:
    """Each message arrives young, but the next write has always superseded it: left each to
    the next, Google's view of the device would wait for the writes to stop. Once the device
    has waited FOLD_AFTER_SECONDS, its user is folded."""
    run = pipeline(home, google, clock)
    write(home, linked, "other", False)
    chain = [write(home, linked, "lamp", n < 7) for n in range(8)]  # on, ..., on, off
    clock.now = m_version(chain[0])
    delivered = 0
    while not google.reports and delivered < len(chain) - 1:
        handle_change(run, chain[delivered])
        delivered += 1
        clock.now += int(0.3 * SECOND)
    assert delivered == 5, "skipped while the device had waited under a second, then folded"
    assert google.reports == [(linked, {"lamp": reportable(False), "other": reportable(False)})]


class SaturatedBudget(CallBudget):
    """The project's Home Graph budget spent by other instances: every call waits ``seconds``
    for its place (on the test's clock)."""

    def __init__(self, home: Home, clock: Any, seconds: float) -> None:
        super().__init__(home.ledger, 0, 0.1, clock=clock, sleep=clock.sleep)
        self.seconds = seconds

    def take(self, kind: str, until: int) -> float | None:
        self.sleep(self.seconds)
        return self.seconds


def test_a_call_that_waited_for_a_saturated_budget_carries_the_whole_home(
    home, google, clock, linked
) -> None:
    """When calls are scarce, each one carries every device that changed meanwhile: the other
    devices' messages then cost no call."""
    run = pipeline(home, google, clock)
    run.budget = SaturatedBudget(home, clock, seconds=3)
    queued = [write(home, linked, device, True) for device in ("a", "b", "c")]
    for message in queued:
        handle_change(run, message)
    assert google.reports == [
        (linked, {"a": reportable(True), "b": reportable(True), "c": reportable(True)})
    ]
    assert home.ledger.user(linked).reported_through >= max(m_version(m) for m in queued)
    run.budget = SaturatedBudget(home, clock, seconds=0.2)  # a short wait: no fold
    handle_change(run, write(home, linked, "b", False))
    assert google.reports[-1] == (linked, {"b": reportable(False)})


def m_version(message: dict[str, Any]) -> int:
    import base64

    return int(json.loads(base64.b64decode(message["data"]))["version"])
