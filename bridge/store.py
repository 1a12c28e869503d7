"""The home's documents as the kit sees them: a ``HomeStore`` interface and an in-memory one."""

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bridge.contract import check_document


@dataclass(frozen=True)
class Snapshot:
    """One device document as read; ``version`` is its update time (None: the document is gone)."""

    device_id: str
    document: dict[str, Any] | None
    version: Any


Listener = Callable[[Snapshot], None]


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


class MemoryHomeStore:
    """A HomeStore in memory, with Firestore's version semantics; for tests and dry runs."""

    def __init__(self) -> None:
        self.devices: dict[str, dict[str, Any]] = {}
        self.side: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, int] = {}
        self.writes: list[tuple[str, dict[str, Any]]] = []
        self._clock = 0
        self._listeners: list[Listener] = []
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

    def execute(self, device_id: str, states: Mapping[str, Any]) -> None:
        """What the fulfillment's EXECUTE does: a states write (tests)."""
        self.update_states(device_id, states)

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
