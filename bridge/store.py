"""The home's documents as the kit sees them: a ``HomeStore`` interface and an in-memory one."""

import itertools
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bridge.contract import check_document


@dataclass(frozen=True)
class Snapshot:
    """One device document as read; ``version`` is its update time (None: the document is gone)."""

    device_id: str
    document: dict[str, Any] | None
    version: Any


Listener = Callable[[Snapshot], None]


@dataclass(frozen=True)
class Execution:
    command: str
    """Google's command name: ``action.devices.commands.OnOff``."""
    params: dict[str, Any]


@dataclass(frozen=True)
class CommandRecord:
    """One unanswered command record ``users/{home}/devices/{device_id}/commands/{command_id}``
    (docs/devices.md, "Command records"), as the kit needs it."""

    device_id: str
    command_id: str
    executions: tuple[Execution, ...]
    patch: dict[str, Any]
    """What the product wrote (optimistic) or expects (confirmed); empty when Firestore already
    held it, so the executions, not the patch, say what to do."""
    mode: str
    deadline: datetime | None

    @property
    def key(self) -> str:
        return f"{self.device_id}/{self.command_id}"

    def expired(self, now: datetime) -> bool:
        """Past its deadline: the product expires it, and acting now would surprise the user."""
        return self.deadline is not None and self.deadline <= now

    @classmethod
    def parse(cls, device_id: str, command_id: str, data: Mapping[str, Any]) -> "CommandRecord":
        executions = tuple(
            Execution(str(e.get("command", "")), dict(e.get("params") or {}))
            for e in data.get("executions") or []
            if isinstance(e, Mapping)
        )
        deadline = data.get("deadline")
        return cls(
            device_id,
            command_id,
            executions,
            dict(data.get("patch") or {}),
            str(data.get("mode") or "optimistic"),
            deadline if isinstance(deadline, datetime) else None,
        )


CommandListener = Callable[[CommandRecord], None]


