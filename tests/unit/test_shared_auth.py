"""A local stack refuses a shared Auth emulator of another project before it starts anything
(its ID tokens would name the wrong audience, and its accounts are another project's)."""

import io
import subprocess
from pathlib import Path

import pytest

from devstack.auth_emulator import AuthEmulator
from devstack.stack import LocalStack


def test_a_shared_auth_emulator_of_another_project_is_refused(tmp_path: Path) -> None:
    never_run = subprocess.Popen(["true"])
    never_run.wait()
    other = AuthEmulator("auth", 1, never_run, io.BytesIO(), project="demo-other")
    stack = LocalStack("demo-mine", tmp_path, shared_auth=other)
    with pytest.raises(ValueError, match="demo-other"):
        stack.start()
    assert stack.eventarc is None and stack.servers == {} and stack.firestore is None
