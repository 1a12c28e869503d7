"""The bridge's files on the box: the journal keeps every claim however claims interleave, and is
durable once a claim returns (the file and its directory fsynced); pins.json is replaced whole or
not at all; a credential file is mode 0600 after it is saved, whatever it was before."""

import json
import os
import stat
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bridge.commands import FileJournal
from bridge.credential import BridgeAccount
from bridge.speaker.pins import PinStore


def soon() -> datetime:
    """A record's deadline ten minutes from now (a claim past its deadline is dropped, so a
    deadline taken when the module was imported could pass before a slow suite reaches it)."""
    return datetime.now(UTC) + timedelta(minutes=10)


def test_concurrent_claims_are_all_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One claim's rename is slow; another claim runs meanwhile. Both survive a restart."""
    path = tmp_path / "commands.json"
    journal = FileJournal(path)
    replace = os.replace
    other = threading.Thread(target=lambda: journal.claim("lamp/b", soon()))
    slowed = threading.Event()

    def slow_replace(source: Any, target: Any) -> None:
        if not slowed.is_set():
            slowed.set()
            other.start()  # the second claim, while the first one renames
            time.sleep(0.3)
        replace(source, target)

    monkeypatch.setattr(os, "replace", slow_replace)
    assert journal.claim("lamp/a", soon())
    other.join()
    assert set(FileJournal(path).claims) == {"lamp/a", "lamp/b"}


def test_a_claim_is_durable_directory_included(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is fsynced before the rename, the directory after it (else a power cut can
    lose the rename, and the device may be acted on twice after the restart)."""
    events: list[str] = []
    fsync, replace = os.fsync, os.replace

    def recorded_fsync(descriptor: int) -> None:
        kind = "dir" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "file"
        events.append(f"fsync {kind}")
        fsync(descriptor)

    def recorded_replace(source: Any, target: Any) -> None:
        events.append("rename")
        replace(source, target)

    monkeypatch.setattr(os, "fsync", recorded_fsync)
    monkeypatch.setattr(os, "replace", recorded_replace)
    assert FileJournal(tmp_path / "commands.json").claim("lamp/a", soon())
    assert events == ["fsync file", "rename", "fsync dir"]


def test_pins_are_replaced_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pins.json"
    PinStore(path).check("bedroom", "a" * 64)
    before = path.read_text()

    def failing_replace(source: Any, target: Any) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        PinStore(path).check("kitchen", "b" * 64)
    assert path.read_text() == before
    assert json.loads(before).keys() == {"bedroom"}
    assert [p.name for p in tmp_path.iterdir()] == ["pins.json"]  # no temporary file left


def test_saving_a_credential_tightens_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "bridge.json"
    path.write_text("{}")
    path.chmod(0o644)
    BridgeAccount("demo-project", "key", "home", "refresh-token-value").save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert BridgeAccount.load(path).refresh_token == "refresh-token-value"
