"""``make bench``, the fulfillment half: each intent against its floor (bench/floor.py), side by
side on one Firestore emulator, in one run.

Latency: repeated blocks; in each block the product's and the floor's requests alternate, and
the block's ratio is the product's median over the floor's. The figure is the median of the
block ratios, with their spread (min..max), so the machine's noise shows beside the result.
Throughput: N client threads for a fixed time, product and floor alternating in rounds.
Cold start: a fresh server process until its first answered SYNC, product and floor alternating.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.cpu import cpu_seconds
from devstack.emulators import free_port, launch_firestore, stop_group, wait_for_http
from devstack.local import ROOT
from functions.core import tokens

PROJECT = "demo-smarthome-bench"
OUTLET = {
    "type": "action.devices.types.OUTLET",
    "traits": ["action.devices.traits.OnOff"],
    "name": {"name": "outlet"},
    "willReportState": False,
    "states": {"online": True, "on": False},
}


@dataclass(frozen=True)
class Target:
    """One server under test: the product or its floor."""

    name: str
    port: int
    headers: dict[str, str]

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)


@dataclass(frozen=True)
class Home:
    user_id: str
    token: str
    device_ids: list[str]


def seed(client: Any, user_id: str, size: int) -> Home:
    """A user with ``size`` outlets and a valid access token."""
    devices = client.collection("users").document(user_id).collection("devices")
    ids = [f"outlet-{i:04}" for i in range(size)]
    for start in range(0, size, 400):
        batch = client.batch()
        for device_id in ids[start : start + 400]:
            batch.set(devices.document(device_id), OUTLET)
        batch.commit()
    token = tokens.issue(user_id)
    now = datetime.now(UTC)
    record = tokens.record(user_id, tokens.ACCESS, now, timedelta(hours=6))
    client.collection("tokens").document(tokens.token_hash(token)).set(record)
    return Home(user_id, token, ids)


def body(intent: str, ids: list[str], on: bool = True) -> bytes:
    payload: dict[str, Any] = {}
    if intent == "QUERY":
        payload = {"devices": [{"id": i} for i in ids]}
    elif intent == "EXECUTE":
        execution = [{"command": "action.devices.commands.OnOff", "params": {"on": on}}]
        payload = {"commands": [{"devices": [{"id": i} for i in ids], "execution": execution}]}
    one: dict[str, Any] = {"intent": f"action.devices.{intent}"}
    if payload:
        one["payload"] = payload
    return json.dumps({"requestId": "bench", "inputs": [one]}).encode()


def call(connection: http.client.HTTPConnection, target: Target, home: Home, raw: bytes) -> float:
    """One request; its latency in seconds. A non-200 answer stops the bench."""
    headers = {
        "Authorization": f"Bearer {home.token}",
        "Content-Type": "application/json",
        "X-Bench-User": home.user_id,
        "X-Bench-Token-Hash": tokens.token_hash(home.token),
    }
    started = time.perf_counter()
    connection.request("POST", "/", raw, headers)
    answer = connection.getresponse()
    data = answer.read()
    elapsed = time.perf_counter() - started
    if answer.status != 200 or b'"errorCode"' in data:
        raise RuntimeError(f"{target.name} answered {answer.status}: {data[:300]!r}")
    return elapsed


def serve(target: str, source: Path, port: int, env: dict[str, str], log: Path) -> Any:
    command = [sys.executable, "-m", "functions_framework", "--target", target]
    command += ["--source", str(source), "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def confirmed_home(client: Any) -> Home:
    """One confirmed outlet whose device backend (``answer_commands``) answers at once."""
    home = seed(client, "bench-confirmed", 1)
    outlet = client.collection("users").document(home.user_id).collection("devices")
    outlet.document(home.device_ids[0]).update(
        {"execution": {"mode": "confirmed", "timeoutMs": 900}}
    )
    return home


def answer_commands(client: Any, home: Home) -> Callable[[], None]:
    """A device backend for the confirmed outlet: a Firestore listener that records SUCCESS with
    the command's patch as soon as a record appears; returns its stop function."""
    device = client.collection("users").document(home.user_id).collection("devices")
    ref = device.document(home.device_ids[0])
    started = threading.Event()

    def on_snapshot(_snaps: Any, changes: Any, _read_time: Any) -> None:
        for change in changes:
            record = change.document.to_dict() or {}
            if change.type.name == "ADDED" and record.get("outcome") is None:
                batch = client.batch()
                patch = record.get("patch") or {}
                if patch:
                    batch.update(ref, {f"states.{k}": v for k, v in patch.items()})
                batch.update(change.document.reference, {"outcome": {"status": "SUCCESS"}})
                batch.commit()
        started.set()

    from google.cloud.firestore import FieldFilter

    awaiting = ref.collection("commands").where(filter=FieldFilter("outcome", "==", None))
    watch = awaiting.on_snapshot(on_snapshot)
    started.wait(10)
    return watch.unsubscribe  # type: ignore[no-any-return]


