"""Concurrency: 100 concurrent EXECUTEs on one device, and on 10 devices of one user, over the
Firestore emulator (real optimistic transactions: guarded commits, retried on conflict).

Relative steps are the strictest check of lost updates: 100 concurrent ``BrightnessRelative +1``
on a lamp at 0 must end at exactly 100 (a lost update ends lower), with 100 SUCCESS answers and
100 command records. Over 10 devices, each EXECUTE names a random subset; each device must end
at the number of EXECUTEs that named it. With ``BrightnessAbsolute`` to 100 distinct values, the
final value must be the one of the last committed command record (by commit time).
"""

import random
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from devstack.stack import LocalStack
from functions.core import tokens
from functions.core.paths import COMMANDS
from functions.fulfillment import webhook
from functions.fulfillment.firestore_store import FirestoreStore
from tests.support.figures import MODES, Mode, record
from tests.support.world import execute_body, light

WRITERS = 100
ROUNDS = (1, 3)
"""(fast, soak) repetitions of the three scenarios."""


def token_for(store: FirestoreStore, user: str) -> str:
    token = tokens.issue(user)
    store.save_token(
        tokens.token_hash(token),
        tokens.record(user, tokens.ACCESS, datetime.now(UTC), timedelta(hours=1)),
    )
    return token


def run_all(store: FirestoreStore, token: str, bodies: list[dict[str, Any]]) -> list[Any]:
    """Send every body at once (one thread each); the answers in order."""
    import json

    def post(body: dict[str, Any]) -> Any:
        raw = json.dumps(body).encode()
        return webhook.respond("POST", f"Bearer {token}", raw, lambda: store).body

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def outcomes(answers: list[Any]) -> Counter[str]:
    found: Counter[str] = Counter()
    for answer in answers:
        payload = answer.get("payload", {})
        if "commands" not in payload:
            found[payload.get("errorCode", "no answer")] += 1
            continue
        for command in payload["commands"]:
            found[command.get("errorCode", command["status"])] += 1
    return found


def records(store: FirestoreStore, user: str, device_id: str) -> list[Any]:
    return list(store.device(user, device_id).collection(COMMANDS).stream())


def brightness(store: FirestoreStore, user: str, device_id: str) -> int:
    return int((store.device(user, device_id).get().to_dict() or {})["states"]["brightness"])


def one_device_relative(store: FirestoreStore) -> dict[str, Any]:
    user = f"conc-{uuid.uuid4().hex[:8]}"
    store.device(user, "lamp").set(light(brightness=0))
    body = execute_body(["lamp"], ("BrightnessRelative", {"brightnessRelativePercent": 1}))
    answers = run_all(store, token_for(store, user), [body] * WRITERS)
    got = outcomes(answers)
    final, count = brightness(store, user, "lamp"), len(records(store, user, "lamp"))
    return {
        "success": got["SUCCESS"],
        "other": sum(got.values()) - got["SUCCESS"],
        "lost": got["SUCCESS"] - final,
        "records": count,
        "expected": WRITERS,
        "final": final,
        "answers": dict(got),
    }


def ten_devices_relative(store: FirestoreStore, rng: random.Random) -> dict[str, Any]:
    user = f"conc-{uuid.uuid4().hex[:8]}"
    devices = [f"d{n}" for n in range(10)]
    for device_id in devices:
        store.device(user, device_id).set(light(brightness=0))
    subsets = [rng.sample(devices, rng.randint(1, 10)) for _ in range(WRITERS)]
    bodies = [
        execute_body(ids, ("BrightnessRelative", {"brightnessRelativePercent": 1}))
        for ids in subsets
    ]
    answers = run_all(store, token_for(store, user), bodies)
    succeeded: Counter[str] = Counter()
    for answer in answers:
        for command in answer.get("payload", {}).get("commands", []):
            if command["status"] == "SUCCESS":
                succeeded.update(command["ids"])
    named = Counter(d for ids in subsets for d in ids)
    lost = sum(succeeded[d] - brightness(store, user, d) for d in devices)
    count = sum(len(records(store, user, d)) for d in devices)
    got = outcomes(answers)
    return {
        "success": sum(succeeded.values()),
        "other": sum(named.values()) - sum(succeeded.values()),
        "lost": lost,
        "records": count,
        "expected": sum(named.values()),
        "answers": dict(got),
    }


def one_device_absolute(store: FirestoreStore) -> dict[str, Any]:
    user = f"conc-{uuid.uuid4().hex[:8]}"
    store.device(user, "lamp").set(light(brightness=0))
    bodies = [
        execute_body(["lamp"], ("BrightnessAbsolute", {"brightness": value}))
        for value in range(1, WRITERS + 1)
    ]
    answers = run_all(store, token_for(store, user), bodies)
    got = outcomes(answers)
    found = records(store, user, "lamp")
    last = max(found, key=lambda snap: snap.create_time)
    last_value = (last.to_dict() or {})["executions"][0]["params"]["brightness"]
    values = {(s.to_dict() or {})["executions"][0]["params"]["brightness"] for s in found}
    final = brightness(store, user, "lamp")
    return {
        "success": got["SUCCESS"],
        "other": sum(got.values()) - got["SUCCESS"],
        "lost": int(final != last_value),
        "records": len(found),
        "distinct_records": len(values),
        "expected": WRITERS,
        "final_is_last_commit": final == last_value,
    }


@pytest.mark.parametrize("mode", MODES)
def test_concurrent_executes_lose_no_update(stack: LocalStack, mode: Mode) -> None:
    store = FirestoreStore(firestore.Client(project="demo-reliability-concurrency"))
    rng = random.Random(3)
    started = time.monotonic()
    # make test: the two relative scenarios once; make soak: 3 rounds of all three.
    results: dict[str, list[dict[str, Any]]] = {"one": [], "ten": [], "absolute": []}
    for _ in range(ROUNDS[mode.soak]):
        results["one"].append(one_device_relative(store))
        results["ten"].append(ten_devices_relative(store, rng))
        if mode.soak:
            results["absolute"].append(one_device_absolute(store))
    totals = {
        name: {
            key: sum(r[key] for r in runs)
            for key in ("success", "other", "lost", "records", "expected")
        }
        for name, runs in results.items()
    }
    answers: Counter[str] = Counter()
    for runs in results.values():
        for r in runs:
            answers.update(r.get("answers", {}))
    line = record(
        "concurrency: 100 concurrent EXECUTEs (emulator)",
        mode.name,
        time.monotonic() - started,
        rounds=ROUNDS[mode.soak],
        one_device=totals["one"],
        ten_devices=totals["ten"],
        absolute=totals["absolute"],
        answers=dict(answers),
    )
    for total in totals.values():
        assert total["lost"] == 0, line
        assert total["records"] == total["success"], line
    assert set(answers) == {"SUCCESS"}, line
    for total in totals.values():
        assert total["success"] == total["expected"], line
