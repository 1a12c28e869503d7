"""Tenant isolation: randomized cross-user attempts, over the in-memory store and the emulator.

Five users, each with a "lamp" (the same id in every home) and three devices of their own; every
device's brightness is unique, so a state read from the wrong home is recognised in any answer.
Each attempt is one of: a user's valid token naming other users' device ids (alone, mixed with
its own, or as path-like ids) in QUERY or EXECUTE; a forged token naming another user (no record);
a valid token whose user part was swapped for another user's. Checked after every attempt: no
other user's document or command record changed, no other user's state in the answer, every
id the user does not own answered ``deviceNotFound``, forged and swapped tokens answered 401.
"""

import copy
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from google.cloud import firestore

from devstack.stack import LocalStack
from functions.core import tokens
from functions.core.paths import COMMANDS
from functions.fulfillment import webhook
from functions.fulfillment.firestore_store import FirestoreStore
from functions.fulfillment.memory_store import MemoryStore
from functions.fulfillment.store import Store
from tests.support.figures import MODES, Mode, record
from tests.support.fuzzing import swap_user
from tests.support.world import execute_body, intent, light

ATTEMPTS = {"fake": (1000, 5000), "emulator": (100, 1000)}
"""(fast, soak) attempts per store."""
KINDS = ["query", "execute", "mixed query", "mixed execute", "path ids", "forged", "swapped"]


class Home:
    """Five users' homes over a store, and a snapshot of any user's documents."""

    def __init__(
        self,
        store: Store,
        snapshot: Callable[[str], Any],
        put: Callable[[str, str, Any], None],
        watch_all: bool,
    ) -> None:
        run = uuid.uuid4().hex[:6]
        self.store = store
        self.snapshot = snapshot
        self.watch_all = watch_all
        """Compare every other user's documents after each attempt (else the victim's)."""
        self.users = [f"iso-{run}-{n}" for n in range(5)]
        self.devices: dict[str, dict[str, int]] = {}
        """User -> device id -> its unique brightness."""
        self.tokens: dict[str, str] = {}
        brightness = 1
        for user in self.users:
            self.devices[user] = {}
            for device_id in ["lamp", *(f"{user[-1]}-own-{k}" for k in range(3))]:
                put(user, device_id, light(on=False, brightness=brightness))
                self.devices[user][device_id] = brightness
                brightness += 1
            token = tokens.issue(user)
            record = tokens.record(user, tokens.ACCESS, _now(), _hour())
            store.save_token(tokens.token_hash(token), record)
            self.tokens[user] = token


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _hour() -> Any:
    from datetime import timedelta

    return timedelta(hours=1)