def ratio_row(
    name: str, product: list[float], floor: list[float], blocks: list[float]
) -> dict[str, Any]:
    return {
        "figure": name,
        "product_ms": round(statistics.median(product) * 1000, 2),
        "floor_ms": round(statistics.median(floor) * 1000, 2),
        "ratio": round(statistics.median(blocks), 3),
        "spread": [round(min(blocks), 3), round(max(blocks), 3)],
    }


def latency(
    targets: tuple[Target, Target], home: Home, make: Callable[[int], bytes], blocks: int, n: int
) -> tuple[list[float], list[float], list[float]]:
    """Alternate product and floor requests; per-block median ratios."""
    connections = [t.connect() for t in targets]
    all_times: tuple[list[float], list[float]] = ([], [])
    ratios = []
    for i in range(3):  # warm both
        for side in (0, 1):
            call(connections[side], targets[side], home, make(i))
    for _ in range(blocks):
        times: tuple[list[float], list[float]] = ([], [])
        for i in range(n):
            for side in (i % 2, 1 - i % 2):  # alternate who goes first
                times[side].append(call(connections[side], targets[side], home, make(i)))
        ratios.append(statistics.median(times[0]) / statistics.median(times[1]))
        all_times[0].extend(times[0])
        all_times[1].extend(times[1])
    return all_times[0], all_times[1], ratios


def throughput(
    target: Target, home: Home, raw: bytes, clients: int, seconds: float
) -> dict[str, float]:
    """Requests per second and p50/p99 with ``clients`` threads for ``seconds``."""
    stop = time.monotonic() + seconds
    samples: list[list[float]] = [[] for _ in range(clients)]

    def worker(mine: list[float]) -> None:
        connection = target.connect()
        while time.monotonic() < stop:
            mine.append(call(connection, target, home, raw))

    threads = [threading.Thread(target=worker, args=(s,)) for s in samples]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    flat = sorted(x for s in samples for x in s)
    return {
        "requests": len(flat),
        "rps": len(flat) / elapsed,
        "p50_ms": flat[len(flat) // 2] * 1000,
        "p99_ms": flat[min(len(flat) - 1, int(len(flat) * 0.99))] * 1000,
    }


def cold_start(target: str, source: Path, env: dict[str, str], home: Home, log: Path) -> float:
    """Seconds from spawning a server to its first answered SYNC."""
    port = free_port()
    started = time.perf_counter()
    process = serve(target, source, port, env, log)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", process, timeout=60)
        call(Target(target, port, {}).connect(), Target(target, port, {}), home, body("SYNC", []))
        return time.perf_counter() - started
    finally:
        stop_group(process)


def import_time(module: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], env=env, cwd=ROOT, check=True)
    return time.perf_counter() - started


HEADER = f"{'figure':44} {'product':>10} {'floor':>10} {'ratio':>7}  spread"


