"""The whole pipeline on the emulators: Firestore writes -> on_device_written -> Pub/Sub ->
on_device_change -> the local Home Graph (which calls the fulfillment's SYNC)."""

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore, pubsub_v1  # type: ignore[attr-defined]

from devstack.homegraph_server import Faults
from devstack.stack import TOPIC, LocalStack
from functions.core.logs import user_ref
from tests.support import devices as backend_cases
from tests.support.emulator import PROJECT, NewStack
from tests.support.waiting import eventually
from tests.support.world import intent, light

SYNC_PATH = "/v1/devices:requestSync"
REPORT_PATH = "/v1/devices:reportStateAndNotification"


@pytest.fixture(scope="module")
def stack(new_stack: NewStack) -> Iterator[LocalStack]:
    settings = {
        "REQUEST_SYNC_MIN_INTERVAL_SECONDS": "2",
        "NEW_USER_GRACE_SECONDS": "3",
        "HOMEGRAPH_TIMEOUT_SECONDS": "1",
        "HOMEGRAPH_RETRY_SECONDS": "4",
        "ACCURACY_SETTLED_SECONDS": "1",
    }
    with new_stack(settings) as stack:
        yield stack


@pytest.fixture
def db(stack: LocalStack) -> firestore.Client:
    return stack.store.client


@pytest.fixture
def user(stack: LocalStack) -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def calls(stack: LocalStack, user_id: str, path: str) -> list[Any]:
    assert stack.homegraph
    return [
        c
        for c in list(stack.homegraph.calls)
        if c.path == path and (c.body or {}).get("agentUserId") == user_id
    ]


def device(db: firestore.Client, user_id: str, device_id: str) -> Any:
    return db.collection("users").document(user_id).collection("devices").document(device_id)


def google_view(stack: LocalStack, user_id: str) -> list[dict[str, Any]]:
    assert stack.homegraph
    return sorted(stack.homegraph.synced_devices(user_id), key=lambda d: d["id"])


def fulfillment_sync(stack: LocalStack, user_id: str) -> list[dict[str, Any]]:
    from functions.fulfillment.webhook import respond

    token = stack.token_for(user_id)
    answer = respond(
        "POST", f"Bearer {token}", json.dumps(intent("SYNC")).encode(), lambda: stack.store
    )
    return sorted(answer.body["payload"]["devices"], key=lambda d: d["id"])


def linked_home(stack: LocalStack, db: firestore.Client, user_id: str, devices: int) -> None:
    for n in range(devices):
        device(db, user_id, f"d{n}").set(light(on=False, brightness=0))
    stack.link(user_id)
    assert len(google_view(stack, user_id)) == devices


def test_a_state_write_reaches_report_state_with_exact_states(stack, db, user) -> None:
    linked_home(stack, db, user, 1)
    device(db, user, "d0").update({"states.on": True, "states.brightness": 42})
    expected = {"on": True, "brightness": 42, "online": True}
    assert stack.homegraph
    eventually(lambda: stack.homegraph.last_reported(user, "d0") == expected, what="report")


def test_add_rename_delete_request_sync_and_google_follows(stack, db, user) -> None:
    linked_home(stack, db, user, 1)
    device(db, user, "new").set(light())
    eventually(lambda: [d["id"] for d in google_view(stack, user)] == ["d0", "new"], what="add")
    device(db, user, "new").update({"name": {"name": "Reading lamp"}})
    eventually(
        lambda: any(d["name"]["name"] == "Reading lamp" for d in google_view(stack, user)),
        what="rename",
    )
    device(db, user, "d0").delete()
    eventually(lambda: [d["id"] for d in google_view(stack, user)] == ["new"], what="delete")
    assert google_view(stack, user) == fulfillment_sync(stack, user)
    assert calls(stack, user, SYNC_PATH) and all(
        c.body["async"] is True for c in calls(stack, user, SYNC_PATH)
    )


