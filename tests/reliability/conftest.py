"""The reliability suite's shared pieces: one local stack for the whole package, the modes.

Fast versions run in ``make test``; the long ones carry the ``soak`` marker (deselected by
default in pyproject.toml) and run with ``make soak``. Every test records its figures with
``tests.reliability.figures.record``; they are listed at the end of the run.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.stack import LocalStack
from tests.reliability import figures

PROJECT = "demo-reliability"
SETTINGS = {
    "REQUEST_SYNC_MIN_INTERVAL_SECONDS": "2",
    "NEW_USER_GRACE_SECONDS": "3",
    "HOMEGRAPH_TIMEOUT_SECONDS": "1",
    "HOMEGRAPH_RETRY_SECONDS": "4",
    "REPORT_STATE_MIN_INTERVAL_SECONDS": "0.5",
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


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The full local stack (emulators, the four functions, local Google side), started once
    for the package and stopped after its last test; the environment is restored."""
    saved = dict(os.environ)
    stack = LocalStack(PROJECT, Path(tmp_path_factory.mktemp("reliability")), settings=SETTINGS)
    try:
        yield stack.start()
    finally:
        stack.stop()
        os.environ.clear()
        os.environ.update(saved)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if figures.LINES:
        terminalreporter.section("reliability figures")
        for line in figures.LINES:
            terminalreporter.write_line(line)
