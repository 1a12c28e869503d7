"""The local stand-in for Eventarc's delivery: concurrent, retried, nothing dropped silently."""

import http.client
import io
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from devstack.eventarc import EventarcRelay
from tests.support.waiting import eventually

Answer = Callable[[dict[str, str], bytes], int]


class Function:
    """A function server on a free port whose answer to each event ``answer`` decides."""

    def __init__(self, answer: Answer, idle: float | None = None) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        function = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = idle  # a kept-alive connection idle this long is closed

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                function.received.append((headers, body))
                self.send_response(answer(headers, body))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def started() -> Iterator[Callable[..., tuple[EventarcRelay, Function]]]:
    made: list[tuple[EventarcRelay, Function]] = []

    def start(
        answer: Answer, idle: float | None = None, **options: Any
    ) -> tuple[EventarcRelay, Function]:
        function = Function(answer, idle)
        relay = EventarcRelay(function.port, log=io.StringIO(), **options).start()
        made.append((relay, function))
        return relay, function

    yield start
    for relay, function in made:
        relay.stop(drain_seconds=0)
        function.stop()


def post(relay: EventarcRelay, event_id: str, body: bytes = b"\x0a\x01x") -> int:
    host, port = relay.host.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request(
        "POST",
        "/functions/projects/p/triggers/t",
        body=body,
        headers={"ce-id": event_id, "ce-type": "written", "Content-Type": "application/protobuf"},
    )
    status = connection.getresponse().status
    connection.close()
    return status


def test_events_are_accepted_at_once_and_delivered_concurrently(started) -> None:
    everyone_in = threading.Barrier(4, timeout=5)

    def answer(_headers: dict[str, str], _body: bytes) -> int:
        everyone_in.wait()  # breaks (500) unless four deliveries are in flight together
        return 204

    relay, function = started(answer, concurrency=4)
    began = time.monotonic()
    assert [post(relay, f"e{n}") for n in range(4)] == [202] * 4
    assert time.monotonic() - began < 1, "the emulator is never held while a function runs"
    eventually(lambda: relay.delivered == 4, 10, "four events delivered")
    assert len(function.received) == 4, "no delivery failed, so none was repeated"


def test_an_event_arrives_whole_and_a_failed_delivery_is_retried(started) -> None:
    answers = iter([500, 503, 200])
    relay, function = started(lambda _h, _b: next(answers), first_backoff=0.01)
    post(relay, "e1", body=b"\x00binary\xff")
    eventually(lambda: relay.delivered == 1, 10, "delivered on the third attempt")
    assert len(function.received) == 3
    headers, body = function.received[-1]
    assert body == b"\x00binary\xff"
    assert (headers["ce-id"], headers["ce-type"]) == ("e1", "written")
    assert headers["content-type"] == "application/protobuf"
    assert relay.given_up == 0


def test_an_unreachable_function_is_retried_then_given_up_and_logged(started) -> None:
    relay, function = started(lambda _h, _b: 204, first_backoff=0.01, retry_seconds=0.3)
    function.stop()
    post(relay, "lost-1")
    eventually(lambda: relay.given_up == 1, 10, "the event given up")
    assert relay.delivered == 0
    assert isinstance(relay.log, io.StringIO)
    assert "event lost-1 given up" in relay.log.getvalue()
    assert "no connection" in relay.log.getvalue()


def test_stop_waits_for_what_is_queued(started) -> None:
    def slow(_headers: dict[str, str], _body: bytes) -> int:
        time.sleep(0.05)
        return 204

    relay, function = started(slow, concurrency=1)
    for n in range(5):
        post(relay, f"e{n}")
    relay.stop(drain_seconds=10)
    assert relay.delivered == 5
    assert relay.idle()


def test_a_kept_alive_connection_closed_while_idle_costs_no_retry(started) -> None:
    """The function's server closes idle kept-alive connections (gunicorn after 2 s): the next
    event must not wait out a backoff because of it."""
    relay, function = started(lambda _h, _b: 204, concurrency=1, first_backoff=30, idle=0.2)
    post(relay, "e1")
    eventually(lambda: relay.delivered == 1, 10, "the first event")
    time.sleep(0.6)  # the server has closed the idle connection by now
    post(relay, "e2")
    eventually(lambda: relay.delivered == 2, 5, "the second event without a 30 s backoff")
    assert [headers["ce-id"] for headers, _ in function.received] == ["e1", "e2"]
