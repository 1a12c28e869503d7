"""Faults on the full local stack: the local Home Graph failing 30% of calls (429, 500, stalls
past the client's timeout), duplicated and reordered Pub/Sub deliveries (stale and repeated copies
of state messages published after the real ones), and the on_device_change instance killed
(SIGKILL to its process group) while it processes a message, then restarted on the same port:
once waiting on a Request Sync, once holding a user's report lease mid-Report State.

Checked: every final state exact at the local Home Graph, and Google's device list equal to
Firestore's; nothing retried forever: a "doomed" user, whose Home Graph calls always fail, has
its message given up once older than MAX_EVENT_AGE_SECONDS (20 s here), visible as an ERROR log
line ("message too old to retry; dropped"). The local stack has no dead-letter topic (Pub/Sub's
dead letters are configured by Terraform on Google Cloud only), so the log is the only record.
"""

import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from google.cloud import pubsub_v1  # type: ignore[attr-defined]

from devstack.homegraph_server import REPORT_STATE, REQUEST_SYNC, ApiError, Faults
from devstack.stack import TOPIC, LocalStack
from functions.core.logs import user_ref
from tests.support.emulator import PROJECT
from tests.support.figures import MODES, Mode, record
from tests.support.waiting import eventually
from tests.support.world import light

SIZES = {False: (2, 3, 5), True: (3, 10, 20)}
"""(users, devices each, rounds) for make test and make soak."""
DROPPED = "message too old to retry; dropped"


class Saboteur:
    """Wraps the local Home Graph's ``handle``: every call for ``doomed`` fails with a 500, and
    one armed call is held until the test has killed the function instance that made it."""

    def __init__(self, stack: LocalStack, doomed: str) -> None:
        assert stack.homegraph
        self.homegraph = stack.homegraph
        self.original = stack.homegraph.handle
        self.doomed = doomed
        self.armed: tuple[str, str] | None = None
        self.in_flight = threading.Event()
        self.killed = threading.Event()

    def handle(self, method: str, path: str, body: Any) -> dict[str, Any]:
        user = body.get("agentUserId") if isinstance(body, dict) else None
        if user == self.doomed and path in (REPORT_STATE, REQUEST_SYNC):
            raise ApiError(500, "Internal error encountered.")
        if self.armed == (path, user) and not self.in_flight.is_set():
            self.in_flight.set()
            self.killed.wait(60)
            raise ApiError(500, "Internal error encountered.")
        return self.original(method, path, body)

    def __enter__(self) -> "Saboteur":
        self.homegraph.handle = self.handle  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        self.homegraph.handle = self.original  # type: ignore[method-assign]
        self.killed.set()

    def kill_mid_call(self, stack: LocalStack, path: str, user: str, trigger: Callable[[], None]):
        """Arm the call, cause it, kill on_device_change while it waits, restart it."""
        self.in_flight.clear()
        self.killed.clear()
        self.armed = (path, user)
        trigger()
        eventually(self.in_flight.is_set, 120, f"a {path} call for the armed user")
        stack.restart("change")
        self.killed.set()
        self.armed = None


def firestore_states(stack: LocalStack, user: str) -> dict[str, dict[str, Any]]:
    """The states Report State must have delivered: every device's but "added", created with
    its states (a creation is structural: Google reads its states by SYNC and QUERY)."""
    return {d: doc["states"] for d, doc in stack.store.list_devices(user).items() if d != "added"}


def exact(stack: LocalStack, users: list[str]) -> bool:
    assert stack.homegraph
    for user in users:
        want = firestore_states(stack, user)
        view = sorted(d["id"] for d in stack.homegraph.synced_devices(user))
        if view != sorted(stack.store.list_devices(user)):
            return False
        if any(stack.homegraph.last_reported(user, d) != s for d, s in want.items()):
            return False
    return True


def differences(stack: LocalStack, users: list[str]) -> list[str]:
    assert stack.homegraph
    found = []
    for user in users:
        for device_id, states in firestore_states(stack, user).items():
            got = stack.homegraph.last_reported(user, device_id)
            if got != states:
                found.append(f"{user}/{device_id}: Firestore {states}, Home Graph {got}")
    return found


def log_lines(stack: LocalStack) -> list[dict[str, Any]]:
    """The log's JSON lines; a line the killed instance left half-written is skipped."""
    found = []
    for line in (stack.logs / "change.log").read_text(errors="replace").splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found


