"""The reliability suite's figures: one line per test, printed and kept in .soak/.

Each test calls ``record`` with its counts. The line is printed (visible with ``pytest -s``, as
``make soak`` runs), listed again in pytest's terminal summary (visible in ``make test``), and
merged into ``.soak/reliability-<mode>.json`` (mode ``fast`` or ``soak``).
"""

import json
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".soak"
LINES: list[str] = []
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
