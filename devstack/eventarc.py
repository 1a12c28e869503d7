"""Eventarc's delivery of Firestore events, as the local stack stands in for it.

The Firestore emulator POSTs each event to its ``--functions_emulator`` host and waits for the
answer before it posts the next one: one event at a time, for the whole project. Eventarc on
Google Cloud delivers events concurrently (up to the function's instances times its concurrency),
in no guaranteed order, at least once, and with ``RETRY_POLICY_RETRY`` (terraform/functions.tf)
retries a failed delivery with exponential backoff. This relay sits between the two: it takes an
event from the emulator at once (202, once queued), delivers it with up to ``concurrency`` in
flight, and retries a failed delivery (an error status, a refused or broken connection) with
backoff until ``retry_seconds`` after it arrived; what it gives up on is logged, never dropped
silently. ``stop`` waits for the queue to drain (up to a bound) before it closes.
"""

import http.client
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

DELIVERY_TIMEOUT_SECONDS = 300
"""How long one delivery may take (the event functions' timeout is 180 s by default)."""
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
"""How a kept-alive connection that the server closed while idle fails."""
HEADERS_KEPT = ("content-type",)
"""Besides the CloudEvent's ``ce-*`` attributes."""


@dataclass
class Event:
    path: str
    headers: dict[str, str]
    body: bytes
    arrived: float = field(default_factory=time.monotonic)
    attempts: int = 0


class EventarcRelay:
    """Concurrent, retried delivery of the emulator's events to one function's server."""

    def __init__(
        self,
        target_port: int,
        *,
        concurrency: int = 8,
        retry_seconds: float = 600.0,
        first_backoff: float = 1.0,
        max_backoff: float = 10.0,
        log: TextIO = sys.stderr,
    ) -> None:
        self.target_port = target_port
        self.concurrency = concurrency
        self.retry_seconds = retry_seconds
        self.first_backoff, self.max_backoff = first_backoff, max_backoff
        self.log = log
        self.queue: queue.Queue[Event | None] = queue.Queue()
        self.delivered = 0
        self.given_up = 0
        self._lock = threading.Lock()
        self._timers: set[threading.Timer] = set()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    @property
    def host(self) -> str:
        assert self._server
        return f"127.0.0.1:{self._server.server_address[1]}"

    def start(self, port: int = 0) -> "EventarcRelay":
        relay = self

        class Accept(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower().startswith("ce-") or name.lower() in HEADERS_KEPT
                }
                relay.queue.put(Event(self.path, headers, body))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Accept)
        self._server.daemon_threads = True
        self._threads = [
            threading.Thread(target=self._server.serve_forever, name="eventarc", daemon=True)
        ]
        self._threads += [
            threading.Thread(target=self._deliver_forever, name=f"eventarc-{n}", daemon=True)
            for n in range(self.concurrency)
        ]
        for thread in self._threads:
            thread.start()
        return self

    def idle(self) -> bool:
        """Nothing queued, in flight or waiting for a retry."""
        with self._lock:
            return not self.queue.unfinished_tasks and not self._timers

    def stop(self, drain_seconds: float = 5.0) -> None:
        deadline = time.monotonic() + drain_seconds
        while not self.idle() and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stopping.set()
        with self._lock:
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        for _ in range(self.concurrency):
            self.queue.put(None)
        for thread in self._threads:
            thread.join(timeout=15)

    def _deliver_forever(self) -> None:
        connection: http.client.HTTPConnection | None = None
        while True:
            event = self.queue.get()
            if event is None:
                self.queue.task_done()
                break
            connection, status = self._post(connection, event)
            if 200 <= status < 300:
                with self._lock:
                    self.delivered += 1
            else:
                self._retry(event, status)
            self.queue.task_done()
        if connection:
            connection.close()

    def _post(
        self, connection: http.client.HTTPConnection | None, event: Event
    ) -> tuple[http.client.HTTPConnection | None, int]:
        """POST the event on this thread's kept-alive connection; the status, or 0 when no
        answer came (the connection is dropped). A kept-alive connection that the server closed
        while idle fails before any answer: the event then goes again at once on a new
        connection, within the same attempt."""
        event.attempts += 1
        if connection is not None:
            try:
                return self._exchange(connection, event)
            except STALE:
                connection.close()
            except (OSError, http.client.HTTPException):
                connection.close()
                return None, 0
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.target_port, timeout=DELIVERY_TIMEOUT_SECONDS
        )
        try:
            return self._exchange(connection, event)
        except (OSError, http.client.HTTPException):
            connection.close()
            return None, 0

    @staticmethod
    def _exchange(
        connection: http.client.HTTPConnection, event: Event
    ) -> tuple[http.client.HTTPConnection | None, int]:
        connection.request("POST", event.path, body=event.body, headers=event.headers)
        response = connection.getresponse()
        response.read()
        if response.will_close:
            connection.close()
            return None, response.status
        return connection, response.status

    def _retry(self, event: Event, status: int) -> None:
        wait = min(self.max_backoff, self.first_backoff * 2 ** (event.attempts - 1))
        if self._stopping.is_set() or time.monotonic() + wait > event.arrived + self.retry_seconds:
            with self._lock:
                self.given_up += 1
            print(
                f"eventarc: event {event.headers.get('ce-id', '?')} given up after "
                f"{event.attempts} attempts (last status {status or 'no connection'})",
                file=self.log,
                flush=True,
            )
            return

        def again() -> None:
            if not self._stopping.is_set():
                self.queue.put(event)
            with self._lock:
                self._timers.discard(timer)

        timer = threading.Timer(wait, again)
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()
