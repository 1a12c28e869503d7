"""The reliability suite's shared pieces: one local stack for the whole package, the modes.

Fast versions run in ``make test``; the long ones carry the ``soak`` marker (deselected by
default in pyproject.toml) and run with ``make soak``. Every test records its figures with
``tests.reliability.figures.record``; they are listed at the end of the run.
"""

import os
from collections.abc import Iterator

import pytest

from devstack.stack import LocalStack
from tests.support import figures
from tests.support.emulator import NewStack
from tests.support.figures import SETTINGS


@pytest.fixture(scope="package")
def stack(new_stack: NewStack) -> Iterator[LocalStack]:
    """The full local stack (emulators, the four functions, local Google side), started once
    for the package and stopped after its last test; the environment is restored."""
    saved = dict(os.environ)
    stack = new_stack(SETTINGS)
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
