"""The real GoogleHomeGraph adapter against the local Home Graph server (loopback only).

A tiny stand-in fulfillment answers the SYNC that the server sends, as Google would.
"""

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NoReturn

import pytest

from devstack.emulators import free_port
from devstack.homegraph_server import (
    DEVICE_NOT_FOUND,
    REPORT_STATE,
    REQUEST_SYNC,
    Faults,
    HomeGraphServer,
)
from functions.on_device_change.client import GoogleHomeGraph, HomeGraphError

DEVICES = [
    {
        "id": "lamp",
        "type": "action.devices.types.LIGHT",
        "traits": ["action.devices.traits.OnOff", "action.devices.traits.Brightness"],
        "name": {"name": "Lamp"},
        "willReportState": True,
    },
    {
        "id": "door",
        "type": "action.devices.types.LOCK",
        "traits": ["action.devices.traits.LockUnlock"],
        "name": {"name": "Door"},
        "willReportState": True,
    },
]

MakeServer = Callable[..., HomeGraphServer]


class Fulfillment:
    """Answers SYNC with DEVICES for the user named by a valid bearer token ``tok-<user>``."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.received = threading.Event()
        self.answer_user: str | None = None  # answer SYNC as this agentUserId instead
        self.query_answer: dict[str, Any] | None = {}  # QUERY's devices; None: HTTP 401
        self.query_gate = threading.Event()
        self.query_gate.set()
        self.queried = threading.Event()
        self.bodies: list[dict[str, Any]] = []
        fulfillment = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fulfillment.bodies.append(body)
                fulfillment.received.set()
                fulfillment.gate.wait(5)
                auth = self.headers.get("Authorization", "")
                intent = body["inputs"][0]["intent"]
                if intent == "action.devices.QUERY" and fulfillment.query_answer is not None:
                    fulfillment.queried.set()
                    fulfillment.query_gate.wait(5)
                    devices = fulfillment.query_answer
                    answer: dict[str, Any] = {
                        "requestId": body["requestId"],
                        "payload": {"devices": devices},
                    }
                elif not auth.startswith("Bearer tok-") or intent != "action.devices.SYNC":
                    self.send_response(401)
                    self.end_headers()
                    return
                else:
                    user = fulfillment.answer_user or auth.removeprefix("Bearer tok-")
                    answer = {
                        "requestId": body["requestId"],
                        "payload": {"agentUserId": user, "devices": DEVICES},
                    }
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.httpd.daemon_threads = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,))
        self.thread.start()

    def stop(self) -> None:
        self.gate.set()
        self.httpd.shutdown()
        self.thread.join()
        self.httpd.server_close()


@pytest.fixture
def fulfillment() -> Iterator[Fulfillment]:
    fake = Fulfillment()
    yield fake
    fake.stop()


@pytest.fixture
def make_server(fulfillment: Fulfillment) -> Iterator[MakeServer]:
    servers: list[HomeGraphServer] = []

    def make(**kwargs: Any) -> HomeGraphServer:
        server = HomeGraphServer(fulfillment.url, lambda user: f"tok-{user}", **kwargs).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server: MakeServer) -> HomeGraphServer:
    return make_server()


def post(
    server: HomeGraphServer, path: str, body: dict[str, Any], method: str = "POST"
) -> tuple[int, Any]:
    request = urllib.request.Request(
        server.url + path, data=json.dumps(body).encode(), method=method
    )
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def synced(server: HomeGraphServer, user: str = "alice") -> HomeGraphServer:
    server.link(user, sync=True)
    assert [d["id"] for d in server.synced_devices(user)] == ["lamp", "door"]
    return server


def failure(call: Callable[[], object]) -> HomeGraphError:
    with pytest.raises(HomeGraphError) as caught:
        call()
    return caught.value


def test_async_request_sync_answers_at_once_and_the_view_follows(
    server: HomeGraphServer, fulfillment: Fulfillment
) -> None:
    server.link("alice")
    fulfillment.gate.clear()
    started = time.monotonic()
    GoogleHomeGraph.connect(server.url).request_sync("alice")
    assert time.monotonic() - started < 2
    assert server.calls[-1] == (
        f"POST {REQUEST_SYNC}",
        {"agentUserId": "alice", "async": True},
        200,
    )
    assert fulfillment.received.wait(2)
    assert server.synced_devices("alice") == []
    fulfillment.gate.set()
    assert server.wait_idle(5)
    assert server.synced_devices("alice") == DEVICES
    assert fulfillment.bodies[0]["inputs"] == [{"intent": "action.devices.SYNC"}]
    assert fulfillment.bodies[1]["inputs"] == [  # Google then asks the states it lacks
        {"intent": "action.devices.QUERY", "payload": {"devices": [{"id": "lamp"}, {"id": "door"}]}}
    ]
    assert server.syncs_sent == ["alice"]


def test_synchronous_request_sync_allows_one_at_a_time_per_user(
    server: HomeGraphServer, fulfillment: Fulfillment
) -> None:
    server.link("alice")
    server.link("bob")
    fulfillment.gate.clear()
    first: list[tuple[int, Any]] = []
    thread = threading.Thread(
        target=lambda: first.append(post(server, REQUEST_SYNC, {"agentUserId": "alice"}))
    )
    thread.start()
    assert fulfillment.received.wait(2)
    status, answer = post(server, REQUEST_SYNC, {"agentUserId": "alice", "async": False})
    assert status == 429
    assert answer["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert post(server, REQUEST_SYNC, {"agentUserId": "bob", "async": True}) == (200, {})
    fulfillment.gate.set()
    thread.join(5)
    assert first == [(200, {})]
    assert server.wait_idle(5)
    assert server.synced_devices("alice") == DEVICES == server.synced_devices("bob")


@pytest.mark.parametrize(
    ("faults", "status"), [(Faults(rate_429=1), 429), (Faults(rate_500=1), 500)]
)
def test_transient_errors_are_retryable_and_change_nothing(
    make_server: MakeServer, faults: Faults, status: int
) -> None:
    server = synced(make_server(faults=faults))
    homegraph = GoogleHomeGraph.connect(server.url)
    error = failure(lambda: homegraph.request_sync("alice"))
    assert (error.status, error.retryable, error.not_found) == (status, True, False)
    assert error.reason.startswith("RESOURCE_EXHAUSTED" if status == 429 else "INTERNAL")
    error = failure(lambda: homegraph.report_state("alice", "r1", {"lamp": {"on": True}}))
    assert error.status == status
    assert server.wait_idle(5)
    assert server.syncs_sent == ["alice"]  # only link's own SYNC
    assert server.reported_states("alice") == {}


def test_unknown_user_is_not_found_and_not_retryable(server: HomeGraphServer) -> None:
    homegraph = GoogleHomeGraph.connect(server.url)
    for call in (
        lambda: homegraph.request_sync("nobody"),
        lambda: homegraph.report_state("nobody", "r1", {"lamp": {"on": True}}),
    ):
        error = failure(call)
        assert (error.status, error.not_found, error.retryable) == (404, True, False)
        assert error.reason == "NOT_FOUND: Requested entity was not found."
    assert post(server, "/v1/devices:query", {"agentUserId": "nobody", "inputs": []})[0] == 404
    assert server.syncs_sent == []


def test_report_state_overwrites_each_reported_trait_whole(server: HomeGraphServer) -> None:
    synced(server)
    homegraph = GoogleHomeGraph.connect(server.url)
    homegraph.report_state(
        "alice",
        "r1",
        {
            "lamp": {"online": True, "on": True, "brightness": 50},
            "door": {"online": True, "isLocked": True, "isJammed": False},
        },
    )
    homegraph.report_state("alice", "r2", {"door": {"isLocked": False}, "lamp": {"brightness": 7}})
    assert server.calls[-1].body == {
        "requestId": "r2",
        "agentUserId": "alice",
        "payload": {
            "devices": {"states": {"door": {"isLocked": False}, "lamp": {"brightness": 7}}}
        },
    }
    expected = {
        "lamp": {"online": True, "on": True, "brightness": 7},
        "door": {"online": True, "isLocked": False},  # isJammed went with its trait
    }
    assert server.reported_states("alice") == expected
    assert server.last_reported("alice", "door") == {"isLocked": False}
    status, answer = post(
        server,
        "/v1/devices:query",
        {
            "requestId": "q1",
            "agentUserId": "alice",
            "inputs": [{"payload": {"devices": [{"id": "lamp"}, {"id": "door"}]}}],
        },
    )
    assert (status, answer) == (200, {"requestId": "q1", "payload": {"devices": expected}})
    status, answer = post(server, "/v1/devices:sync", {"requestId": "s1", "agentUserId": "alice"})
    assert answer == {"requestId": "s1", "payload": {"agentUserId": "alice", "devices": DEVICES}}


@pytest.mark.parametrize(
    "states",
    [
        {"lamp": {"on": True, "isLocked": True}},  # LockUnlock is not a trait of the lamp
        {"lamp": {"on": True, "status": "SUCCESS"}},  # a QUERY-only field
        {"door": {"isLocked": True}, "lamp": {"color": {"spectrumRgb": 1}}},
    ],
)
def test_state_of_an_undeclared_trait_is_invalid_and_nothing_is_stored(
    server: HomeGraphServer, states: dict[str, Any]
) -> None:
    synced(server)
    homegraph = GoogleHomeGraph.connect(server.url)
    homegraph.report_state("alice", "r1", {"lamp": {"on": False}})
    error = failure(lambda: homegraph.report_state("alice", "r2", states))
    assert (error.status, error.retryable, error.not_found) == (400, False, False)
    assert error.reason.startswith("INVALID_ARGUMENT")
    assert server.reported_states("alice") == {"lamp": {"on": False}}
    assert server.errors and server.errors[-1][0] == "alice"


def test_device_google_does_not_know_is_not_found_and_nothing_is_stored(
    server: HomeGraphServer,
) -> None:
    synced(server)
    homegraph = GoogleHomeGraph.connect(server.url)
    error = failure(
        lambda: homegraph.report_state("alice", "r1", {"lamp": {"on": True}, "gone": {"on": True}})
    )
    assert (error.status, error.not_found, error.retryable) == (404, True, False)
    assert error.reason == f"NOT_FOUND: {DEVICE_NOT_FOUND}"
    assert server.reported_states("alice") == {}


def test_a_freshly_linked_user_is_unknown_to_report_state_for_a_while(
    make_server: MakeServer,
) -> None:
    server = synced(make_server(new_user_delay=0.4))
    homegraph = GoogleHomeGraph.connect(server.url)
    assert failure(lambda: homegraph.report_state("alice", "r1", {"lamp": {"on": True}})).not_found
    time.sleep(0.45)
    homegraph.report_state("alice", "r2", {"lamp": {"on": True}})
    assert server.reported_states("alice") == {"lamp": {"on": True}}


def test_fault_rates_are_roughly_honoured_and_faulted_calls_change_nothing(
    make_server: MakeServer,
) -> None:
    server = synced(make_server(faults=Faults(rate_429=0.2, rate_500=0.1, seed=7)))
    homegraph = GoogleHomeGraph.connect(server.url)
    outcomes: dict[int | None, int] = {}
    last_ok = None
    for level in range(200):
        status: int | None = 200
        try:
            homegraph.report_state("alice", str(level), {"lamp": {"brightness": level}})
            last_ok = level
        except HomeGraphError as exc:
            assert exc.retryable
            status = exc.status
        outcomes[status] = outcomes.get(status, 0) + 1
    assert set(outcomes) == {200, 429, 500}
    assert 20 <= outcomes[429] <= 60
    assert 8 <= outcomes[500] <= 35
    assert server.count(REPORT_STATE) == 200
    assert server.count(REPORT_STATE, 429) == outcomes[429]
    assert server.reported_states("alice") == {"lamp": {"brightness": last_ok}}


def test_a_stalled_call_times_out_as_retryable_without_status(make_server: MakeServer) -> None:
    server = synced(make_server(faults=Faults(rate_timeout=1, timeout_seconds=0.6)))
    homegraph = GoogleHomeGraph.connect(server.url, timeout=0.3)
    started = time.monotonic()
    error = failure(lambda: homegraph.report_state("alice", "r1", {"lamp": {"on": True}}))
    assert time.monotonic() - started < 0.6
    assert (error.status, error.retryable, error.not_found) == (None, True, False)
    time.sleep(0.4)  # let the server finish the stall and record it
    assert server.calls[-1].status is None
    assert server.reported_states("alice") == {}
    server.faults = Faults()
    homegraph.report_state("alice", "r2", {"lamp": {"on": True}})  # the same client recovers
    assert server.reported_states("alice") == {"lamp": {"on": True}}


def test_sync_answering_another_user_is_recorded_and_the_old_view_kept(
    server: HomeGraphServer, fulfillment: Fulfillment
) -> None:
    synced(server)
    fulfillment.answer_user = "mallory"
    GoogleHomeGraph.connect(server.url).request_sync("alice")
    assert server.wait_idle(5)
    assert server.synced_devices("alice") == DEVICES
    assert server.errors == [("alice", "SYNC failed: SYNC answered another agentUserId")]


def test_deleting_an_agent_user_unlinks_it(server: HomeGraphServer) -> None:
    synced(server)
    assert post(server, "/v1/agentUsers/alice", {}, method="DELETE") == (200, {})
    assert post(server, "/v1/agentUsers/alice", {}, method="DELETE")[0] == 404
    assert not server.is_linked("alice")
    assert failure(lambda: GoogleHomeGraph.connect(server.url).request_sync("alice")).not_found


def test_unknown_request_fields_are_rejected_like_google(server: HomeGraphServer) -> None:
    server.link("alice")
    status, answer = post(server, REQUEST_SYNC, {"agentUserID": "alice"})
    assert status == 400
    assert answer["error"]["status"] == "INVALID_ARGUMENT"
    assert server.syncs_sent == []


def test_connect_without_endpoint_touches_no_credentials_until_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    def no_credentials(**_: Any) -> NoReturn:
        raise DefaultCredentialsError("no credentials here")  # type: ignore[no-untyped-call]

    monkeypatch.setattr(google.auth, "default", no_credentials)
    homegraph = GoogleHomeGraph.connect()
    error = failure(lambda: homegraph.request_sync("alice"))
    assert (error.status, error.retryable) == (None, False)


def test_stop_ends_a_stalled_call_and_leaves_no_thread() -> None:
    before = set(threading.enumerate())
    fulfillment = Fulfillment()
    server = HomeGraphServer(
        fulfillment.url,
        lambda user: f"tok-{user}",
        faults=Faults(rate_timeout=1, timeout_seconds=30),
    ).start()
    server.link("alice")
    homegraph = GoogleHomeGraph.connect(server.url, timeout=0.2)
    assert failure(lambda: homegraph.request_sync("alice")).status is None
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3
    fulfillment.stop()
    assert set(threading.enumerate()) <= before


def test_stop_waits_for_a_background_sync_and_leaves_no_thread() -> None:
    before = set(threading.enumerate())
    fulfillment = Fulfillment()
    server = HomeGraphServer(fulfillment.url, lambda user: f"tok-{user}").start()
    server.link("alice")
    fulfillment.gate.clear()
    GoogleHomeGraph.connect(server.url).request_sync("alice")
    assert fulfillment.received.wait(2)
    opener = threading.Timer(0.2, fulfillment.gate.set)
    opener.start()
    server.stop()
    opener.join()
    assert server.synced_devices("alice") == DEVICES
    fulfillment.stop()
    assert set(threading.enumerate()) <= before


def test_reset_forgets_users_states_and_calls(server: HomeGraphServer) -> None:
    synced(server)
    GoogleHomeGraph.connect(server.url).report_state("alice", "r1", {"lamp": {"on": True}})
    assert server.count(REPORT_STATE, 200) == 1
    server.reset()
    assert (server.calls, server.syncs_sent, server.errors) == ([], [], [])
    assert not server.is_linked("alice")
    assert server.reported_states("alice") == {}


# --- Google's QUERY after SYNC, and the records readable over HTTP ------------------------------


def get(server: HomeGraphServer, path: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(server.url + path, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_sync_is_followed_by_a_query_and_a_report_meanwhile_wins(
    server: HomeGraphServer, fulfillment: Fulfillment
) -> None:
    fulfillment.query_answer = {
        "lamp": {"online": True, "on": True, "brightness": 40, "status": "SUCCESS"},
        "door": {"online": True, "isLocked": True, "isJammed": False, "status": "SUCCESS"},
    }
    fulfillment.query_gate.clear()
    server.link("alice")
    GoogleHomeGraph.connect(server.url).request_sync("alice")
    assert fulfillment.queried.wait(5)
    GoogleHomeGraph.connect(server.url).report_state("alice", "r1", {"lamp": {"on": False}})
    fulfillment.query_gate.set()
    assert server.wait_idle(5)
    assert server.reported_states("alice") == {
        "lamp": {"on": False},  # reported after the QUERY was asked: newer, kept
        "door": {"online": True, "isLocked": True, "isJammed": False},  # without "status"
    }
    assert server.last_reported("alice", "door") is None  # QUERY is not a report

    server.reset()
    fulfillment.query_answer = {
        "lamp": {"online": False, "status": "ERROR", "errorCode": "deviceOffline"},
        "door": {"status": "ERROR", "errorCode": "deviceNotFound"},
    }
    synced(server)
    assert server.reported_states("alice") == {"lamp": {"online": False}}


def test_a_failed_query_is_an_error_google_would_show(
    server: HomeGraphServer, fulfillment: Fulfillment
) -> None:
    fulfillment.query_answer = None  # the fake answers QUERY with HTTP 401
    synced(server)
    assert server.errors == [("alice", "QUERY failed: fulfillment answered HTTP 401")]
    assert server.reported_states("alice") == {}


def test_records_tell_what_google_received_in_order_with_a_cursor(
    server: HomeGraphServer,
) -> None:
    synced(server)
    server.link("bob")
    homegraph = GoogleHomeGraph.connect(server.url)
    homegraph.report_state("alice", "r1", {"lamp": {"on": True}})
    failure(lambda: homegraph.report_state("alice", "r2", {"lamp": {"isLocked": True}}))
    failure(lambda: homegraph.report_state("bob", "r3", {"lamp": {"on": True}}))
    status, answer = get(server, "/local/records?agentUserId=alice")
    assert status == 200
    kinds = [(r["kind"], r.get("status")) for r in answer["records"]]
    assert kinds == [
        ("sync", None),
        ("query", None),
        ("reportState", 200),
        ("error", None),
        ("reportState", 400),
    ]
    seqs = [r["seq"] for r in answer["records"]]
    assert seqs == sorted(seqs) and answer["missed"] == 0
    assert answer["cursor"] == answer["latest"]  # bob's record was looked at too
    first = answer["records"][0]
    assert first["devices"] == ["lamp", "door"] and first["at"].endswith("Z")
    assert answer["records"][2]["request"]["payload"]["devices"]["states"] == {"lamp": {"on": True}}
    assert (
        answer["records"][3]["message"]
        == "lamp: states ['isLocked'] belong to none of the device's traits"
    )

    status, later = get(server, f"/local/records?since={seqs[2]}&kind=reportState")
    assert [(r["agentUserId"], r["status"]) for r in later["records"]] == [
        ("alice", 400),
        ("bob", 404),
    ]
    status, paged = get(server, "/local/records?limit=2")
    assert [r["seq"] for r in paged["records"]] == [1, 2] and paged["cursor"] == 2
    status, nothing = get(server, f"/local/records?since={answer['latest']}")
    assert (status, nothing["records"], nothing["cursor"]) == (200, [], answer["latest"])


def test_notifications_and_follow_ups_are_records(server: HomeGraphServer) -> None:
    synced(server)
    body = {
        "requestId": "n1",
        "agentUserId": "alice",
        "eventId": "cmd-1",
        "payload": {
            "devices": {
                "notifications": {
                    "door": {
                        "LockUnlock": {
                            "priority": 0,
                            "followUpResponse": {
                                "status": "SUCCESS",
                                "isLocked": False,
                                "followUpToken": "t1",
                            },
                        }
                    }
                }
            }
        },
    }
    assert post(server, REPORT_STATE, body)[0] == 200
    _, answer = get(server, "/local/records?kind=followUp,notification")
    (record,) = answer["records"]
    assert (record["kind"], record["deviceId"], record["trait"], record["eventId"]) == (
        "followUp",
        "door",
        "LockUnlock",
        "cmd-1",
    )
    assert record["payload"]["followUpResponse"]["isLocked"] is False


def test_a_waiting_reader_gets_the_next_record_and_stop_wakes_it(
    server: HomeGraphServer,
) -> None:
    synced(server)
    _, now = get(server, "/local/records")
    got: list[Any] = []
    reader = threading.Thread(
        target=lambda: got.append(get(server, f"/local/records?since={now['cursor']}&wait=10"))
    )
    reader.start()
    GoogleHomeGraph.connect(server.url).report_state("alice", "r1", {"lamp": {"on": True}})
    reader.join(10)
    assert [r["kind"] for r in got[0][1]["records"]] == ["reportState"]

    _, now = get(server, "/local/records")
    waiting = threading.Thread(
        target=lambda: got.append(get(server, f"/local/records?since={now['cursor']}&wait=30"))
    )
    waiting.start()
    deadline = time.monotonic() + 10
    while server.journal.waiting == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.stop()  # returns once the waiting read was answered (request threads are joined)
    waiting.join(5)
    assert not waiting.is_alive() and got[1] == (
        200,
        {"records": [], "cursor": now["cursor"], "latest": now["cursor"], "missed": 0},
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=-1", "since must be from 0"),
        ("since=x", "since must be a number"),
        ("since=999", "past the latest record"),
        ("limit=0", "limit must be from 1 to 1000"),
        ("wait=nan", "wait must be from 0 to 30"),
        ("kind=sync,bogus", "kind must be among"),
        ("since=1&since=2", "given more than once"),
        ("user=alice", "unknown parameter 'user'"),
    ],
)
def test_a_bad_records_query_is_refused_with_its_reason(
    server: HomeGraphServer, query: str, message: str
) -> None:
    synced(server)
    status, answer = get(server, f"/local/records?{query}")
    assert status == 400
    assert message in answer["error"]["message"]


def test_home_is_what_google_holds_for_a_user(server: HomeGraphServer) -> None:
    synced(server)
    GoogleHomeGraph.connect(server.url).report_state("alice", "r1", {"lamp": {"on": True}})
    status, home = get(server, "/local/homes/alice")
    assert status == 200
    assert (home["devices"], home["states"]) == (DEVICES, {"lamp": {"on": True}})
    assert home["syncedAt"].endswith("Z") and set(home["updatedAt"]) == {"lamp"}
    assert get(server, "/local/homes") == (200, {"agentUserIds": ["alice"]})
    assert get(server, "/local/homes/nobody")[0] == 404
    assert get(server, "/local/elsewhere")[0] == 404
