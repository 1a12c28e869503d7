"""The home's documents as the kit sees them: the ``HomeStore`` port and what it carries.

Two implementations: ``bridge/memory_store.py`` (tests, dry runs) and
``bridge/firestore_store.py`` (the LAN box, signed in as the home's bridge user).
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    request_id: str = ""
    """Google's request id: the same whichever path (cloud or local) brings the command."""
    origin: str = "cloud"
    """``cloud``: a Firestore record the outcome is written to; ``local``: a Local Home request
    waiting for the outcome (``reply``), its states written to the device document."""
    reply: Callable[[dict[str, Any]], None] | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.device_id}/{self.command_id}"

    @property
    def identity(self) -> str:
        """What names the command whichever path brings it: its device, Google's request id
        and its executions. A local EXECUTE and the cloud's fallback of the same request share
        it, so the journal lets only one of them act (bridge/execution.py)."""
        if not self.request_id:
            return self.key
        return f"{self.device_id}/{self.request_id}/{executions_digest(self.executions)}"

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
        request_id = data.get("requestId")
        return cls(
            device_id,
            command_id,
            executions,
            dict(data.get("patch") or {}),
            str(data.get("mode") or "optimistic"),
            deadline if isinstance(deadline, datetime) else None,
            request_id if isinstance(request_id, str) else "",
        )


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def issue_order(record: Mapping[str, Any]) -> tuple[datetime, int]:
    """The order to act on command records in: by ``issuedAt``, then by ``position`` within one
    request (docs/devices.md, "Command records"); a record missing either sorts first."""
    issued, position = record.get("issuedAt"), record.get("position")
    return (
        issued if isinstance(issued, datetime) and issued.tzinfo else _EARLIEST,
        position if isinstance(position, int) and not isinstance(position, bool) else 0,
    )


FOLLOW_UP = "followUpToken"
"""A param the cloud path carries and the local path does not; not part of a command's identity."""


def executions_digest(executions: Iterable[Execution]) -> str:
    """A short digest of the executions (commands and params, ``followUpToken`` left out)."""
    canonical = json.dumps(
        [[e.command, {k: v for k, v in e.params.items() if k != FOLLOW_UP}] for e in executions],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


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

    def set_fields(self, device_id: str, fields: Mapping[str, Any]) -> bool:
        """Replace top-level contract fields of an existing device document (the local path's
        ``otherDeviceIds`` and ``customData``); False when the document is gone."""
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
