"""``make bench``, the pipeline half, on the local stack (emulators, the functions, the local Home
Graph), the stack and settings of ``make run``: how many Home Graph calls bursts of writes cost,
and one user's lag from each state write to Home Graph holding it (or newer) at sustained rates,
beside the floor: the same writes on a bare Firestore emulator whose trigger goes to a function
that does nothing. Each rate runs long enough to reach a steady state (60 s by default): a rate is
sustained when the lag of the writes of its last third is no larger than that of its middle third
(a backlog that grows shows there, however slowly). The CPU that each side takes (emulator and
each function, in cores) shows what a rate costs this machine, and the CPU per event of each
function is what fleet capacity is computed from (docs/performance.md).

    python -m bench.pipeline_throughput                      # the whole table
    python -m bench.pipeline_throughput --rate 50 --seconds 60
"""

import argparse
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from google.cloud import firestore

from bench.cpu import cpu_seconds
from devstack.emulators import launch_firestore
from devstack.stack import DEVICE_PATTERN, LocalStack, register_trigger
from functions.core.firestore import get_in_order

SETTINGS = {
    "REQUEST_SYNC_MIN_INTERVAL_SECONDS": "2",
    "NEW_USER_GRACE_SECONDS": "3",
    "HOMEGRAPH_TIMEOUT_SECONDS": "1",
    "HOMEGRAPH_RETRY_SECONDS": "4",
}


def light(brightness: int) -> dict[str, object]:
    return {
        "type": "action.devices.types.LIGHT",
        "traits": ["action.devices.traits.OnOff", "action.devices.traits.Brightness"],
        "name": {"name": "Lamp"},
        "willReportState": True,
        "states": {"online": True, "on": True, "brightness": brightness},
    }


def linked_home(stack: LocalStack, prefix: str, devices: int) -> tuple[str, list[Any]]:
    """A new linked user with ``devices`` lights at brightness 0 (d0, d1...), and their refs;
    returns once Google's SYNC at linking has settled."""
    user = f"{prefix}-{uuid.uuid4().hex[:8]}"
    home = stack.store.client.collection("users").document(user).collection("devices")
    refs = [home.document(f"d{n}") for n in range(devices)]
    for ref in refs:
        ref.set(light(0))
    stack.link(user)
    time.sleep(2)
    return user, refs


def measure(stack: LocalStack, rate: float, seconds: float, devices: int) -> dict[str, Any]:
    assert stack.homegraph
    google = stack.homegraph
    user, refs = linked_home(stack, "bench", devices)
    written: dict[int, list[tuple[int, float]]] = {n: [] for n in range(devices)}
    seen: dict[int, int] = dict.fromkeys(range(devices), 0)
    lags: list[tuple[float, float]] = []
    """(when the write was made, its lag)."""
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            now = time.monotonic()
            for n in range(devices):
                value = (google.last_reported(user, f"d{n}") or {}).get("brightness", 0)
                if value > seen[n]:
                    seen[n] = value
                    lags.extend((at, now - at) for seq, at in written[n] if seen[n] >= seq > 0)
                    written[n] = [(seq, at) for seq, at in written[n] if seq > seen[n]]
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    total = int(rate * seconds)
    assert stack.firestore
    groups = {
        "emulator": stack.firestore.process.pid,
        "on_device_written": stack.servers["written"].pid,
        "on_device_change": stack.servers["change"].pid,
    }
    cpu_before = {name: cpu_seconds(group) for name, group in groups.items()}
    own_before = time.process_time()
    start = time.monotonic()

    def wrote(n: int, seq: int) -> None:
        written[n].append((seq, time.monotonic()))

    write_paced(refs, rate, total, wrote)
    last_write = time.monotonic()
    finals = firestore_brightness(stack, refs)
    deadline = last_write + 180
    while time.monotonic() < deadline and not holds(stack, user, finals):
        time.sleep(0.05)
    exact_at = time.monotonic()
    exact_after = exact_at - last_write
    used = {name: cpu_seconds(group) - cpu_before[name] for name, group in groups.items()}
    cores = sum(used.values()) / (exact_at - start)
    own_cores = (time.process_time() - own_before) / (exact_at - start)
    done.set()
    watcher.join()
    # writes never seen at Home Graph were superseded by a later commit (concurrent writers
    # commit in any order): their lag ends when Home Graph holds the final state
    lags.extend((at, exact_at - at) for n in range(devices) for _, at in written[n])
    by_time = sorted(lags)
    third = len(by_time) // 3
    middle = sorted(lag for _, lag in by_time[third : 2 * third])
    last = sorted(lag for _, lag in by_time[2 * third :])
    growth = (_p(last, 0.9) - _p(middle, 0.9)) if middle and last else 0.0
    ordered = sorted(lag for _, lag in lags)
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
        "lag_p50": round(_p(ordered, 0.5), 2) if ordered else -1,
        "lag_p99": round(_p(ordered, 0.99), 2) if ordered else -1,
        "lag_max": round(ordered[-1], 2) if ordered else -1,
        "lag_p90_middle_third": round(_p(middle, 0.9), 2) if middle else -1,
        "lag_p90_last_third": round(_p(last, 0.9), 2) if last else -1,
        "sustained": growth <= max(0.25, 0.5 * _p(middle, 0.9) if middle else 0.0),
        "report_calls": reports,
        "stack_cores": round(cores, 2),
        "cores": {name: round(value / (exact_at - start), 2) for name, value in used.items()},
        "cpu_ms_per_write": {
            name: round(1000 * value / total, 3)
            for name, value in used.items()
            if name != "emulator"
        },
        "bench_process_cores": round(own_cores, 2),
    }


