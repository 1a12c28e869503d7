"""The command source: the home's command records, each handed once to the worker of its device.

EXECUTE writes a record ``users/{home}/devices/{device}/commands/{id}`` for every command it
accepts (docs/devices.md, "Command records"), in the same commit as any state patch. The source
listens to the records of the bridge's devices that have no ``outcome`` yet (one Firestore listener
per device, started before the bridge calls itself started), drops a record past its ``deadline``
and hands every other one, once, to the worker that owns the device; the worker carries it out and
records the outcome (``Executor.execute``, bridge/execution.py).

Never twice: a record seen again (a duplicate snapshot, a listener's reconnect) is dropped by id,
and before touching the device the worker claims the record in a ``Journal`` that survives a
restart (``FileJournal``). A record found claimed but unanswered after a restart was interrupted
mid-command: it is answered ERROR ``transientError`` without acting again.
"""

import json
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from bridge.budget import BudgetExhausted
from bridge.errors import Refused, Unauthorized, Unconfirmed, Unreachable, Unsupported
from bridge.files import write_atomically
from bridge.logs import log
from bridge.store import CommandRecord, HomeStore

INTERRUPTED = "transientError"
"""The answer to a record claimed before a restart and never answered: the bridge cannot tell
whether the device acted, so Google is told it may not have; the next poll reports the truth."""
ERROR_CODES: tuple[tuple[type[Exception], str], ...] = (
    (Unconfirmed, "hardError"),
    (Unreachable, "deviceOffline"),
    (Unauthorized, "deviceOffline"),
    (Unsupported, "functionNotSupported"),
    (Refused, "hardError"),
    (BudgetExhausted, "transientError"),
)
"""The Google error code recorded for each failure, first match wins (docs/lan.md, "Commands").

``Unconfirmed`` (the setter answered 200, the read-back shows the old value) is ``hardError``:
the device answered, so not ``deviceOffline``; the command exists and is allowed, so not
``functionNotSupported`` / ``actionNotAvailable`` (which tell the user this action is not possible
now); and the bridge cannot know why it was ignored, so no retry advice (``transientError``).
The outcome still carries the read-back, so Google learns the device's real state."""
KEEP_CLAIMS = timedelta(minutes=30)
"""How long a journal keeps a claim whose record has no deadline."""


def error_code(error: Exception) -> str:
    """The Google error code for a failure while carrying a command out."""
    return next((code for kind, code in ERROR_CODES if isinstance(error, kind)), "hardError")


class Journal(Protocol):
    """Which commands the bridge began to act on, and the outcome of those it finished; survives
    a restart when persistent. Keys are ``CommandRecord.identity``: a command brought by the
    local path and again by the cloud's fallback is claimed once and answered from here."""

    def claim(self, key: str, until: datetime | None) -> bool:
        """Claim ``key`` (kept until ``until``, the record's deadline); False if claimed before."""
        ...

    def settle(self, key: str, outcome: dict[str, Any]) -> None:
        """Remember the outcome of the claimed ``key``."""
        ...

    def outcome(self, key: str) -> dict[str, Any] | None:
        """The outcome of ``key``, if it was settled; None while acting or when interrupted."""
        ...


class MemoryJournal:
    """A Journal for one process: tests, dry runs."""

    def __init__(self) -> None:
        self.claims: dict[str, datetime] = {}
        self.outcomes: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def claim(self, key: str, until: datetime | None) -> bool:
        now = datetime.now(UTC)
        with self._lock:
            self.claims = {k: v for k, v in self.claims.items() if v > now}
            self.outcomes = {k: v for k, v in self.outcomes.items() if k in self.claims}
            if key in self.claims:
                return False
            self.claims[key] = until or now + KEEP_CLAIMS
            return True

    def settle(self, key: str, outcome: dict[str, Any]) -> None:
        with self._lock:
            if key in self.claims:
                self.outcomes[key] = dict(outcome)

    def outcome(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            known = self.outcomes.get(key)
            return dict(known) if known is not None else None


class FileJournal(MemoryJournal):
    """A Journal in a JSON file (``commands.json`` in the state directory): each claim is written
    whole and durably (bridge/files.py) before the device is touched, one claim at a time, so a
    slower writer never puts an older snapshot back. Claims past their record's deadline are
    dropped: such records are never acted on anyway, so the file stays small."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._writing = threading.Lock()
        try:
            raw = json.loads(path.read_text())
            claims = raw.get("claims", raw) if isinstance(raw, dict) else {}
            self.claims = {str(k): datetime.fromisoformat(str(v)) for k, v in claims.items()}
            outcomes = raw.get("outcomes", {}) if "claims" in raw else {}
            self.outcomes = {str(k): dict(v) for k, v in outcomes.items() if k in self.claims}
        except FileNotFoundError:
            pass
        except (ValueError, AttributeError, TypeError) as error:
            log(logging.WARNING, "journal_unreadable", path=str(path), error=str(error))

    def claim(self, key: str, until: datetime | None) -> bool:
        with self._writing:
            if not super().claim(key, until):
                return False
            try:
                self._write()
            except BaseException:
                with self._lock:
                    self.claims.pop(key, None)  # not durable: not claimed
                raise
            return True

    def settle(self, key: str, outcome: dict[str, Any]) -> None:
        with self._writing:
            super().settle(key, outcome)
            self._write()

    def _write(self) -> None:
        """The whole journal, durably (called with ``_writing`` held)."""
        with self._lock:
            body = json.dumps(
                {
                    "claims": {k: v.isoformat() for k, v in self.claims.items()},
                    "outcomes": self.outcomes,
                },
                default=str,
            )
        write_atomically(self.path, body)


class CommandSource:
    """``start(device_ids)``, then ``stop()``; ``route`` hands a record to its device's worker."""

    def __init__(
        self,
        store: HomeStore,
        route: Callable[[CommandRecord], None],
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.route = route
        self.now = now
        self.seen: set[str] = set()
        self.expired = 0
        self._lock = threading.Lock()
        self._stop: Callable[[], None] | None = None

    def start(self, device_ids: Iterable[str], timeout: float = 30.0) -> "CommandSource":
        """Listen; returns once every device's listener has had its first snapshot."""
        self._stop = self.store.watch_commands(list(device_ids), self.on_record, timeout)
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None

    def on_record(self, record: CommandRecord) -> None:
        """The listener's callback (Firestore's thread): never blocks on a device."""
        with self._lock:
            if record.key in self.seen:
                return
            self.seen.add(record.key)
        if record.expired(self.now()):
            self.expired += 1
            log(logging.WARNING, "command_expired", device=record.device_id, command=record.key)
            return
        log(
            logging.INFO,
            "command_received",
            device=record.device_id,
            command=record.key,
            commands=[e.command.rsplit(".", 1)[-1] for e in record.executions],
            mode=record.mode,
        )
        self.route(record)


def outcome_of(status: str, states: dict[str, Any] | None = None, code: str = "") -> dict[str, Any]:
    """The ``outcome`` map the contract wants."""
    if status == "SUCCESS":
        return {"status": "SUCCESS", "states": dict(states or {})}
    return {"status": "ERROR", "errorCode": code}
