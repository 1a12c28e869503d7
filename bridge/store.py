"""The home's documents as the kit sees them: the ``HomeStore`` port and what it carries.

Two implementations: ``bridge/memory_store.py`` (tests, dry runs) and
``bridge/firestore_store.py`` (the LAN box, signed in as the home's bridge user).
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


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
        """Create the document unless it exists, owned by this bridge (``backend``); True if
        this call created it."""
        ...

    def owned(self, device_id: str) -> bool:
        """Whether the document exists and this bridge owns it (the only ones it may write)."""
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
        """Call ``listener`` with every device document this bridge owns as it changes; returns
        a stop function."""
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
