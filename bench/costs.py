"""``make bench``, the costs: Firestore operations (reads, writes, deletes, round trips) and
function invocations per unit of work, counted at the client (bench/counting.py), exact.

Each unit runs the product's own code over the Firestore emulator with a counted client:
the fulfillment's intents through ``webhook.respond``, account linking through
``account_linking.http.respond``, and a state write end to end: a device backend writes the
document (its own client, not counted: that write is the backend's), on_device_written's
``publish_change`` handles the change Eventarc would deliver, and each user's messages are
delivered to on_device_change's ``handle_change`` one at a time, in order, as the ordered push
subscription does. Home Graph is a stand-in that accepts every call (its calls are counted too).
"""

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.counting import Counts, FirestoreCounter, counted_client
from bench.fulfillment import answer_commands, body, seed
from devstack.emulators import launch_firestore
from devstack.local import ROOT
from functions.account_linking.firestore_records import FirestoreRecords
from functions.account_linking.http import HttpRequest, Linking
from functions.account_linking.http import respond as linking_respond
from functions.account_linking.identity import SignInFailed
from functions.core.config import Config
from functions.core.messages import Message
from functions.core.units import SECOND
from functions.fulfillment.firestore_store import FirestoreStore
from functions.fulfillment.webhook import respond
from functions.on_device_change.context import Pipeline
from functions.on_device_change.firestore_ledger import FirestoreLedger
from functions.on_device_change.router import handle_change
from functions.on_device_written.events import DocumentChange
from functions.on_device_written.handler import publish_change

PROJECT = "demo-smarthome-costs"
GOOGLE = f"https://oauth-redirect.googleusercontent.com/r/{PROJECT}"


@dataclass
class Row:
    unit: str
    per: str
    counts: Counts
    units: int
    invocations: dict[str, float]
    homegraph_calls: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        n = max(1, self.units)
        return {
            "unit": self.unit,
            "per": self.per,
            "units": self.units,
            "reads": round(self.counts.reads / n, 2),
            "writes": round(self.counts.writes / n, 2),
            "deletes": round(self.counts.deletes / n, 2),
            "operations": round(self.counts.operations / n, 2),
            "round_trips": round(self.counts.round_trips / n, 2),
            "invocations": {k: round(v, 2) for k, v in self.invocations.items()},
            "homegraph_calls": round(self.homegraph_calls, 2),
        }


class AcceptingHomeGraph:
    """Home Graph that takes every call at once; counts them."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def _call(self) -> None:
        with self._lock:
            self.calls += 1

    def request_sync(self, agent_user_id: str) -> None:
        self._call()

    def report_state(self, agent_user_id: str, request_id: str, states: Any) -> None:
        self._call()

    def notify(self, agent_user_id: str, request_id: str, event_id: str, notes: Any) -> None:
        self._call()

    def query(self, agent_user_id: str, request_id: str, ids: list[str]) -> dict[str, Any]:
        self._call()
        return {}


class OrderedPush:
    """Pub/Sub's ordered push in process: one user's messages handled one at a time, in order,
    by a pool of workers (a failed one is handled again before the next)."""

    def __init__(self, handle: Callable[[dict[str, Any]], None], workers: int = 16) -> None:
        self.handle = handle
        self.pool = ThreadPoolExecutor(workers)
        self.queues: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        self.busy: set[str] = set()
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.delivered = 0
        self.published = 0
        self._ids = 0

    def publish(self, messages: Sequence[Message]) -> None:
        with self.lock:
            for message in messages:
                self._ids += 1
                self.published += 1
                self.queues[message.user_id].append(
                    {
                        "data": __import__("base64").b64encode(message.encode()).decode(),
                        "messageId": f"m{self._ids}",
                        "publishTime": datetime.now(UTC).isoformat(),
                        "attributes": message.attributes,
                    }
                )
                self._start(message.user_id)

    def _start(self, user_id: str) -> None:
        if user_id not in self.busy and self.queues[user_id]:
            self.busy.add(user_id)
            self.pool.submit(self._drain, user_id)

    def _drain(self, user_id: str) -> None:
        while True:
            with self.lock:
                if not self.queues[user_id]:
                    self.busy.discard(user_id)
                    self.idle.notify_all()
                    return
                message = self.queues[user_id][0]
            try:
                self.handle(message)
            except Exception:  # Pub/Sub would deliver it again
                time.sleep(0.05)
                continue
            with self.lock:
                self.queues[user_id].popleft()
                self.delivered += 1

    def wait(self, timeout: float = 120) -> None:
        with self.idle:
            self.idle.wait_for(lambda: not self.busy, timeout)

    def close(self) -> None:
        self.pool.shutdown()


@dataclass
class Setup:
    client: Any
    counter: FirestoreCounter
    backend: Any
    """An uncounted client: the device backend's."""


