"""Draw ``make bench``'s figures as SVG for the docs (docs/figures/), from the JSON the benches
wrote in .bench/: operations per unit of work, one user's lag against the write rate, and the
fulfillment's ratios to its floor. Only what was measured is drawn; a missing file is skipped.

    python -m bench.figures
"""

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt

from devstack.local import ROOT

BENCH = ROOT / ".bench"
OUT = ROOT / "docs" / "figures"
STYLE: dict[str, Any] = {"svg.hashsalt": "figures", "svg.fonttype": "none", "font.size": 9}
"""A fixed hash salt and text kept as text: the same figures give the same files."""


def _load(name: str) -> Any:
    path = BENCH / name
    return json.loads(path.read_text()) if path.exists() else None


def _save(figure: Any, name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    figure.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return path


def operations(costs: dict[str, Any]) -> Path:
    """Billed Firestore operations per unit of work, reads and writes stacked."""
    rows = [r for r in costs["rows"] if r["operations"] <= 60]
    labels = [r["unit"] for r in rows]
    reads = [r["reads"] for r in rows]
    writes = [r["writes"] + r["deletes"] for r in rows]
    figure, axis = plt.subplots(figsize=(7, 0.28 * len(rows) + 1))
    positions = list(range(len(rows)))[::-1]
    axis.barh(positions, reads, color="#4c78a8", label="reads")
    axis.barh(positions, writes, left=reads, color="#f58518", label="writes and deletes")
    for y, row in zip(positions, rows, strict=True):
        axis.text(row["operations"] + 0.3, y, f"{row['operations']:g}", va="center")
    axis.set_yticks(positions, labels)
    axis.set_xlabel("Firestore operations per unit (counted at the client)")
    axis.axvline(3, color="#888", linestyle=":", linewidth=1)
    axis.legend(loc="lower right", frameon=False)
    axis.set_title("What a unit of work costs")
    return _save(figure, "operations.svg")


def lag(pipeline: dict[str, Any]) -> Path:
    """One user's lag from a state write to Home Graph, against the sustained write rate."""
    rates = pipeline["rates"]
    x = [r["rate"] for r in rates]
    figure, axis = plt.subplots(figsize=(5, 3))
    axis.plot(x, [r["lag_p50"] for r in rates], marker="o", label="p50")
    axis.plot(x, [r["lag_p99"] for r in rates], marker="o", label="p99")
    for r in rates:
        if not r["sustained"]:
            axis.annotate(
                "growing",
                (r["rate"], r["lag_p99"]),
                textcoords="offset points",
                xytext=(4, 4),
                color="#b00020",
            )
    axis.set_xlabel("state writes per second, one user, 20 devices")
    axis.set_ylabel("lag to Home Graph (s)")
    axis.set_yscale("log")
    axis.legend(frameon=False)
    axis.set_title("One user's lag against the write rate (60 s each)")
    return _save(figure, "lag.svg")


def ratios(fulfillment: dict[str, Any]) -> Path:
    """The fulfillment against its floor: ratio per figure, with the spread of the blocks."""
    # The confirmed EXECUTE's floor is the optimistic one: a difference, not a ratio.
    rows = [r for r in fulfillment["rows"] if "confirmed" not in r["figure"]]
    labels = [r["figure"] for r in rows]
    values = [r["ratio"] for r in rows]
    low = [r["ratio"] - r["spread"][0] for r in rows]
    high = [r["spread"][1] - r["ratio"] for r in rows]
    figure, axis = plt.subplots(figsize=(7, 0.3 * len(rows) + 1))
    positions = list(range(len(rows)))[::-1]
    axis.errorbar(values, positions, xerr=[low, high], fmt="o", color="#4c78a8", capsize=2)
    axis.axvline(1.0, color="#888", linewidth=1)
    axis.axvline(1.10, color="#b00020", linestyle=":", linewidth=1)  # latency goal
    axis.axvline(0.95, color="#2e7d32", linestyle=":", linewidth=1)  # throughput goal
    axis.set_yticks(positions, labels)
    axis.set_xlabel("product / floor, measured side by side (lower is better; throughput: higher)")
    axis.set_title("The fulfillment against its floor")
    return _save(figure, "ratios.svg")


def main() -> int:
    plt.rcParams.update(STYLE)  # type: ignore[arg-type]
    drawn = []
    for name, draw in (
        ("costs.json", operations),
        ("pipeline.json", lag),
        ("fulfillment.json", ratios),
    ):
        data = _load(name)
        if data is not None:
            drawn.append(draw(data))
    for path in drawn:
        print(f"drew {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