def _p(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def write_paced(
    refs: list[Any], rate: float, total: int, wrote: Callable[[int, int], None] | None = None
) -> None:
    """``total`` brightness writes at ``rate`` per second, round-robin over ``refs`` (device n
    gets 1, 2, 3...), from 16 threads as a device backend would make them."""
    start = time.monotonic()

    def write(k: int) -> None:
        n, seq = k % len(refs), k // len(refs) + 1
        time.sleep(max(0.0, start + k / rate - time.monotonic()))
        if wrote:
            wrote(n, seq)
        refs[n].update({"states.brightness": seq})

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(write, range(total)))


class _Nothing(BaseHTTPRequestHandler):
    """The floor's function: answers every event at once."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.arrivals.append(time.monotonic())  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


def firestore_client(project: str, host: str) -> firestore.Client:
    """A client of the emulator at ``host``, whatever FIRESTORE_EMULATOR_HOST says (the stack's
    emulator is running beside it): the client reads the variable when it is made."""
    stack_host = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = host
    try:
        return firestore.Client(project=project)
    finally:
        if stack_host is None:
            os.environ.pop("FIRESTORE_EMULATOR_HOST")
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = stack_host


def trigger_floor(rate: float, seconds: float, devices: int, logs: Path) -> dict[str, float]:
    """The same writes on a bare Firestore emulator whose trigger goes to a function that does
    nothing: the emulator's own CPU and delivery lag at this rate, the most any pipeline on this
    machine could do."""
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Nothing)
    receiver.arrivals = []  # type: ignore[attr-defined]
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    project = f"demo-floor-{uuid.uuid4().hex[:6]}"
    emulator = launch_firestore(
        project, logs / "floor-firestore.log", functions_host=f"127.0.0.1:{receiver.server_port}"
    ).ready()
    try:
        register_trigger(emulator.host, project, "floor", DEVICE_PATTERN)
        client = firestore_client(project, emulator.host)
        refs = [
            client.collection("users").document("floor").collection("devices").document(f"d{n}")
            for n in range(devices)
        ]
        for ref in refs:
            ref.set(light(0))
        arrivals: list[float] = receiver.arrivals  # type: ignore[attr-defined]
        time.sleep(1)
        arrivals.clear()
        total = int(rate * seconds)
        cpu_before, start = cpu_seconds(emulator.process.pid), time.monotonic()
        write_paced(refs, rate, total)
        last_write = time.monotonic()
        while len(arrivals) < total and time.monotonic() < last_write + 120:
            time.sleep(0.05)
        cores = (cpu_seconds(emulator.process.pid) - cpu_before) / (time.monotonic() - start)
        return {
            "rate": rate,
            "events": len(arrivals),
            "delivered_after_last_write": round(max(arrivals, default=last_write) - last_write, 2),
            "emulator_cores": round(cores, 2),
        }
    finally:
        emulator.stop()
        receiver.shutdown()
        receiver.server_close()


def firestore_brightness(stack: LocalStack, refs: list[Any]) -> dict[str, int]:
    """Each device's brightness as Firestore holds it once the writers are done (writers
    running at once commit in any order, so the last one sent need not be the last one kept)."""
    snaps = get_in_order(stack.store.client, refs)
    return {snap.id: snap.to_dict()["states"]["brightness"] for snap in snaps}


def holds(stack: LocalStack, user: str, finals: dict[str, int]) -> bool:
    """Home Graph holds every device's final brightness."""
    assert stack.homegraph
    google = stack.homegraph
    return all(
        (google.last_reported(user, device) or {}).get("brightness") == value
        for device, value in finals.items()
    )


