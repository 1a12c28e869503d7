"""Waiting for what a running stack does asynchronously: poll a condition, bounded in time."""

import time
from collections.abc import Callable
from typing import Any


def eventually(check: Callable[[], Any], timeout: float = 60, what: str = "") -> Any:
    """``check()``'s first truthy result; fails the test when none comes within ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.1)
    return result
