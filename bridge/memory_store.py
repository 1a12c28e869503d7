"""A HomeStore in memory, with Firestore's version semantics and firestore.rules' ownership (the
bridge reaches only the documents whose ``backend`` names it): for tests and dry runs."""

import itertools
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bridge.contract import OWNER, check_document, check_fields
from bridge.store import CommandListener, CommandRecord, Listener, Snapshot, issue_order


class MemoryHomeStore:
    """A HomeStore in memory for the bridge ``owner``; ``execute`` plays the product's part."""

    def __init__(self, owner: str = "bridge") -> None:
        self.owner = owner
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
            if document is not None and not self._owns(document):
                raise PermissionError(f"{device_id}: owned by another backend")
            copy = _deep_copy(document) if document is not None else None
            return Snapshot(device_id, copy, self.versions.get(device_id))

    def create(self, device_id: str, document: Mapping[str, Any]) -> bool:
        check_document(document)
        with self._lock:
            if device_id in self.devices:
                return False
            self._put(device_id, {**_deep_copy(dict(document)), OWNER: self.owner})
            return True

    def owned(self, device_id: str) -> bool:
        with self._lock:
            return self._owns(self.devices.get(device_id))

    def update_states(
        self, device_id: str, states: Mapping[str, Any], *, version: Any = None
    ) -> bool:
        with self._lock:
            if device_id in self.devices and not self.owned(device_id):
                raise PermissionError(f"{device_id}: owned by another backend")
            return self._write_states(device_id, states, version)

    def _write_states(self, device_id: str, states: Mapping[str, Any], version: Any) -> bool:
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

    def set_fields(self, device_id: str, fields: Mapping[str, Any]) -> bool:
        check_fields(fields)
        with self._lock:
            if device_id not in self.devices:
                return False
            if not self.owned(device_id):
                raise PermissionError(f"{device_id}: owned by another backend")
            document = {**_deep_copy(self.devices[device_id]), **_deep_copy(dict(fields))}
            self._put(device_id, document)
            return True

    def watch(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)
            for device_id in list(self.devices):
                if self.owned(device_id):
                    listener(self.read(device_id))
        return lambda: self._listeners.remove(listener)

    def watch_commands(
        self, device_ids: Iterable[str], listener: CommandListener, timeout: float = 30.0
    ) -> Callable[[], None]:
        entry = (frozenset(device_ids), listener)
        with self._lock:
            self._command_listeners.append(entry)
            waiting = sorted(self.commands.items(), key=lambda item: issue_order(item[1]))
            for (device_id, command_id), record in waiting:
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
            if not self.owned(device_id):
                raise PermissionError(f"{device_id}: owned by another backend")
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
        request_id: str | None = None,
        issued_at: datetime | None = None,
        position: int = 0,
    ) -> str:
        """What the fulfillment's EXECUTE does (tests): in one commit, the state patch (optimistic
        only) and a command record; returns the record's id."""
        patch = dict(patch or {})
        command_id = f"c{next(self._ids)}"
        now = issued_at or datetime.now(UTC)
        record = {
            "requestId": request_id or command_id,
            "issuedAt": now,
            "position": position,
            "deadline": deadline or now + timedelta(minutes=10),
            "mode": mode,
            "executions": [{"command": command, "params": dict(params)}],
            "patch": patch,
            "answer": None if mode == "confirmed" else "SUCCESS",
            "outcome": None,
        }
        with self._lock:
            if mode != "confirmed" and patch:
                self._write_states(device_id, patch, None)
            self.commands[(device_id, command_id)] = record
            parsed = CommandRecord.parse(device_id, command_id, record)
            for devices, listener in list(self._command_listeners):
                if device_id in devices:
                    listener(parsed)
        return command_id

    def server_write(self, device_id: str, fields: Mapping[str, Any]) -> None:
        """What the product or the maker's cloud writes with server credentials, which the rules
        do not bind (tests): ``fields`` merged into the document, created if missing."""
        with self._lock:
            document = {**_deep_copy(self.devices.get(device_id, {})), **_deep_copy(dict(fields))}
            self._put(device_id, document)

    def outcome(self, device_id: str, command_id: str) -> dict[str, Any] | None:
        """The outcome recorded on a command record (tests)."""
        with self._lock:
            outcome = self.commands[(device_id, command_id)].get("outcome")
            return _deep_copy(outcome) if outcome is not None else None

    def _put(self, device_id: str, document: dict[str, Any]) -> None:
        self._clock += 1
        self.devices[device_id] = document
        self.versions[device_id] = self._clock
        snapshot = (
            self.read(device_id)
            if self._owns(document)
            else Snapshot(device_id, None, None)  # out of the bridge's view
        )
        for listener in list(self._listeners):
            listener(snapshot)

    def _owns(self, document: Mapping[str, Any] | None) -> bool:
        return document is not None and document.get(OWNER) == self.owner


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value