def measure(setup: Setup, action: Callable[[], Any]) -> Counts:
    before = setup.counter.snapshot()
    action()
    return setup.counter.snapshot().minus(before)


# --- the fulfillment ------------------------------------------------------------------------


def intents(setup: Setup, repeat: int) -> list[Row]:
    store = FirestoreStore(setup.client)
    rows = []
    homes = {size: seed(setup.backend, f"costs-{size}", size) for size in (1, 10, 100)}

    def requests(home: Any, raw: bytes) -> Callable[[], None]:
        def send() -> None:
            for _ in range(repeat):
                respond("POST", f"Bearer {home.token}", raw, lambda: store)

        return send

    for size, home in homes.items():
        for intent in ("QUERY", "EXECUTE", "SYNC"):
            counts = measure(setup, requests(home, body(intent, home.device_ids)))
            rows.append(Row(f"{intent} of {size}", "request", counts, repeat, {"fulfillment": 1}))
    for size in (1, 10, 100):
        home = seed(setup.backend, f"costs-confirmed-{size}", size)
        devices = setup.backend.collection("users").document(home.user_id).collection("devices")
        for device_id in home.device_ids:
            devices.document(device_id).update({"execution": {"mode": "confirmed"}})
        stops = [answer_commands(setup.backend, _one(home, d)) for d in home.device_ids[:10]]
        try:
            raw = body("EXECUTE", home.device_ids[:10] if size > 10 else home.device_ids)
            counts = measure(setup, requests(home, raw))
        finally:
            for stop in stops:
                stop()
        label = f"EXECUTE confirmed of {min(size, 10)}"
        if size <= 10:
            rows.append(
                Row(label, "request (outcomes in time)", counts, repeat, {"fulfillment": 1})
            )
    return rows


def _one(home: Any, device_id: str) -> Any:
    return type(home)(home.user_id, home.token, [device_id])


# --- account linking ------------------------------------------------------------------------


class Passwords:
    def __init__(self, users: dict[str, tuple[str, str]]) -> None:
        self.users = users

    def sign_in(self, email: str, password: str) -> str:
        found = self.users.get(email)
        if found is None or found[0] != password:
            raise SignInFailed("no")
        return found[1]

    def verify(self, id_token: str) -> str:
        raise SignInFailed("no App Flip in this bench")


def linking(setup: Setup, repeat: int) -> list[Row]:
    config = Config(project_id=PROJECT, oauth_client_id="google", oauth_client_secret="s" * 40)
    users = {f"p{n}@example.com": ("pw", f"costs-linked-{n}") for n in range(repeat)}
    link = Linking(FirestoreRecords(setup.client), Passwords(users), config)
    now = datetime.now(UTC)
    refresh_tokens: list[str] = []

    def call(method: str, path: str, query: Any = None, form: Any = None) -> Any:
        request = HttpRequest(method, path, query or {}, form or {}, None, "192.0.2.1")
        return linking_respond(link, request, now)

    def one_link(email: str) -> None:
        query = {
            "client_id": "google",
            "redirect_uri": GOOGLE,
            "response_type": "code",
            "state": "s",
        }
        page = call("GET", "/authorize", query)
        request_id = page.body.split('name="request" value="')[1].split('"', 1)[0]
        answer = call(
            "POST",
            "/authorize",
            form={"request": request_id, "email": email, "password": "pw", "action": "link"},
        )
        code = answer.headers["Location"].split("code=")[1].split("&")[0]
        issued = call(
            "POST",
            "/token",
            form={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": GOOGLE,
                "client_id": "google",
                "client_secret": "s" * 40,
            },
        )
        refresh_tokens.append(json.loads(issued.body)["refresh_token"])

    def link_all() -> None:
        for email in users:
            one_link(email)

    def refresh_all() -> None:
        for refresh_token in refresh_tokens:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": "google",
                "client_secret": "s" * 40,
            }
            call("POST", "/token", form=form)

    linked = measure(setup, link_all)
    refreshed = measure(setup, refresh_all)
    return [
        Row(
            "account link (sign-in page, sign in, code exchange)",
            "link",
            linked,
            repeat,
            {"account_linking": 3},
        ),
        Row("token refresh", "refresh", refreshed, repeat, {"account_linking": 1}),
    ]


