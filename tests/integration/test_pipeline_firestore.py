"""on_device_change's logic over the real Firestore emulator, with a scripted Home Graph."""

import base64
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.core.config import Config
from functions.core.store import FirestoreStore
from functions.homegraph.calls import Redeliver
from functions.homegraph.client import HomeGraphError
from functions.homegraph.ledger import CLAIMED, QUEUED, REPORTED, UNLINKED, FirestoreLedger
from functions.homegraph.pipeline import Pipeline, handle_change
from tests.unit.fakes import ScriptedHomeGraph

SECOND = 10**9
AFTER_LINKING = time.time_ns() + 3600 * SECOND
"""Versions are write times; a state written before the user linked is stale, so test
versions count from a time after every test user links."""


class Clock:
    """A clock the pipeline sleeps on: sleeping moves it forward at once."""

    def __init__(self) -> None:
        self.now = time.time_ns()
        self.slept: list[float] = []

    def __call__(self) -> int:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += int(seconds * SECOND)


@pytest.fixture
def user(store: FirestoreStore) -> str:
    user_id = f"pipe-{uuid.uuid4().hex[:8]}"
    store.set_linked(user_id, True)
    return user_id


@pytest.fixture
def google() -> ScriptedHomeGraph:
    return ScriptedHomeGraph()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pipeline(store: FirestoreStore, google: ScriptedHomeGraph, clock: Clock) -> Pipeline:
    config = Config(
        project_id="p",
        request_sync_min_interval_seconds=10,
        new_user_grace_seconds=60,
        homegraph_retry_seconds=30,
    )
    return Pipeline(FirestoreLedger(store.client), lambda: google, config, clock, clock.sleep)


def message(data: dict[str, Any], message_id: str | None = None) -> dict[str, Any]:
    return {
        "data": base64.b64encode(json.dumps(data).encode()).decode(),
        "messageId": message_id or uuid.uuid4().hex,
        "publishTime": datetime.now(UTC).isoformat(),
    }


def sync(user: str, changed_at: int, message_id: str | None = None) -> dict[str, Any]:
    return message(
        {"kind": "sync", "agentUserId": user, "deviceId": "d", "changedAt": changed_at}, message_id
    )


def state(user: str, device: str, version: int, **states: Any) -> dict[str, Any]:
    return message(
        {
            "kind": "state",
            "agentUserId": user,
            "deviceId": device,
            "version": AFTER_LINKING + version,
            "states": {"online": True, **states},
        }
    )


def test_request_sync_is_sent_once_per_covered_change(pipeline, google, clock, user) -> None:
    first = clock.now - SECOND
    handle_change(pipeline, sync(user, first))
    assert google.syncs == [user]
    handle_change(pipeline, sync(user, first + 1))
    assert google.syncs == [user], "a change committed before the last sync is covered"
    clock.now += SECOND
    handle_change(pipeline, sync(user, clock.now))
    assert google.syncs == [user, user]
    assert clock.slept and 8.9 < sum(clock.slept) <= 10, "sends are spaced by the interval"


def test_a_redelivered_sync_message_sends_nothing_more(pipeline, google, clock, user) -> None:
    delivery = sync(user, clock.now - 1)
    handle_change(pipeline, delivery)
    handle_change(pipeline, delivery)
    assert google.syncs == [user]


def test_burst_of_concurrent_sync_messages_is_coalesced(store, google, user) -> None:
    config = Config(project_id="p", request_sync_min_interval_seconds=1)
    pipeline = Pipeline(FirestoreLedger(store.client), lambda: google, config)
    start = time.time_ns()
    changes = [start + n * 10_000_000 for n in range(200)]  # 200 writes within 2 s
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda at: handle_change(pipeline, sync(user, at)), changes))
    assert 1 <= len(google.syncs) <= 3
    sent = (store.user(user).get().to_dict() or {})["syncSentAt"]
    assert sent > max(changes), "the last Request Sync covers the last change"


def test_request_sync_retries_transient_errors(pipeline, google, clock, user) -> None:
    google.failures = [HomeGraphError(429, "busy"), HomeGraphError(None, "timeout", retryable=True)]
    handle_change(pipeline, sync(user, clock.now - 1))
    assert google.syncs == [user]


def test_request_sync_gives_up_to_pubsub_after_its_budget(pipeline, google, clock, user) -> None:
    google.failures = [HomeGraphError(503, "down")] * 50
    delivery = sync(user, clock.now - 1)
    with pytest.raises(Redeliver):
        handle_change(pipeline, delivery)
    google.failures = []
    handle_change(pipeline, delivery)
    assert google.syncs == [user], "the redelivered message re-plans and sends"


def test_request_sync_404_after_the_grace_period_unlinks(pipeline, google, clock, store, user):
    clock.now += 120 * SECOND
    google.failures = [HomeGraphError(404, "Requested entity was not found.")]
    handle_change(pipeline, sync(user, clock.now - 1))
    assert not store.is_linked(user)
    handle_change(pipeline, sync(user, clock.now))
    assert google.syncs == [], "nothing is sent for an unlinked user"