def test_burst_of_200_structural_writes_makes_at_most_3_request_syncs(stack, db, user) -> None:
    linked_home(stack, db, user, 1)
    batch = db.batch()
    for n in range(200):
        if n and n % 100 == 0:
            batch.commit()
            batch = db.batch()
        batch.set(device(db, user, f"burst-{n:03d}"), light())
    batch.commit()
    eventually(lambda: len(google_view(stack, user)) == 201, timeout=90, what="201 devices")
    time.sleep(3)  # let any late message arrive
    count = len(calls(stack, user, SYNC_PATH))
    print(f"\nburst of 200 structural writes: {count} Request Sync calls")
    assert 1 <= count <= 3


def test_burst_of_1000_state_writes_folds_and_ends_exact(stack, db, user) -> None:
    linked_home(stack, db, user, 100)
    rounds = 10

    def write(n: int) -> None:
        for value in range(1, rounds + 1):
            device(db, user, f"d{n}").update({"states.brightness": value, "states.on": True})

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(100)))
    expected = {"on": True, "brightness": rounds, "online": True}
    assert stack.homegraph
    eventually(
        lambda: all(stack.homegraph.last_reported(user, f"d{n}") == expected for n in range(100)),
        timeout=120,
        what="final states",
    )
    reports = len(calls(stack, user, REPORT_PATH))
    print(f"\nburst of 1000 state writes over 100 devices: {reports} Report State calls")
    assert reports < 1000 / 4


def test_duplicated_and_reordered_deliveries_never_go_back(stack, db, user) -> None:
    """Copies of a device's state messages, stale ones and repeats, published after the real
    ones: Home Graph ends at the newest state and its reports never go back."""
    linked_home(stack, db, user, 1)
    publisher = pubsub_v1.PublisherClient(
        publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True)
    )
    topic = publisher.topic_path(PROJECT, TOPIC)
    history = []
    for brightness in (10, 20, 30):
        ref = device(db, user, "d0")
        ref.update({"states.brightness": brightness, "states.on": True})
        history.append((ref.get().update_time.timestamp_pb().ToNanoseconds(), brightness))

    def publish(version: int, brightness: int) -> None:
        data = {
            "kind": "state",
            "agentUserId": user,
            "deviceId": "d0",
            "version": version,
            "states": {"on": True, "brightness": brightness, "online": True},
        }
        publisher.publish(
            topic,
            json.dumps(data).encode(),
            ordering_key=user,
            kind="state",
            agentUserId=user,
            deviceId="d0",
        ).result(timeout=10)

    for version, brightness in (history[2], history[0], history[2], history[1]):
        publish(version, brightness)
    assert stack.homegraph
    eventually(
        lambda: (
            stack.homegraph.last_reported(user, "d0")
            == {"on": True, "brightness": 30, "online": True}
        ),
        what="newest state",
    )
    time.sleep(2)
    assert stack.homegraph.last_reported(user, "d0")["brightness"] == 30
    reported = [
        c.body["payload"]["devices"]["states"]["d0"]["brightness"]
        for c in calls(stack, user, REPORT_PATH)
        if c.status == 200
    ]
    assert reported == sorted(reported), f"reports went back: {reported}"


def test_home_graph_faults_at_30_percent_still_deliver_every_final_state(stack, db, user):
    linked_home(stack, db, user, 20)
    assert stack.homegraph
    stack.homegraph.faults = Faults(
        rate_429=0.1, rate_500=0.1, rate_timeout=0.1, timeout_seconds=1.5, seed=3
    )
    rounds = 12
    try:
        for value in range(1, rounds + 1):
            for n in range(20):
                device(db, user, f"d{n}").update({"states.brightness": value * 100 + n})
            time.sleep(0.4)
        device(db, user, "added-under-faults").set(light())
        eventually(
            lambda: all(
                (stack.homegraph.last_reported(user, f"d{n}") or {}).get("brightness")
                == rounds * 100 + n
                for n in range(20)
            ),
            timeout=240,
            what="final states under faults",
        )
        eventually(
            lambda: "added-under-faults" in [d["id"] for d in google_view(stack, user)],
            timeout=120,
            what="device added under faults",
        )
    finally:
        stack.homegraph.faults = Faults()
    reports, syncs = calls(stack, user, REPORT_PATH), calls(stack, user, SYNC_PATH)
    failed = [c for c in reports + syncs if c.status != 200]
    print(
        f"\nfaults at 30%: {len(reports)} Report State and {len(syncs)} Request Sync calls, "
        f"{len(failed)} of them faulted"
    )
    assert failed, "the fault injection faulted no call"