# --- the pipeline -----------------------------------------------------------------------------


@dataclass
class Pipe:
    setup: Setup
    google: AcceptingHomeGraph
    push: OrderedPush
    written: int = 0
    """on_device_written invocations."""

    @classmethod
    def start(cls, setup: Setup, calls_per_minute: int = 6000) -> "Pipe":
        google = AcceptingHomeGraph()
        config = Config(project_id=PROJECT, homegraph_calls_per_minute=calls_per_minute)
        pipeline = Pipeline(FirestoreLedger(setup.client), lambda: google, config)
        push = OrderedPush(lambda message: handle_change(pipeline, message))
        return cls(setup, google, push)

    def write(
        self, user_id: str, device_id: str, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        """A device backend's write, and what Eventarc then hands on_device_written."""
        ref = self.setup.backend.document(f"users/{user_id}/devices/{device_id}")
        stamp = ref.set(after).update_time
        version = int(stamp.timestamp()) * SECOND + stamp.nanosecond
        change = DocumentChange(user_id, device_id, before, after, version)
        publish_change(change, lambda: self.push)
        self.written += 1


def light(level: int) -> dict[str, Any]:
    return {
        "type": "action.devices.types.LIGHT",
        "traits": ["action.devices.traits.OnOff", "action.devices.traits.Brightness"],
        "name": {"name": "light"},
        "willReportState": True,
        "states": {"online": True, "on": True, "brightness": level},
    }


def link_users(setup: Setup, users: list[str]) -> None:
    for start in range(0, len(users), 400):
        batch = setup.backend.batch()
        for user_id in users[start : start + 400]:
            batch.set(
                setup.backend.document(f"users/{user_id}"),
                {"linked": True, "linkedAt": datetime.now(UTC) - timedelta(hours=1)},
            )
        batch.commit()


def state_writes(setup: Setup, rate: float, seconds: float, devices: int = 20) -> Row:
    """One user writing states at ``rate`` per second over ``devices`` devices."""
    user_id = f"costs-rate-{uuid.uuid4().hex[:6]}"
    link_users(setup, [user_id])
    levels = {f"d{n}": 0 for n in range(devices)}
    for device_id in levels:
        setup.backend.document(f"users/{user_id}/devices/{device_id}").set(light(0))
    pipe = Pipe.start(setup)
    total = int(rate * seconds)

    def run() -> None:
        started = time.monotonic()
        for n in range(total):
            due = started + n / rate
            time.sleep(max(0.0, due - time.monotonic()))
            device_id = f"d{n % devices}"
            before = light(levels[device_id])
            levels[device_id] += 1
            pipe.write(user_id, device_id, before, light(levels[device_id]))
        pipe.push.wait()

    counts = measure(setup, run)
    pipe.push.close()
    return Row(
        f"state write, one user at {rate:g}/s for {seconds:g} s",
        "state write",
        counts,
        total,
        {"on_device_written": 1, "on_device_change": pipe.push.delivered / total},
        pipe.google.calls / total,
    )


def many_users(setup: Setup, users: int) -> Row:
    """``users`` users writing one state each, all at once."""
    ids = [f"costs-many-{n:04d}-{uuid.uuid4().hex[:4]}" for n in range(users)]
    link_users(setup, ids)
    for start in range(0, users, 400):
        batch = setup.backend.batch()
        for user_id in ids[start : start + 400]:
            batch.set(setup.backend.document(f"users/{user_id}/devices/d0"), light(0))
        batch.commit()
    pipe = Pipe.start(setup)

    def run() -> None:
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda u: pipe.write(u, "d0", light(0), light(1)), ids))
        pipe.push.wait()

    counts = measure(setup, run)
    pipe.push.close()
    return Row(
        f"state write, {users:,} users at once",
        "state write",
        counts,
        users,
        {"on_device_written": 1, "on_device_change": pipe.push.delivered / users},
        pipe.google.calls / users,
    )