def print_table(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        unit = row.get("unit", "ms")
        spread = "..".join(f"{x:.2f}" for x in row["spread"])
        product, floor = f"{row['product_ms']:.1f}{unit}", f"{row['floor_ms']:.1f}{unit}"
        print(
            f"{row['figure']:44} {product:>10} {floor:>10} {row['ratio']:>7.2f}  {spread}",
            flush=True,
        )


CASES: list[tuple[str, int, Callable[[Home], Callable[[int], bytes]]]] = [
    ("QUERY", 1, lambda h: lambda i: body("QUERY", h.device_ids)),
    ("QUERY", 10, lambda h: lambda i: body("QUERY", h.device_ids)),
    ("QUERY", 100, lambda h: lambda i: body("QUERY", h.device_ids)),
    ("EXECUTE OnOff", 1, lambda h: lambda i: body("EXECUTE", h.device_ids, i % 2 == 0)),
    ("EXECUTE OnOff", 10, lambda h: lambda i: body("EXECUTE", h.device_ids, i % 2 == 0)),
    ("SYNC", 100, lambda h: lambda i: body("SYNC", [])),
    ("SYNC", 500, lambda h: lambda i: body("SYNC", [])),
]


@dataclass
class Bench:
    """One run's servers, homes and settings."""

    product: Target
    floor: Target
    homes: dict[int, Home]
    client: Any
    env: dict[str, str]
    logs: Path
    blocks: int
    per_block: int
    pids: dict[str, int] = field(default_factory=dict)
    """The product's and the floor's server process groups (CPU per request)."""
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        print_table([row])

    def intents(self) -> None:
        for intent, size, maker in CASES:
            home = self.homes[size]
            n = self.per_block if size < 500 else max(4, self.per_block // 3)
            p, f, ratios = latency((self.product, self.floor), home, maker(home), self.blocks, n)
            self.add(ratio_row(f"{intent} of {size} device(s), median latency", p, f, ratios))

    def confirmed(self) -> None:
        """Confirmed EXECUTE against the same EXECUTE on an optimistic device."""
        confirmed = confirmed_home(self.client)
        stop_backend = answer_commands(self.client, confirmed)
        try:
            homes = (confirmed, self.homes[1])
            p: list[float] = []
            f: list[float] = []
            ratios = []
            connection = self.product.connect()
            for _ in range(self.blocks):
                times: tuple[list[float], list[float]] = ([], [])
                for i in range(self.per_block):
                    for side in (i % 2, 1 - i % 2):
                        raw = body("EXECUTE", homes[side].device_ids, i % 2 == 0)
                        times[side].append(call(connection, self.product, homes[side], raw))
                ratios.append(statistics.median(times[0]) / statistics.median(times[1]))
                p += times[0]
                f += times[1]
        finally:
            stop_backend()
        row = ratio_row("EXECUTE confirmed, backend answers at once", p, f, ratios)
        row["floor_is"] = "the same EXECUTE on an optimistic device"
        self.add(row)

    def throughput(self, seconds: float) -> None:
        query10 = body("QUERY", self.homes[10].device_ids)
        for clients in (1, 4, 16):
            cpu = {side: cpu_seconds(pid) for side, pid in self.pids.items()}
            rounds = [
                (
                    throughput(self.product, self.homes[10], query10, clients, seconds / 2),
                    throughput(self.floor, self.homes[10], query10, clients, seconds / 2),
                )
                for _ in range(2)
            ]
            served = {
                "product": sum(r[0]["requests"] for r in rounds),
                "floor": sum(r[1]["requests"] for r in rounds),
            }
            cpu_ms = {
                side: round(1000 * (cpu_seconds(pid) - cpu[side]) / max(1, served[side]), 3)
                for side, pid in self.pids.items()
            }
            ratios = [a["rps"] / b["rps"] for a, b in rounds]
            rps = [statistics.mean(r[side]["rps"] for r in rounds) for side in (0, 1)]
            last = rounds[-1]
            self.add(
                {
                    "figure": f"QUERY of 10, {clients} client(s), requests/s",
                    "product_ms": rps[0],
                    "floor_ms": rps[1],
                    "unit": "/s",
                    "ratio": statistics.median(ratios),
                    "spread": [min(ratios), max(ratios)],
                    "p50_p99_ms": {
                        "product": [last[0]["p50_ms"], last[0]["p99_ms"]],
                        "floor": [last[1]["p50_ms"], last[1]["p99_ms"]],
                    },
                    "cpu_ms_per_request": cpu_ms,
                }
            )
            print(
                f"{'':44} p50/p99 product {last[0]['p50_ms']:.1f}/{last[0]['p99_ms']:.1f} ms, "
                f"floor {last[1]['p50_ms']:.1f}/{last[1]['p99_ms']:.1f} ms; CPU per request "
                f"product {cpu_ms['product']} ms, floor {cpu_ms['floor']} ms"
            )

    def starts(self, colds: int) -> None:
        source = ROOT / "bench" / "floor.py"
        cold_p, cold_f = [], []
        for _ in range(colds):
            cold_p.append(
                cold_start(
                    "fulfillment", ROOT / "main.py", self.env, self.homes[100], self.logs / "c"
                )
            )
            cold_f.append(cold_start("floor", source, self.env, self.homes[100], self.logs / "c"))
        ratios = [a / b for a, b in zip(cold_p, cold_f, strict=True)]
        self.add(ratio_row("cold start to first SYNC of 100", cold_p, cold_f, ratios))
        imp_p = [import_time("main", self.env) for _ in range(colds)]
        imp_f = [import_time("bench.floor", self.env) for _ in range(colds)]
        ratios = [a / b for a, b in zip(imp_p, imp_f, strict=True)]
        self.add(ratio_row("import main (floor: import bench.floor)", imp_p, imp_f, ratios))


def run(blocks: int, per_block: int, seconds: float, colds: int) -> list[dict[str, Any]]:
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    emulator = launch_firestore(PROJECT, logs / "firestore.log").ready()
    env = {**os.environ, "FIRESTORE_EMULATOR_HOST": emulator.host, "GOOGLE_CLOUD_PROJECT": PROJECT}
    os.environ.update(FIRESTORE_EMULATOR_HOST=emulator.host, GOOGLE_CLOUD_PROJECT=PROJECT)
    servers = []
    try:
        from google.cloud import firestore

        client = firestore.Client(project=PROJECT)
        homes = {size: seed(client, f"bench-{size}", size) for size in (1, 10, 100, 500)}
        product = Target("product", free_port(), {})
        floor = Target("floor", free_port(), {})
        servers.append(serve("fulfillment", ROOT / "main.py", product.port, env, logs / "p.log"))
        servers.append(serve("floor", ROOT / "bench" / "floor.py", floor.port, env, logs / "f.log"))
        for target, process in zip((product, floor), servers, strict=True):
            wait_for_http(f"http://127.0.0.1:{target.port}/", process)
        pids = {"product": servers[0].pid, "floor": servers[1].pid}
        bench = Bench(product, floor, homes, client, env, logs, blocks, per_block, pids)
        bench.intents()
        bench.confirmed()
        bench.throughput(seconds)
        bench.starts(colds)
        return bench.rows
    finally:
        for process in servers:
            stop_group(process)
        emulator.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--blocks", type=int, default=7, help="latency blocks per figure")
    parser.add_argument("--per-block", type=int, default=30, help="requests per side per block")
    parser.add_argument("--seconds", type=float, default=6, help="throughput time per level")
    parser.add_argument("--cold", type=int, default=5, help="cold starts per side")
    parser.add_argument("--json", type=Path, default=ROOT / ".bench" / "fulfillment.json")
    args = parser.parse_args(argv)
    print(f"fulfillment vs floor on one Firestore emulator; {os.cpu_count()} cores", flush=True)
    print(HEADER)
    rows = run(args.blocks, args.per_block, args.seconds, args.cold)
    args.json.parent.mkdir(exist_ok=True)
    args.json.write_text(
        json.dumps({"rows": rows, "when": datetime.now(UTC).isoformat()}, indent=1)
    )
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