def test_request_sync_404_for_a_new_user_is_retried(pipeline, google, clock, user) -> None:
    google.failures = [HomeGraphError(404, "not yet")]
    with pytest.raises(Redeliver):
        handle_change(pipeline, sync(user, clock.now - 1))


@pytest.mark.parametrize("status", [400, 403])
def test_request_sync_400_and_403_are_logged_not_retried(
    pipeline, google, clock, user, status, capsys
) -> None:
    google.failures = [HomeGraphError(status, "bad")]
    handle_change(pipeline, sync(user, clock.now - 1))
    assert google.syncs == []
    errors = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if '"ERROR"' in line
    ]
    assert [(e["message"], e["status"]) for e in errors] == [
        ("request sync refused; not retried", status)
    ]


def test_report_state_sends_each_version_once_and_never_goes_back(pipeline, google, user):
    handle_change(pipeline, state(user, "lamp", 5, on=True))
    handle_change(pipeline, state(user, "lamp", 5, on=True))
    handle_change(pipeline, state(user, "lamp", 3, on=False))
    handle_change(pipeline, state(user, "lamp", 7, on=False))
    assert google.reports == [
        (user, {"lamp": {"online": True, "on": True}}),
        (user, {"lamp": {"online": True, "on": False}}),
    ]


def test_pending_states_of_several_devices_fold_into_one_call(pipeline, google, user) -> None:
    for n in range(9):
        pipeline.ledger.stage_state(user, f"d{n}", AFTER_LINKING + 10, {"online": True, "on": True})
    handle_change(pipeline, state(user, "d9", 10, on=False))
    assert len(google.reports) == 1 and len(google.reports[0][1]) == 10
    for n in range(9):
        handle_change(pipeline, state(user, f"d{n}", 10, on=True))
    assert len(google.reports) == 1, "the piled-up messages find their state reported"


def test_one_invalid_device_does_not_block_the_others(pipeline, google, user, capsys) -> None:
    pipeline.ledger.stage_state(user, "stale", AFTER_LINKING + 1, {"online": True})
    google.failures = [HomeGraphError(400, "Invalid argument"), HomeGraphError(400, "stale id")]
    handle_change(pipeline, state(user, "lamp", 2, on=True))
    reported = {device for _, states in google.reports for device in states}
    assert reported == {"lamp"} or reported == {"stale"}
    assert '"report state refused; not retried"' in capsys.readouterr().out
    assert pipeline.ledger.pending(user) == {}


def test_report_404_for_a_new_user_is_retried_then_delivered(pipeline, google, user) -> None:
    google.failures = [HomeGraphError(404, "unknown user"), HomeGraphError(404, "unknown user")]
    delivery = state(user, "lamp", 4, on=True)
    with pytest.raises(Redeliver):
        handle_change(pipeline, delivery)
    handle_change(pipeline, delivery)
    assert google.reports == [(user, {"lamp": {"online": True, "on": True}})]


def test_unlinked_users_get_no_calls(pipeline, google, store, clock) -> None:
    handle_change(pipeline, state("never-linked", "lamp", 1, on=True))
    handle_change(pipeline, sync("never-linked", clock.now))
    assert (google.reports, google.syncs) == ([], [])


@pytest.mark.parametrize(
    "raw",
    [
        {"data": "not base64!", "messageId": "1"},
        {"data": base64.b64encode(b"[1]").decode(), "messageId": "2"},
        {
            "data": base64.b64encode(
                json.dumps({"kind": "teleport", "agentUserId": "u", "deviceId": "d"}).encode()
            ).decode(),
            "messageId": "3",
        },
        {"data": None},
    ],
)
def test_malformed_messages_are_logged_and_acknowledged(pipeline, google, raw, capsys) -> None:
    handle_change(pipeline, raw)
    assert (google.reports, google.syncs) == ([], [])
    assert '"malformed message; dropped"' in capsys.readouterr().out


def test_old_messages_get_one_last_try_then_an_error(pipeline, google, user, capsys) -> None:
    old = {**sync(user, 1), "publishTime": "2020-01-01T00:00:00Z"}
    google.failures = [HomeGraphError(503, "down")] * 50
    handle_change(pipeline, old)
    assert google.syncs == []
    assert '"message too old to retry; dropped"' in capsys.readouterr().out
    google.failures = []
    handle_change(pipeline, old)
    assert google.syncs == [user], "an old message is still processed when it can be"


def test_report_404_for_an_unknown_device_requests_sync_and_keeps_the_user(
    pipeline, google, clock, store, user
) -> None:
    clock.now += 120 * SECOND
    google.failures = [HomeGraphError(404, "Device ID cannot be found")]
    handle_change(pipeline, state(user, "new-lamp", 4, on=True))
    assert google.syncs == [user] and store.is_linked(user)
    assert pipeline.ledger.pending(user) == {}