def attempt(home: Home, rng: random.Random, tally: Counter[str]) -> None:
    """One cross-user attempt and its checks."""
    attacker, victim = rng.sample(home.users, 2)
    kind = rng.choice(KINDS)
    own, theirs = list(home.devices[attacker]), list(home.devices[victim])
    victim_only = [d for d in theirs if d != "lamp"]
    if kind in ("query", "execute"):
        ids = rng.sample(victim_only, rng.randint(1, len(victim_only)))
    elif kind in ("mixed query", "mixed execute"):
        ids = rng.sample(own, rng.randint(1, len(own))) + rng.sample(theirs, rng.randint(1, 3))
        rng.shuffle(ids)
    else:
        ids = [
            f"../{victim}/devices/{rng.choice(theirs)}",
            f"users/{victim}/devices/{rng.choice(theirs)}",
            f"{victim}/{rng.choice(theirs)}",
            rng.choice(victim_only),
        ]
    token = home.tokens[attacker]
    if kind == "forged":
        token = tokens.issue(victim)
    elif kind == "swapped":
        token = swap_user(token, victim)
    if "execute" in kind or (kind in ("forged", "swapped") and rng.random() < 0.5):
        body = execute_body(ids, ("OnOff", {"on": rng.random() < 0.5}))
    else:
        body = intent("QUERY", {"devices": [{"id": i} for i in ids]})
    watched = [u for u in home.users if u != attacker] if home.watch_all else [victim]
    before = {user: home.snapshot(user) for user in watched}
    answer = webhook.respond(
        "POST", f"Bearer {token}", json.dumps(body).encode(), lambda: home.store
    )
    text = answer.flask()[0]
    for user, snapshot in before.items():
        if home.snapshot(user) != snapshot:
            tally["cross-user writes"] += 1
    tally[kind] += 1
    if kind in ("forged", "swapped"):
        if answer.status != 401:
            tally["forged tokens accepted"] += 1
        return
    assert answer.status == 200, text[:300]
    payload = answer.body["payload"]
    entries: dict[str, dict[str, Any]] = dict(payload.get("devices") or {})
    for command in payload.get("commands") or []:
        for device_id in command["ids"]:
            entries[device_id] = command
    mine = home.devices[attacker]
    for device_id in ids:
        entry = entries.get(device_id)
        assert entry is not None, (device_id, text[:300])
        if device_id not in mine:
            known = {"ids", "status", "errorCode", "online"}  # QUERY entries carry online
            if (
                entry.get("errorCode") != "deviceNotFound"
                or set(entry) - known
                or entry.get("online", False) is not False
            ):
                tally["cross-user reads"] += 1
        elif "brightness" in entry and entry["brightness"] != mine[device_id]:
            tally["cross-user reads"] += 1
    others = {b for user in home.users if user != attacker for b in home.devices[user].values()}
    for entry in entries.values():
        if entry.get("brightness") in others:
            tally["cross-user reads"] += 1


def run_attempts(home: Home, count: int, seed: int) -> tuple[Counter[str], float]:
    rng = random.Random(seed)
    tally: Counter[str] = Counter({"cross-user reads": 0, "cross-user writes": 0})
    started = time.monotonic()
    for _ in range(count):
        attempt(home, rng, tally)
    return tally, time.monotonic() - started


def summary(tally: Counter[str], count: int) -> dict[str, Any]:
    return {
        "attempts": count,
        "cross_user_reads": tally["cross-user reads"],
        "cross_user_writes": tally["cross-user writes"],
        "forged_accepted": tally["forged tokens accepted"],
        "kinds": {k: tally[k] for k in KINDS},
    }


@pytest.mark.parametrize("mode", MODES)
def test_cross_user_attempts_over_the_fake(mode: Mode) -> None:
    store = MemoryStore()

    def snapshot(user: str) -> Any:
        records = {k: v for k, v in store.commands.get(user, {}).items()}
        return copy.deepcopy((store.devices.get(user), records))

    home = Home(store, snapshot, store.put_device, watch_all=mode.soak)
    count = ATTEMPTS["fake"][mode.soak]
    tally, seconds = run_attempts(home, count, seed=1 if not mode.soak else int(time.time()))
    figures = summary(tally, count)
    line = record("isolation: cross-user attempts over the fake", mode.name, seconds, **figures)
    assert figures["cross_user_reads"] == figures["cross_user_writes"] == 0, line
    assert figures["forged_accepted"] == 0, line


@pytest.mark.parametrize("mode", MODES)
def test_cross_user_attempts_over_the_emulator(stack: LocalStack, mode: Mode) -> None:
    store = FirestoreStore(firestore.Client(project="demo-reliability-isolation"))

    def snapshot(user: str) -> Any:
        devices = store.list_devices(user)
        records = {
            (device_id, snap.id): snap.to_dict()
            for device_id in devices
            for snap in store.device(user, device_id).collection(COMMANDS).stream()
        }
        return devices, records

    def put(user: str, device_id: str, document: Any) -> None:
        store.device(user, device_id).set(document)

    home = Home(store, snapshot, put, watch_all=False)
    count = ATTEMPTS["emulator"][mode.soak]
    tally, seconds = run_attempts(home, count, seed=2 if not mode.soak else int(time.time()))
    figures = summary(tally, count)
    line = record("isolation: cross-user attempts over the emulator", mode.name, seconds, **figures)
    assert figures["cross_user_reads"] == figures["cross_user_writes"] == 0, line
    assert figures["forged_accepted"] == 0, line
