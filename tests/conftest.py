"""Every test run: the Firestore emulator fixtures (tests/support/emulator.py), and the
``integration`` marker on every test that needs an emulator or a server, so that
``pytest -m "not integration"`` is the fast loop."""

from pathlib import Path

import pytest

pytest_plugins = ["tests.support.emulator"]

SERVER_FOLDERS = ("integration", "reliability")
EMULATOR_FIXTURES = {"firestore_emulator", "stack"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folder = Path(str(item.path)).parent.name
        needs = EMULATOR_FIXTURES & set(getattr(item, "fixturenames", ()))
        if folder in SERVER_FOLDERS or needs:
            item.add_marker(pytest.mark.integration)
