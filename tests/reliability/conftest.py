"""The reliability suite's shared pieces: one local stack for the whole package, the modes.

Fast versions run in ``make test``; the long ones carry the ``soak`` marker (deselected by
default in pyproject.toml) and run with ``make soak``. Every test records its figures with
``tests.reliability.figures.record``; they are listed at the end of the run.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.auth_emulator import AuthEmulator
from devstack.stack import LocalStack
from tests.support import figures
from tests.support.emulator import PROJECT
from tests.support.figures import SETTINGS


@pytest.fixture(scope="package")
def stack(
    tmp_path_factory: pytest.TempPathFactory, auth_emulator: AuthEmulator
) -> Iterator[LocalStack]:
    """The full local stack (emulators, the four functions, local Google side), started once
    for the package and stopped after its last test; the environment is restored."""
    saved = dict(os.environ)
    logs = Path(tmp_path_factory.mktemp("reliability"))
    stack = LocalStack(PROJECT, logs, settings=SETTINGS, shared_auth=auth_emulator)
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
