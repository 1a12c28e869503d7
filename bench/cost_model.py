"""What a home costs per month, from what ``make bench`` counted (.bench/costs.json: Firestore
operations and invocations per unit of work; .bench/pipeline.json: CPU per event) and list prices.

The home is a model, stated in ``HOME`` and printed with the result: change it and run again.
Prices are Google's list prices in USD (PRICES, with the date they were read and their pages);
free tiers are left out (they vanish at fleet scale), so small fleets pay less than this says.

    python -m bench.cost_model
"""

import json
import sys
from dataclasses import asdict, dataclass
from typing import Any

from devstack.local import ROOT

DAYS = 30.4


@dataclass(frozen=True)
class Home:
    """What one linked home does in a day (a model; every figure is stated)."""

    devices: int = 15
    state_writes_per_device: float = 24.0
    """State changes a device reports per day (one an hour)."""
    queries: float = 20.0
    """QUERYs from Google per day (the app opened, a question asked), of ``query_devices`` each."""
    query_devices: int = 3
    executes: float = 10.0
    """Commands per day, one device each."""
    syncs: float = 0.2
    """SYNCs per day (a device added or renamed now and then, each followed by Request Sync)."""
    token_refreshes: float = 24.0
    """Access tokens live an hour: Google refreshes about once an hour while it uses them."""
    log_bytes_per_write: int = 1600
    """About four structured log lines of ~400 bytes per state write (both functions)."""
    log_bytes_per_request: int = 600


@dataclass(frozen=True)
class Prices:
    """USD list prices, read 2026-12-07 (Firestore: firebase.google.com/docs/firestore/pricing,
    multi-region nam5/eur3; Cloud Run functions, tier 1, request-based billing:
    cloud.google.com/run/pricing; Pub/Sub: cloud.google.com/pubsub/pricing; Cloud Logging:
    cloud.google.com/stackdriver/pricing)."""

    read: float = 0.06 / 100_000
    write: float = 0.18 / 100_000
    delete: float = 0.02 / 100_000
    invocation: float = 0.40 / 1_000_000
    vcpu_second: float = 0.000024
    gib_second: float = 0.0000025
    pubsub_tib: float = 40.0
    logging_gib: float = 0.50


MEMORY_GIB = 0.25
PUBSUB_MIN_BYTES = 1000
"""Pub/Sub bills at least 1,000 bytes a message."""
FALLBACK_CPU_MS = {"on_device_written": 3.5, "on_device_change": 6.0, "fulfillment": 4.0}
"""CPU per event on the bench machine when .bench/pipeline.json has none."""


def unit(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for row in rows:
        if row["unit"] == name:
            return row
    raise KeyError(f"{name} not in .bench/costs.json: run `python -m bench.costs`")


def monthly(
    home: Home, prices: Prices, rows: list[dict[str, Any]], cpu_ms: dict[str, float]
) -> dict[str, float]:
    """USD per home per month, by part."""
    write = unit(rows, "state write, one user at 1/s for 20 s")
    query1, query10 = unit(rows, "QUERY of 1"), unit(rows, "QUERY of 10")
    per_device_read = (query10["reads"] - query1["reads"]) / 9
    query_reads = query1["reads"] + per_device_read * (home.query_devices - 1)
    execute = unit(rows, "EXECUTE of 1")
    sync10 = unit(rows, "SYNC of 10")
    sync_reads = sync10["reads"] + (home.devices - 10) * per_device_read
    refresh = unit(rows, "token refresh")
    writes_day = home.devices * home.state_writes_per_device
    reads = (
        writes_day * write["reads"]
        + home.queries * query_reads
        + home.executes * execute["reads"]
        + home.syncs * sync_reads
        + home.token_refreshes * refresh["reads"]
    )
    written = (
        writes_day * write["writes"]
        + home.executes * execute["writes"]
        + home.syncs * sync10["writes"]
        + home.token_refreshes * refresh["writes"]
    )
    requests = home.queries + home.executes + home.syncs
    invocations = writes_day * 2 + requests + home.token_refreshes
    cpu_seconds = (
        writes_day * (cpu_ms["on_device_written"] + cpu_ms["on_device_change"])
        + (requests + home.token_refreshes) * cpu_ms["fulfillment"]
    ) / 1000
    log_bytes = writes_day * home.log_bytes_per_write + requests * home.log_bytes_per_request
    day = {
        "Firestore": reads * prices.read + written * prices.write,
        "functions": invocations * prices.invocation
        + cpu_seconds * prices.vcpu_second
        + cpu_seconds * MEMORY_GIB * prices.gib_second,
        "Pub/Sub": writes_day * PUBSUB_MIN_BYTES / 2**40 * prices.pubsub_tib,
        "Cloud Logging": log_bytes / 2**30 * prices.logging_gib,
    }
    month = {part: cost * DAYS for part, cost in day.items()}
    month["total"] = sum(month.values())
    month["firestore_operations_per_day"] = reads + written
    return month


def main() -> int:
    costs = json.loads((ROOT / ".bench" / "costs.json").read_text())["rows"]
    pipeline_path = ROOT / ".bench" / "pipeline.json"
    cpu_ms = dict(FALLBACK_CPU_MS)
    if pipeline_path.exists():
        rates = json.loads(pipeline_path.read_text()).get("rates") or []
        if rates:
            cpu_ms.update({k: float(v) for k, v in rates[0].get("cpu_ms_per_write", {}).items()})
    fulfillment_path = ROOT / ".bench" / "fulfillment.json"
    if fulfillment_path.exists():
        for row in json.loads(fulfillment_path.read_text())["rows"]:
            if "cpu_ms_per_request" in row and row["figure"].startswith("QUERY of 10, 1 client"):
                cpu_ms["fulfillment"] = float(row["cpu_ms_per_request"]["product"])
    home, prices = Home(), Prices()
    result = monthly(home, prices, costs, cpu_ms)
    print(f"home model: {asdict(home)}")
    print(f"CPU per event (ms, bench machine): {cpu_ms}")
    print(f"Firestore operations per home per day: {result['firestore_operations_per_day']:.0f}")
    print(
        f"{'part':16} {'per home/month':>15} {'10,000 homes':>13} {'100,000':>11} {'1,000,000':>12}"
    )
    for part in ("Firestore", "functions", "Pub/Sub", "Cloud Logging", "total"):
        value = result[part]
        print(
            f"{part:16} {'$' + format(value, '.4f'):>15} {'$' + format(value * 1e4, ',.0f'):>13} "
            f"{'$' + format(value * 1e5, ',.0f'):>11} {'$' + format(value * 1e6, ',.0f'):>12}"
        )
    out = ROOT / ".bench" / "cost_model.json"
    out.write_text(json.dumps({"home": asdict(home), "cpu_ms": cpu_ms, "month": result}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