class HomeStore(Protocol):
    """``users/{home}/devices/*`` and ``users/{home}/lan/*`` of one home."""

    def read(self, device_id: str) -> Snapshot:
        """The device document now."""
        ...

    def create(self, device_id: str, document: Mapping[str, Any]) -> bool:
        """Create the document unless it exists; True if this call created it."""
        ...

    def update_states(
        self, device_id: str, states: Mapping[str, Any], *, version: Any = None
    ) -> bool:
        """Write ``states`` keys (field updates ``states.k``). With ``version``, only if the
        document is still at that version; False when it moved on (a newer write won)."""
        ...

    def write_side(self, name: str, data: Mapping[str, Any]) -> None:
        """Replace ``users/{home}/lan/{name}``: the kit's data outside the device documents."""
        ...

    def watch(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every device document as it changes; returns a stop function."""
        ...

    def watch_commands(
        self, device_ids: Iterable[str], listener: CommandListener, timeout: float = 30.0
    ) -> Callable[[], None]:
        """Call ``listener`` with each command record of ``device_ids`` that has no ``outcome``
        (possibly more than once: the caller deduplicates). Returns, with a stop function, only
        once every device's listener has had its first snapshot, so no record written after the
        call returns is missed; raises TimeoutError otherwise."""
        ...

    def record_outcome(
        self,
        device_id: str,
        command_id: str,
        outcome: Mapping[str, Any],
        states: Mapping[str, Any],
    ) -> bool:
        """One batch: the device's ``states.*`` keys in ``states`` and the record's ``outcome``.
        False (and nothing written) when the record already has an outcome or is gone."""
        ...


class MemoryHomeStore:
    """A HomeStore in memory, with Firestore's version semantics; for tests and dry runs."""

    def __init__(self) -> None:
        self.devices: dict[str, dict[str, Any]] = {}
        self.side: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, int] = {}
        self.writes: list[tuple[str, dict[str, Any]]] = []
        self.commands: dict[tuple[str, str], dict[str, Any]] = {}
        self._clock = 0
        self._listeners: list[Listener] = []
        self._command_listeners: list[tuple[frozenset[str], CommandListener]] = []
        self._ids = itertools.count(1)
        self._lock = threading.RLock()

    def read(self, device_id: str) -> Snapshot:
        with self._lock:
            document = self.devices.get(device_id)
            copy = _deep_copy(document) if document is not None else None
            return Snapshot(device_id, copy, self.versions.get(device_id))

    def create(self, device_id: str, document: Mapping[str, Any]) -> bool:
        check_document(document)
        with self._lock:
            if device_id in self.devices:
                return False
            self._put(device_id, _deep_copy(dict(document)))
            return True

    def update_states(
        self, device_id: str, states: Mapping[str, Any], *, version: Any = None
    ) -> bool:
        with self._lock:
            if device_id not in self.devices:
                return False
            if version is not None and self.versions.get(device_id) != version:
                return False
            document = _deep_copy(self.devices[device_id])
            document.setdefault("states", {}).update(states)
            self.writes.append((device_id, dict(states)))
            self._put(device_id, document)
            return True

    def write_side(self, name: str, data: Mapping[str, Any]) -> None:
        with self._lock:
            self.side[name] = _deep_copy(dict(data))

    def watch(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)
            for device_id in list(self.devices):
                listener(self.read(device_id))
        return lambda: self._listeners.remove(listener)

    def watch_commands(
        self, device_ids: Iterable[str], listener: CommandListener, timeout: float = 30.0
    ) -> Callable[[], None]:
        entry = (frozenset(device_ids), listener)
        with self._lock:
            self._command_listeners.append(entry)
            for (device_id, command_id), record in list(self.commands.items()):
                if device_id in entry[0] and record.get("outcome") is None:
                    listener(CommandRecord.parse(device_id, command_id, record))
        return lambda: self._command_listeners.remove(entry)

    def record_outcome(
        self,
        device_id: str,
        command_id: str,
        outcome: Mapping[str, Any],
        states: Mapping[str, Any],
    ) -> bool:
        with self._lock:
            record = self.commands.get((device_id, command_id))
            if record is None or record.get("outcome") is not None:
                return False
            if states and not self.update_states(device_id, states):
                return False
            record["outcome"] = _deep_copy(dict(outcome))
            return True

    def execute(
        self,
        device_id: str,
        command: str,
        params: Mapping[str, Any],
        *,
        patch: Mapping[str, Any] | None = None,
        mode: str = "optimistic",
        deadline: datetime | None = None,
    ) -> str:
        """What the fulfillment's EXECUTE does (tests): in one commit, the state patch (optimistic
        only) and a command record; returns the record's id."""
        patch = dict(patch or {})
        command_id = f"c{next(self._ids)}"
        now = datetime.now(UTC)
        record = {
            "requestId": command_id,
            "issuedAt": now,
            "deadline": deadline or now + timedelta(minutes=10),
            "mode": mode,
            "executions": [{"command": command, "params": dict(params)}],
            "patch": patch,
            "answer": None if mode == "confirmed" else "SUCCESS",
            "outcome": None,
        }
        with self._lock:
            if mode != "confirmed" and patch:
                self.update_states(device_id, patch)
            self.commands[(device_id, command_id)] = record
            parsed = CommandRecord.parse(device_id, command_id, record)
            for devices, listener in list(self._command_listeners):
                if device_id in devices:
                    listener(parsed)
        return command_id

    def outcome(self, device_id: str, command_id: str) -> dict[str, Any] | None:
        """The outcome recorded on a command record (tests)."""
        with self._lock:
            outcome = self.commands[(device_id, command_id)].get("outcome")
            return _deep_copy(outcome) if outcome is not None else None

    def _put(self, device_id: str, document: dict[str, Any]) -> None:
        self._clock += 1
        self.devices[device_id] = document
        self.versions[device_id] = self._clock
        snapshot = self.read(device_id)
        for listener in list(self._listeners):
            listener(snapshot)


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value
