"""The reliability suite's modes (fast in make test, soak in make soak), settings and figures:
one line per test, printed and kept in .soak/.

Each test calls ``record`` with its counts. The line is printed (visible with ``pytest -s``, as
``make soak`` runs), listed again in pytest's terminal summary (visible in ``make test``), and
merged into ``.soak/reliability-<mode>.json`` (mode ``fast`` or ``soak``).
"""

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".soak"
LINES: list[str] = []
SETTINGS = {
    "REQUEST_SYNC_MIN_INTERVAL_SECONDS": "2",
    "NEW_USER_GRACE_SECONDS": "3",
    "HOMEGRAPH_TIMEOUT_SECONDS": "1",
    "HOMEGRAPH_RETRY_SECONDS": "4",
    "MAX_EVENT_AGE_SECONDS": "20",
}
"""Short timings, so that retries, coalescing and giving up all happen within a test."""


@dataclass(frozen=True)
class Mode:
    name: str
    soak: bool


FAST = Mode("fast", soak=False)
SOAK = Mode("soak", soak=True)
MODES = [pytest.param(FAST, id="fast"), pytest.param(SOAK, marks=pytest.mark.soak, id="soak")]
"""Parametrize a test with ``mode`` over these: ``make test`` runs the fast id, ``make soak``
the soak one."""

_lock = threading.Lock()


def record(test: str, mode: str, seconds: float, **counts: Any) -> str:
    """Print and keep one test's figures; returns the line (for assertion messages)."""
    shown = " ".join(f"{key}={value}" for key, value in counts.items())
    line = f"reliability [{mode}] {test}: {shown} ({seconds:.1f} s)"
    print(f"\n{line}", flush=True)
    with _lock:
        LINES.append(line)
        OUT.mkdir(exist_ok=True)
        path = OUT / f"reliability-{mode}.json"
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError):
            stored = {}
        stored[test] = {
            **counts,
            "seconds": round(seconds, 1),
            "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        path.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")
    return line
