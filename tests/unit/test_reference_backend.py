"""The reference device backend (devstack/device_backend.py) records an outcome despite a
transient Firestore error: the batch is committed again, whole, within a bound; any other error
is logged, not retried. Over a fake client (the end-to-end behaviour on the emulator:
tests/integration/test_device_backend_e2e.py)."""

from dataclasses import dataclass, field
from typing import Any

import pytest
from google.api_core import exceptions

from devstack import device_backend
from devstack.device_backend import DeviceBackend

ON_OFF = "action.devices.commands.OnOff"


@dataclass(frozen=True)
class Ref:
    path: str

    @property
    def id(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class Client:
    """Firestore's ``document`` and ``batch``; the first ``failures`` commits raise."""

    failures: list[Exception]
    committed: list[list[tuple[str, dict[str, Any]]]] = field(default_factory=list)

    def document(self, path: str) -> Ref:
        return Ref(path)

    def batch(self) -> "Batch":
        return Batch(self)


@dataclass
class Batch:
    client: Client
    writes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def update(self, ref: Ref, fields: dict[str, Any]) -> None:
        self.writes.append((ref.path, fields))

    def commit(self) -> None:
        if self.client.failures:
            raise self.client.failures.pop(0)
        self.client.committed.append(self.writes)


def error(kind: type[Exception], message: str) -> Exception:
    return kind(message)


def act(client: Client) -> tuple[DeviceBackend, list[str]]:
    lines: list[str] = []
    backend = DeviceBackend(client, "u", ["lamp"], reactions={}, log=lines.append)  # type: ignore[arg-type]
    record = {
        "mode": "confirmed",
        "executions": [{"command": ON_OFF, "params": {"on": True}}],
        "patch": {"on": True},
    }
    backend._act("lamp", Ref("users/u/devices/lamp/commands/c1"), record, None)
    return backend, lines


def test_a_cancelled_commit_is_committed_again_whole() -> None:
    client = Client([error(exceptions.Cancelled, "call already cancelled")])
    backend, lines = act(client)
    assert client.committed == [
        [
            ("users/u/devices/lamp", {"states.on": True}),
            (
                "users/u/devices/lamp/commands/c1",
                {"outcome": {"status": "SUCCESS", "states": {"on": True}}},
            ),
        ]
    ]
    assert [h.outcome for h in backend.handled] == [{"status": "SUCCESS", "states": {"on": True}}]
    assert lines[0].startswith("retrying in ") and "lamp OnOff" in lines[0]
    assert lines[-1] == "acted: lamp OnOff"


def test_an_error_a_retry_cannot_help_is_logged_once_and_not_retried() -> None:
    client = Client(
        [error(exceptions.PermissionDenied, "rules"), error(exceptions.Cancelled, "unused")]
    )
    backend, lines = act(client)
    assert client.committed == [] and backend.handled == []
    assert len(client.failures) == 1  # the second commit never happened
    assert lines == ["gave up recording the outcome: lamp OnOff: 403 rules"]


def test_retries_end_within_their_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device_backend, "COMMIT_RETRY_SECONDS", 1.0)
    client = Client([error(exceptions.ServiceUnavailable, "down")] * 50)
    backend, lines = act(client)
    tries = 50 - len(client.failures)
    assert 1 <= tries <= 6 and client.committed == [] and backend.handled == []
    assert lines[-1] == "gave up recording the outcome: lamp OnOff: 503 down"
    assert len(lines) == tries  # one line per retry, then the one that gives up