def test_unlinked_users_and_no_op_writes_get_no_calls(stack, db, user) -> None:
    device(db, user, "lamp").set(light())
    device(db, user, "lamp").update({"states.on": False})
    linked = f"{user}-linked"
    linked_home(stack, db, linked, 1)
    time.sleep(3)  # the creation event may still be on its way
    before = len(calls(stack, linked, SYNC_PATH)) + len(calls(stack, linked, REPORT_PATH))
    device(db, linked, "d0").set(light(on=False, brightness=0))  # identical rewrite
    device(db, linked, "d0").update({"firmwareNotes": "outside the contract"})
    time.sleep(3)
    assert calls(stack, user, SYNC_PATH) == calls(stack, user, REPORT_PATH) == []
    after = len(calls(stack, linked, SYNC_PATH)) + len(calls(stack, linked, REPORT_PATH))
    assert after == before


def test_home_graph_404_marks_the_user_unlinked(stack, db, user) -> None:
    linked_home(stack, db, user, 1)
    time.sleep(3.5)  # past the new-user grace period
    assert stack.homegraph
    stack.homegraph.handle("DELETE", f"/v1/agentUsers/{user}", None)
    device(db, user, "extra").set(light())
    eventually(lambda: stack.store.is_linked(user) is False, what="unlinked")
    before = len(stack.homegraph.calls)
    device(db, user, "extra").update({"states.on": False})
    time.sleep(3)
    assert [c for c in stack.homegraph.calls[before:] if user in json.dumps(c.body)] == []


def test_pubsub_message_shape(stack, db, user) -> None:
    """The message on_device_written publishes: attributes and an ordering key per user."""
    subscriber = pubsub_v1.SubscriberClient()
    path = subscriber.subscription_path(PROJECT, f"probe-{user}")
    subscriber.create_subscription(
        request={
            "name": path,
            "topic": pubsub_v1.PublisherClient().topic_path(PROJECT, TOPIC),
            "enable_message_ordering": True,
        }
    )
    try:
        linked_home(stack, db, user, 1)
        device(db, user, "d0").update({"states.on": True})

        def pulled() -> list[Any]:
            response = subscriber.pull(subscription=path, max_messages=10, timeout=5)
            return [
                m.message
                for m in response.received_messages
                if m.message.attributes.get("agentUserId") == user
                and m.message.attributes.get("kind") == "state"
            ]

        (message,) = eventually(pulled, what="state message")
        assert dict(message.attributes) == {"kind": "state", "agentUserId": user, "deviceId": "d0"}
        assert message.ordering_key == user
        data = json.loads(message.data)
        assert data["states"] == {"on": True, "brightness": 0, "online": True}
        assert isinstance(data["version"], int)
    finally:
        subscriber.delete_subscription(subscription=path)
        subscriber.close()


# --- announcements: follow-up responses, notifications, expiry --------------------------------

GARAGE = {**backend_cases.GARAGE, "execution": {"mode": "confirmed", "timeoutMs": 150}}
DOORBELL = {
    "type": "action.devices.types.DOORBELL",
    "traits": ["action.devices.traits.ObjectDetection"],
    "name": {"name": "Front door"},
    "willReportState": False,
    "notificationSupportedByAgent": True,
    "states": {"online": True},
}
WASHER = {
    "type": "action.devices.types.WASHER",
    "traits": ["action.devices.traits.RunCycle", "action.devices.traits.StartStop"],
    "name": {"name": "Washer"},
    "willReportState": True,
    "notificationSupportedByAgent": True,
    "states": {"online": True, "isRunning": True, "isPaused": False},
}