def test_a_deleted_device_does_not_block_the_others(pipeline, google, clock, user) -> None:
    clock.now += 120 * SECOND
    pipeline.ledger.stage_state(user, "deleted", AFTER_LINKING + 1, {"online": True})
    google.failures = [HomeGraphError(404, "Device ID cannot be found")] * 2
    handle_change(pipeline, state(user, "lamp", 2, on=True))
    handle_change(pipeline, state(user, "lamp", 3, on=False))
    assert google.syncs == [user], "one Request Sync per sender's turn"
    assert google.reports[-1] == (user, {"lamp": {"online": True, "on": False}})
    assert pipeline.ledger.pending(user) == {}


def test_states_from_before_a_relink_are_never_reported(pipeline, google, store, user) -> None:
    pipeline.ledger.stage_state(user, "lamp", AFTER_LINKING - 7200 * SECOND, {"on": False})
    store.set_linked(user, False)
    handle_change(pipeline, state(user, "other", 1, on=True))
    store.set_linked(user, True)
    handle_change(pipeline, state(user, "other", 2, on=True))
    assert [sorted(states) for _, states in google.reports] == [["other"]]


def test_report_404_for_an_unknown_user_unlinks_after_the_grace_period(
    pipeline, google, clock, store, user
) -> None:
    clock.now += 120 * SECOND
    google.failures = [HomeGraphError(404, "unknown user"), HomeGraphError(404, "unknown user")]
    handle_change(pipeline, state(user, "lamp", 4, on=True))
    assert not store.is_linked(user)
    assert pipeline.ledger.pending(user) == {}


def test_report_state_calls_are_spaced_and_fold_what_arrives_meanwhile(
    pipeline, google, clock, user
) -> None:
    handle_change(pipeline, state(user, "a", 1, on=True))
    for n in range(5):
        pipeline.ledger.stage_state(user, f"b{n}", AFTER_LINKING + 2, {"online": True, "on": False})
    handle_change(pipeline, state(user, "a", 3, on=False))
    assert [len(states) for _, states in google.reports] == [1, 6]
    assert 0.9 < sum(clock.slept) <= 1.0, "the second call waited for the 1 s interval"


def test_a_400_right_after_a_request_sync_is_retried(pipeline, google, clock, user) -> None:
    handle_change(pipeline, sync(user, clock.now - 1))
    google.failures = [HomeGraphError(400, "state of an undeclared trait")]
    delivery = state(user, "lamp", 5, on=True, brightness=10)
    with pytest.raises(Redeliver):
        handle_change(pipeline, delivery)
    handle_change(pipeline, delivery)
    assert google.reports == [(user, {"lamp": {"online": True, "on": True, "brightness": 10}})]


def test_call_counts_are_atomic_increments_that_return_the_totals(store) -> None:
    ledger = FirestoreLedger(store.client)
    second = time.time_ns() // SECOND + 10**6 + uuid.uuid4().int % 10**6
    expire = (second + 3600) * SECOND
    assert ledger.count_calls(second, 0, 0, 3, expire) == (0, 3)
    assert ledger.count_calls(second, 0, 2, 0, expire) == (2, 3)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: ledger.count_calls(second, 0, 0, 1, expire), range(40)))
    assert ledger.count_calls(second, 0, 0, 0, expire) == (2, 43)
    assert ledger.count_calls(second, 1, 0, 0, expire) == (0, 0), "shards count apart"


def test_one_message_stands_for_the_states_staged_until_its_turn(store, user) -> None:
    ledger = FirestoreLedger(store.client)
    now = time.time_ns()

    def stage(event: str, version: int) -> str:
        return ledger.stage_for_report(
            user, "lamp", version, {"on": True}, claimant=event, now=now, ttl=60 * SECOND
        )

    assert stage("event-1", AFTER_LINKING + 1) == CLAIMED
    assert stage("event-2", AFTER_LINKING + 2) == QUEUED
    assert stage("event-1", AFTER_LINKING + 1) == CLAIMED, "a redelivery claims again"
    assert ledger.acquire_report_lease(user, "sender", now, 60 * SECOND)[0] == "acquired"
    assert stage("event-3", AFTER_LINKING + 3) == CLAIMED, "the turn took the mark down"
    assert ledger.acquire_report_lease(user, "sender", now, 60 * SECOND)[0] == "acquired"
    assert stage("event-4", AFTER_LINKING + 4) == QUEUED, "a renewal keeps it"
    assert ledger.pending(user)["lamp"][0] == AFTER_LINKING + 4, "every state is staged"
    ledger.mark_reported(user, {"lamp": AFTER_LINKING + 4})
    assert stage("event-5", AFTER_LINKING + 2) == REPORTED
    assert (
        ledger.stage_for_report("never-linked", "lamp", 5, {}, claimant="e", now=now, ttl=SECOND)
        == UNLINKED
    )


def test_marking_reported_keeps_an_entry_staged_anew_since_it_was_read(store, user) -> None:
    ledger = FirestoreLedger(store.client)
    for n in range(3):
        ledger.stage_state(user, f"d{n}", AFTER_LINKING + 1, {"on": False})
    read = ledger.pending(user)
    ledger.stage_state(user, "d1", AFTER_LINKING + 2, {"on": True})
    ledger.mark_reported(user, {d: version for d, (version, _) in read.items()})
    assert ledger.pending(user) == {"d1": (AFTER_LINKING + 2, {"on": True})}