def single_calls(setup: Setup, repeat: int) -> list[Row]:
    """One Report State (an isolated write) and one Request Sync (a rename), with their
    messages' whole handling."""
    users = [f"costs-single-{n}-{uuid.uuid4().hex[:4]}" for n in range(repeat)]
    link_users(setup, users)
    for user_id in users:
        setup.backend.document(f"users/{user_id}/devices/d0").set(light(0))
    rows = []
    pipe = Pipe.start(setup)

    def renames() -> None:
        for user_id in users:
            renamed = {**light(0), "name": {"name": "renamed"}}
            pipe.write(user_id, "d0", light(0), renamed)
            pipe.push.wait()

    counts = measure(setup, renames)
    rows.append(
        Row(
            "Request Sync (a rename)",
            "call",
            counts,
            repeat,
            {"on_device_written": 1, "on_device_change": 1},
            pipe.google.calls / repeat,
        )
    )
    pipe.push.close()
    return rows


def run(repeat: int, rate_seconds: float, users: int) -> list[dict[str, Any]]:
    logs = Path(tempfile.mkdtemp(prefix="costs-"))
    emulator = launch_firestore(PROJECT, logs / "firestore.log").ready()
    os.environ.update(FIRESTORE_EMULATOR_HOST=emulator.host, GOOGLE_CLOUD_PROJECT=PROJECT)
    functions_log = (logs / "functions.log").open("w")
    print(f"the functions' log lines: {functions_log.name}", flush=True)
    try:
        with contextlib.redirect_stdout(functions_log):
            return every_unit(repeat, rate_seconds, users)
    finally:
        functions_log.close()
        emulator.stop()


def every_unit(repeat: int, rate_seconds: float, users: int) -> list[dict[str, Any]]:
    """Every unit of work, counted, on the emulator ``run`` started."""
    from google.cloud import firestore

    client, counter = counted_client(PROJECT)
    setup = Setup(client, counter, firestore.Client(project=PROJECT))
    rows: list[Row] = []
    rows += intents(setup, repeat)
    rows += linking(setup, repeat)
    for rate, seconds in ((1, rate_seconds), (10, rate_seconds), (100, rate_seconds / 2)):
        rows.append(state_writes(setup, rate, seconds))
    rows.append(many_users(setup, users))
    rows += single_calls(setup, repeat)
    return [row.as_dict() for row in rows]


def print_rows(rows: list[dict[str, Any]]) -> None:
    print(f"{'unit of work':52} {'reads':>6} {'writes':>6} {'ops':>6} {'RPCs':>6}  invocations")
    for row in rows:
        inv = ", ".join(f"{k} {v:g}" for k, v in row["invocations"].items())
        print(
            f"{row['unit']:52} {row['reads']:>6g} {row['writes'] + row['deletes']:>6g} "
            f"{row['operations']:>6g} {row['round_trips']:>6g}  {inv}"
            + (f"; Home Graph calls {row['homegraph_calls']:g}" if row["homegraph_calls"] else ""),
            flush=True,
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="requests per intent figure")
    parser.add_argument("--rate-seconds", type=float, default=20, help="seconds per write rate")
    parser.add_argument("--users", type=int, default=1000, help="users writing at once")
    parser.add_argument("--json", type=Path, default=ROOT / ".bench" / "costs.json")
    args = parser.parse_args(argv)
    rows = run(args.repeat, args.rate_seconds, args.users)
    print_rows(rows)
    args.json.parent.mkdir(exist_ok=True)
    args.json.write_text(
        json.dumps({"rows": rows, "when": datetime.now(UTC).isoformat()}, indent=1)
    )
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