@pytest.mark.parametrize("mode", MODES)
def test_faults_duplicates_reorders_and_a_kill_end_exact(stack: LocalStack, mode: Mode) -> None:
    assert stack.homegraph
    started = time.monotonic()
    user_count, device_count, rounds = SIZES[mode.soak]
    run = uuid.uuid4().hex[:6]
    users = [f"flt-{run}-{n}" for n in range(user_count)]
    doomed = f"flt-{run}-doomed"
    db = stack.store
    devices = [f"d{n}" for n in range(device_count)]
    for user in [*users, doomed]:
        for device_id in devices:
            db.device(user, device_id).set(light(on=False, brightness=0))
        stack.link(user)
    publisher = pubsub_v1.PublisherClient(
        publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True)
    )
    topic = publisher.topic_path(PROJECT, TOPIC)
    rng = random.Random(7)
    copies = 0
    history: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}

    def publish(user: str, device_id: str, version: int, states: dict[str, Any]) -> None:
        nonlocal copies
        data = {
            "kind": "state",
            "agentUserId": user,
            "deviceId": device_id,
            "version": version,
            "states": states,
        }
        publisher.publish(
            topic,
            json.dumps(data).encode(),
            ordering_key=user,
            kind="state",
            agentUserId=user,
            deviceId=device_id,
        ).result(timeout=30)
        copies += 1

    def write_round(value: int) -> None:
        for user in users:
            for device_id in devices:
                ref = db.device(user, device_id)
                ref.update({"states.brightness": value, "states.on": value % 2 == 1})
                snap = ref.get()
                version = snap.update_time.timestamp_pb().ToNanoseconds()
                history.setdefault((user, device_id), []).append(
                    (version, snap.to_dict()["states"])
                )
            # copies of this user's messages, out of order: stale ones and repeats
            for _ in range(2):
                device_id = rng.choice(devices)
                past = history[(user, device_id)]
                version, states = rng.choice(past)
                publish(user, device_id, version, states)
                publish(user, device_id, *past[-1])

    stack.homegraph.faults = Faults(
        rate_429=0.1, rate_500=0.1, rate_timeout=0.1, timeout_seconds=1.5, seed=rng.randint(0, 99)
    )
    try:
        with Saboteur(stack, doomed) as saboteur:
            db.device(doomed, "d0").update({"states.brightness": 99, "states.on": True})
            for value in range(1, rounds + 1):
                write_round(value)
                time.sleep(0.3)
            eventually(lambda: exact(stack, users), 240, "exact states before the kill")
            # killed while it waits on Request Sync for a new device, then while it holds a
            # user's report lease mid-Report State (the lease runs out, a successor reports)
            saboteur.kill_mid_call(
                stack,
                REQUEST_SYNC,
                users[0],
                lambda: db.device(users[0], "added").set(light(on=True, brightness=5)),
            )
            saboteur.kill_mid_call(
                stack,
                REPORT_STATE,
                users[-1],
                lambda: db.device(users[-1], "d0").update({"states.brightness": 77}),
            )
            write_round(rounds + 1)
            try:
                eventually(lambda: exact(stack, users), 90, "exact final states after the kills")
            except AssertionError:
                missing = differences(stack, users)
            else:
                missing = []
            doomed_ref = user_ref(doomed)
            given_up = eventually(
                lambda: [
                    line
                    for line in log_lines(stack)
                    if line.get("message") == DROPPED and line.get("user") == doomed_ref
                ],
                120,
                "the doomed user's message given up",
            )
    finally:
        stack.homegraph.faults = Faults()
    healthy = {user_ref(u) for u in users}
    dropped_healthy = [
        line
        for line in log_lines(stack)
        if line.get("message") == DROPPED and line.get("user") in healthy
    ]
    calls = [c for c in list(stack.homegraph.calls) if (c.body or {}).get("agentUserId") in users]
    faulted = [c for c in calls if c.status != 200]
    line = record(
        "faults: 30% Home Graph faults, duplicates, reorders, two kills",
        mode.name,
        time.monotonic() - started,
        users=user_count,
        devices=device_count * user_count,
        rounds=rounds + 1,
        state_writes=(rounds + 1) * user_count * device_count,
        copies_published=copies,
        homegraph_calls=len(calls),
        faulted_calls=len(faulted),
        kills=2,
        final_states_exact=not missing,
        states_missing_after_kills=len(missing),
        doomed_given_up_log_lines=len(given_up),
        healthy_given_up=len(dropped_healthy),
        dead_letter_topic="none on the local stack",
    )
    assert faulted, line
    assert not missing, f"{line}; not reported after the kills: {missing[:5]}"
    assert not dropped_healthy, line