def execute(stack: LocalStack, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    from functions.fulfillment.webhook import respond

    token = stack.token_for(user_id)
    answer = respond("POST", f"Bearer {token}", json.dumps(body).encode(), lambda: stack.store)
    return dict(answer.body["payload"]["commands"][0])


def announced(stack: LocalStack, user_id: str, event_id: str | None = None) -> list[Any]:
    assert stack.homegraph
    return [
        a
        for a in list(stack.homegraph.announcements)
        if a["agentUserId"] == user_id and event_id in (None, a["eventId"])
    ]


def open_garage(stack: LocalStack, user_id: str) -> tuple[dict[str, Any], Any]:
    body = {
        "requestId": "open-garage",
        "inputs": [
            {
                "intent": "action.devices.EXECUTE",
                "payload": {
                    "commands": [
                        {
                            "devices": [{"id": "garage"}],
                            "execution": [
                                {
                                    "command": "action.devices.commands.OpenClose",
                                    "params": {"openPercent": 100, "followUpToken": "fu-42"},
                                }
                            ],
                        }
                    ]
                },
            }
        ],
    }
    answer = execute(stack, user_id, body)
    record = next(
        iter(device(stack.store.client, user_id, "garage").collection("commands").stream())
    )
    return answer, record


def test_a_slow_garage_door_is_pending_then_reported_and_followed_up(stack, db, user) -> None:
    device(db, user, "garage").set(GARAGE)
    stack.link(user)
    answer, record = open_garage(stack, user)
    assert answer == {"ids": ["garage"], "status": "PENDING"}
    assert record.to_dict()["answer"] == "PENDING"
    batch = db.batch()  # the backend, seconds later: the door is open
    batch.update(device(db, user, "garage"), {"states.openPercent": 100})
    batch.update(
        record.reference, {"outcome": {"status": "SUCCESS", "states": {"openPercent": 100}}}
    )
    batch.commit()
    assert stack.homegraph
    eventually(
        lambda: (stack.homegraph.last_reported(user, "garage") or {}).get("openPercent") == 100,
        what="Report State of the open door",
    )
    follow_ups = eventually(lambda: announced(stack, user, record.id), what="follow-up")
    assert follow_ups[0]["trait"] == "OpenClose"
    assert follow_ups[0]["payload"] == {
        "priority": 0,
        "followUpResponse": {"followUpToken": "fu-42", "status": "SUCCESS", "openPercent": 100},
    }


def test_a_command_never_answered_expires_cleanly(stack, db, user) -> None:
    device(db, user, "garage").set(GARAGE)
    stack.link(user)
    answer, record = open_garage(stack, user)
    assert answer["status"] == "PENDING"
    record.reference.update({"deadline": datetime.now(UTC) - timedelta(seconds=1)})
    publisher = pubsub_v1.PublisherClient()
    publisher.publish(publisher.topic_path(PROJECT, TOPIC), b"{}", kind="sweep").result()
    expired = eventually(
        lambda: (record.reference.get().to_dict() or {}).get("outcome"), what="expiry"
    )
    assert expired == {"status": "ERROR", "errorCode": "deviceOffline", "expired": True}
    follow_ups = eventually(lambda: announced(stack, user, record.id), what="FAILURE follow-up")
    response = follow_ups[0]["payload"]["followUpResponse"]
    assert (response["status"], response["errorCode"]) == ("FAILURE", "deviceOffline")
    assert stack.homegraph
    eventually(
        lambda: (stack.homegraph.last_reported(user, "garage") or {}).get("openPercent") == 0,
        what="Google's view equals QUERY's: the door stayed shut",
    )
    log = (stack.logs / "change.log").read_text()
    assert "command expired without an outcome" in log


def test_a_doorbell_press_is_notified_once_despite_a_duplicated_delivery(stack, db, user) -> None:
    device(db, user, "doorbell").set(DOORBELL)
    stack.link(user)
    event = device(db, user, "doorbell").collection("events").document("press-1")
    event.set(
        {
            "trait": "ObjectDetection",
            "notification": {
                "detectionTimestamp": int(time.time() * 1000),
                "objects": {"named": ["Alice"], "unclassified": 1},
            },
            "occurredAt": datetime.now(UTC),
        }
    )
    eventually(lambda: announced(stack, user, "press-1"), what="doorbell notification")
    publisher = pubsub_v1.PublisherClient()  # Pub/Sub delivers the same message again
    data = {
        "kind": "notification",
        "agentUserId": user,
        "deviceId": "doorbell",
        "eventId": "press-1",
    }
    publisher.publish(
        publisher.topic_path(PROJECT, TOPIC),
        json.dumps(data).encode(),
        kind="notification",
        agentUserId=user,
        deviceId="doorbell",
    ).result()
    time.sleep(3)
    notes = announced(stack, user, "press-1")
    assert len(notes) == 1
    assert notes[0]["payload"]["objects"] == {"named": ["Alice"], "unclassified": 1}
    assert (event.get().to_dict() or {})["announce"]["doneAt"]


def test_a_washers_cycle_end_is_notified(stack, db, user) -> None:
    device(db, user, "washer").set(WASHER)
    stack.link(user)
    event = device(db, user, "washer").collection("events").document("cycle-done")
    event.set(
        {
            "trait": "RunCycle",
            "notification": {"status": "SUCCESS", "currentCycleRemainingTime": 0},
            "occurredAt": datetime.now(UTC),
        }
    )
    notes = eventually(lambda: announced(stack, user, "cycle-done"), what="washer notification")
    assert notes[0]["trait"] == "RunCycle"
    assert notes[0]["payload"] == {
        "priority": 0,
        "status": "SUCCESS",
        "currentCycleRemainingTime": 0,
    }


def test_an_old_event_is_logged_not_sent(stack, db, user) -> None:
    device(db, user, "doorbell").set(DOORBELL)
    stack.link(user)
    event = device(db, user, "doorbell").collection("events").document("stale")
    old = datetime.now(UTC) - timedelta(hours=1)
    event.set(
        {
            "trait": "ObjectDetection",
            "notification": {"detectionTimestamp": 1, "objects": {"unclassified": 1}},
            "occurredAt": old,
        }
    )
    eventually(
        lambda: "notification not sent" in (stack.logs / "change.log").read_text(),
        what="the log line",
    )
    assert announced(stack, user, "stale") == []


def test_the_sweep_reports_a_state_whose_message_was_lost(stack, db, user) -> None:
    """A state whose message failed and was given up (a report owed since 10 minutes) reaches
    Home Graph at the next sweep, as the device is now."""
    linked_home(stack, db, user, 1)
    device(db, user, "d0").update({"states.brightness": 77, "states.on": True})
    account = db.collection("users").document(user)
    stale = time.time_ns() - 600 * 10**9
    account.collection("reportOwed").document("d0").set({"since": stale})
    publisher = pubsub_v1.PublisherClient()
    publisher.publish(publisher.topic_path(PROJECT, TOPIC), b"", kind="sweep").result()
    assert stack.homegraph
    states = {"on": True, "brightness": 77, "online": True}
    eventually(lambda: stack.homegraph.last_reported(user, "d0") == states, what="swept report")
    eventually(
        lambda: not account.collection("reportOwed").document("d0").get().exists,
        what="the debt settled",
    )


def test_a_divergence_in_googles_view_is_reported_and_repaired(stack, db, user) -> None:
    """The state-accuracy check on the local stack: Google's view of one device goes wrong
    behind the product's back; the next check logs the mismatch and reports the device again."""
    linked_home(stack, db, user, 2)
    device(db, user, "d0").update({"states.on": True, "states.brightness": 30})
    assert stack.homegraph
    expected = {"on": True, "brightness": 30, "online": True}
    eventually(lambda: stack.homegraph.last_reported(user, "d0") == expected, what="report")
    stack.homegraph.diverge(user, "d0", {"brightness": 99})
    time.sleep(1.5)  # ACCURACY_SETTLED_SECONDS: the device is settled
    stack.publish_scheduled("accuracy")
    log = stack.logs / "change.log"
    eventually(lambda: '"state mismatch"' in log.read_text(), what="the mismatch logged")
    eventually(
        lambda: stack.homegraph.reported_states(user)["d0"]["brightness"] == 30, what="repair"
    )
    eventually(lambda: '"state accuracy"' in log.read_text(), what="the check's summary")
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    mismatch = next(m for m in lines if m["message"] == "state mismatch")
    assert (mismatch["deviceId"], mismatch["traits"]) == ("d0", ["Brightness"])
    summary = [m for m in lines if m["message"] == "state accuracy"][-1]
    assert summary["checked"] >= 2 and summary["exact"] < summary["checked"]


def test_the_emulator_delivers_one_users_messages_one_at_a_time_in_order(stack) -> None:
    """What "one sender per user" rests on (docs/on_device_change.md): with message ordering on,
    Pub/Sub pushes a user's next message only once the previous one is acknowledged, and a
    failed one again before any later one. Checked on the emulator against a plain endpoint."""
    import base64
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from devstack.emulators import free_ports

    lock = threading.Lock()
    active: dict[str, int] = {}
    peak: dict[str, int] = {}
    seen: list[tuple[str, int]] = []

    class Endpoint(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            key = body["message"]["attributes"]["user"]
            n = int(base64.b64decode(body["message"]["data"]))
            with lock:
                active[key] = active.get(key, 0) + 1
                peak[key] = max(peak.get(key, 0), active[key])
                seen.append((key, n))
                first_try_of_3 = n == 3 and seen.count((key, 3)) == 1
            time.sleep(0.03)
            with lock:
                active[key] -= 1
            self.send_response(500 if first_try_of_3 else 204)
            self.end_headers()

    (port,) = free_ports(1)
    server = ThreadingHTTPServer(("127.0.0.1", port), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        publisher = pubsub_v1.PublisherClient(
            publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True)
        )
        subscriber = pubsub_v1.SubscriberClient()
        topic = publisher.topic_path(PROJECT, "ordering-probe")
        publisher.create_topic(name=topic)
        subscriber.create_subscription(
            request={
                "name": subscriber.subscription_path(PROJECT, "ordering-probe"),
                "topic": topic,
                "push_config": {"push_endpoint": f"http://127.0.0.1:{port}/"},
                "enable_message_ordering": True,
            }
        )
        sent = [
            publisher.publish(topic, str(n).encode(), ordering_key=user, user=user)
            for n in range(10)
            for user in ("a", "b")
        ]
        for future in sent:
            future.result(timeout=10)
        eventually(lambda: len(seen) >= 22, what="every message delivered")
    finally:
        server.shutdown()
    assert peak == {"a": 1, "b": 1}, "never two of one user's messages at once"
    for user in ("a", "b"):
        order = [n for key, n in seen if key == user]
        assert order == [0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9], "in order, the failed one first again"


def test_the_support_command_shows_one_users_firestore_against_home_graph(
    stack, db, user, capsys
) -> None:
    """ops/support.py on the local stack: the device Google holds wrongly is marked, recent
    commands are listed, and the bundle carries no raw user id, token or follow-up token."""
    from ops import support

    linked_home(stack, db, user, 2)
    device(db, user, "d1").update({"customData": {"secret": "s3cr3t"}})
    device(db, user, "d0").update({"states.on": True, "states.brightness": 40})
    assert stack.homegraph
    expected = {"on": True, "brightness": 40, "online": True}
    eventually(lambda: stack.homegraph.last_reported(user, "d0") == expected, what="report")
    stack.homegraph.diverge(user, "d0", {"brightness": 3})
    command = device(db, user, "d0").collection("commands").document("c1")
    command.set(
        {
            "issuedAt": datetime.now(UTC),
            "mode": "confirmed",
            "executions": [{"command": "action.devices.commands.OnOff", "params": {"on": True}}],
            "followUpToken": "follow-up-secret",
            "answer": "PENDING",
            "outcome": {"status": "SUCCESS"},
        }
    )
    endpoint = ["--project", PROJECT, "--homegraph-endpoint", stack.homegraph.url]
    assert support.main(["show", user, *endpoint]) == 0
    shown = capsys.readouterr().out
    assert f"user {user}: linked" in shown
    assert "DIFF d0" in shown and "brightness: Firestore 40, Google 3" in shown
    assert "OK   d1" in shown and "command c1" in shown
    assert support.main(["bundle", user, *endpoint]) == 0
    bundle = capsys.readouterr().out
    assert user not in bundle and user_ref(user) in bundle
    assert "follow-up-secret" not in bundle and "s3cr3t" not in bundle
    assert json.loads(bundle)["devices"]["d0"]["differs"] == ["brightness"]
    assert support.main(["sync", user, *endpoint]) == 0
    assert "Request Sync sent" in capsys.readouterr().out
