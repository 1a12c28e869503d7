"""CPU time the processes of a process group have used (Linux /proc): what a side of a benchmark
costs the machine, whatever else runs beside it."""

import os
from pathlib import Path


def cpu_seconds(group: int) -> float:
    """CPU time (user and system) used so far by the processes of one process group."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")
