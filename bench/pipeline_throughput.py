"""One user's pipeline on the local stack (emulators, the functions, the local Home Graph): state
writes at a sustained rate, and the lag from each write to Home Graph holding it (or newer).

    python -m bench.pipeline_throughput --rate 200 --seconds 15
"""

import argparse
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from devstack.stack import LocalStack

SETTINGS = {
    "REQUEST_SYNC_MIN_INTERVAL_SECONDS": "2",
    "NEW_USER_GRACE_SECONDS": "3",
    "HOMEGRAPH_TIMEOUT_SECONDS": "1",
    "HOMEGRAPH_RETRY_SECONDS": "4",
    "REPORT_STATE_MIN_INTERVAL_SECONDS": "0.5",
}


def light(brightness: int) -> dict[str, object]:
    return {
        "type": "action.devices.types.LIGHT",
        "traits": ["action.devices.traits.OnOff", "action.devices.traits.Brightness"],
        "name": {"name": "Lamp"},
        "willReportState": True,
        "states": {"online": True, "on": True, "brightness": brightness},
    }


def measure(stack: LocalStack, rate: float, seconds: float, devices: int) -> dict[str, float]:
    assert stack.homegraph
    google = stack.homegraph
    db = stack.store.client
    user = f"bench-{uuid.uuid4().hex[:8]}"
    refs = [
        db.collection("users").document(user).collection("devices").document(f"d{n}")
        for n in range(devices)
    ]
    for ref in refs:
        ref.set(light(0))
    stack.link(user)
    time.sleep(2)
    written: dict[int, list[tuple[int, float]]] = {n: [] for n in range(devices)}
    seen: dict[int, int] = dict.fromkeys(range(devices), 0)
    lags: list[float] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            now = time.monotonic()
            for n in range(devices):
                value = (google.last_reported(user, f"d{n}") or {}).get("brightness", 0)
                if value > seen[n]:
                    seen[n] = value
                    lags.extend(now - at for seq, at in written[n] if seen[n] >= seq > 0)
                    written[n] = [(seq, at) for seq, at in written[n] if seq > seen[n]]
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    total = int(rate * seconds)
    start = time.monotonic()

    def write(k: int) -> None:
        n, seq = k % devices, k // devices + 1
        time.sleep(max(0.0, start + k / rate - time.monotonic()))
        written[n].append((seq, time.monotonic()))
        refs[n].update({"states.brightness": seq})

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(write, range(total)))
    last_write = time.monotonic()
    finals = {n: (total - 1 - n) // devices + 1 for n in range(devices) if n < total}
    deadline = last_write + 180
    while time.monotonic() < deadline and any(seen[n] < v for n, v in finals.items()):
        time.sleep(0.05)
    exact_after = time.monotonic() - last_write
    done.set()
    watcher.join()
    lags.sort()
    reports = sum(
        1
        for c in list(google.calls)
        if c.path.endswith("reportStateAndNotification")
        and (c.body or {}).get("agentUserId") == user
    )
    return {
        "rate": rate,
        "writes": total,
        "write_seconds": round(last_write - start, 2),
        "exact_after_last_write": round(exact_after, 2),
        "lag_p50": round(lags[len(lags) // 2], 2) if lags else -1,
        "lag_p99": round(lags[int(len(lags) * 0.99)], 2) if lags else -1,
        "lag_max": round(lags[-1], 2) if lags else -1,
        "report_calls": reports,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, action="append")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--devices", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="throughput-") as logs:
        stack = LocalStack(f"demo-bench-{uuid.uuid4().hex[:6]}", Path(logs), settings=SETTINGS)
        try:
            stack.start()
            for rate in args.rate or [40, 200]:
                print(measure(stack, rate, args.seconds, args.devices), flush=True)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