def calls_for(stack: LocalStack, user: str, path: str) -> int:
    assert stack.homegraph
    return sum(
        1
        for c in list(stack.homegraph.calls)
        if c.path.endswith(path) and (c.body or {}).get("agentUserId") == user
    )


def folding(stack: LocalStack, devices: int, writes: int = 1000) -> dict[str, float]:
    """Home Graph calls for ``writes`` state writes spread over ``devices`` devices."""
    assert stack.homegraph
    user, refs = linked_home(stack, "fold", devices)

    def write(k: int) -> None:
        refs[k % devices].update({"states.brightness": k // devices + 1})

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(writes)))
    finals = firestore_brightness(stack, refs)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not holds(stack, user, finals):
        time.sleep(0.2)
    return {
        "devices": devices,
        "writes": writes,
        "report_calls": calls_for(stack, user, "reportStateAndNotification"),
    }


def structural(stack: LocalStack, writes: int = 200) -> dict[str, float]:
    """Request Sync calls for ``writes`` devices added in a burst."""
    assert stack.homegraph
    db = stack.store.client
    user = f"sync-{uuid.uuid4().hex[:8]}"
    devices = db.collection("users").document(user).collection("devices")
    devices.document("first").set(light(0))
    stack.link(user)
    time.sleep(2)
    before = calls_for(stack, user, "requestSync")
    batch = db.batch()
    for n in range(writes):
        batch.set(devices.document(f"new-{n:03d}"), light(0))
        if n % 100 == 99:
            batch.commit()
            batch = db.batch()
    batch.commit()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(stack.homegraph.synced_devices(user)) < writes + 1:
        time.sleep(0.2)
    time.sleep(3)
    return {"writes": writes, "request_sync_calls": calls_for(stack, user, "requestSync") - before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, action="append")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--json", type=Path, default=Path(".bench") / "pipeline.json")
    args = parser.parse_args()
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="throughput-") as logs:
        project = f"demo-bench-{uuid.uuid4().hex[:6]}"
        with LocalStack(project, Path(logs), settings=SETTINGS) as stack:
            if not args.rate:
                figures["folding"] = [folding(stack, n) for n in (1, 10, 100)]
                for row in figures["folding"]:  # type: ignore[attr-defined]
                    print(
                        f"1,000 state writes over {row['devices']} device(s): "
                        f"{row['report_calls']} Report State calls",
                        flush=True,
                    )
                figures["structural"] = structural(stack)
                print(
                    f"200 structural writes: {figures['structural']['request_sync_calls']} "  # type: ignore[index]
                    "Request Sync calls",
                    flush=True,
                )
            rates = []
            for rate in args.rate or [10, 25, 50, 100]:
                row = measure(stack, rate, args.seconds, args.devices)
                floor = trigger_floor(rate, args.seconds, args.devices, Path(logs))
                row["floor_emulator_cores"] = floor["emulator_cores"]
                row["floor_delivered_after_last_write"] = floor["delivered_after_last_write"]
                rates.append(row)
                print(
                    f"{rate:.0f} writes/s for {args.seconds:.0f} s: lag p50 {row['lag_p50']} s, "
                    f"p99 {row['lag_p99']} s (p90 middle third {row['lag_p90_middle_third']} s, "
                    f"last third {row['lag_p90_last_third']} s: "
                    f"{'steady' if row['sustained'] else 'GROWING'}), exact "
                    f"{row['exact_after_last_write']} s after the last write, "
                    f"{row['report_calls']} Report State calls; CPU, in cores of {os.cpu_count()}: "
                    f"{row['cores']}, this process (writers, Eventarc stand-in, local Home Graph) "
                    f"{row['bench_process_cores']}, the floor's emulator alone "
                    f"{floor['emulator_cores']}; CPU per write {row['cpu_ms_per_write']} ms",
                    flush=True,
                )
            figures["rates"] = rates
            kept = [r["rate"] for r in rates if r["sustained"]]
            figures["largest_sustained_rate"] = max(kept) if kept else 0
            print(
                f"largest sustained rate (lag not growing over {args.seconds:.0f} s): "
                f"{figures['largest_sustained_rate']} writes/s",
                flush=True,
            )
    args.json.parent.mkdir(exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
