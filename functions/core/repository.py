"""The store's interface (a Protocol): what the intents need from persistence, nothing more.

``functions.core.store.FirestoreStore`` is the real adapter; ``tests.unit.fakes.MemoryStore`` is the
in-memory one for unit tests. Both implement exactly this.
"""

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

Document = Mapping[str, Any]
StatePatches = dict[str, dict[str, Any]]
"""Device id -> the state keys to set on that device's ``states`` map."""

T = TypeVar("T")
PIN_DOCUMENT = "users/{user}/secrets/pin"
"""Where a user's PIN record lives (functions.devices.pins); never in a device document."""

# What Firestore can hold (https://firebase.google.com/docs/firestore/quotas#limits): a store
# adapter may rely on every id and state value it is given passing these checks.
MAX_ID_BYTES = 1500
"""Firestore's limit on a document id, in UTF-8 bytes."""
MAX_FIELD_NAME_BYTES = 1500
"""Firestore's limit on a field name, in UTF-8 bytes."""
MAX_WRITES = 500
"""The most documents one atomic commit writes."""
MAX_VALUE_DEPTH = 16
"""Nesting allowed inside one state value; Firestore stops at 20 levels of maps and arrays and a
state value already sits two levels down (``states.<key>``)."""
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
"""Firestore integers are 64-bit."""
_RESERVED = re.compile(r"__.*__", re.DOTALL)


def _utf8_bytes(text: str) -> int | None:
    """The UTF-8 length of ``text``, or None when it holds lone surrogates (not Unicode)."""
    try:
        return len(text.encode())
    except UnicodeEncodeError:
        return None


def valid_id(value: object) -> bool:
    """True when Firestore can hold ``value`` as a document id: a non-empty Unicode string of at
    most 1,500 UTF-8 bytes, without ``/``, other than ``.`` and ``..``, and not ``__reserved__``."""
    if not isinstance(value, str) or not value or "/" in value or value in (".", ".."):
        return False
    size = _utf8_bytes(value)
    return size is not None and size <= MAX_ID_BYTES and not _RESERVED.fullmatch(value)


def unstorable(value: Any) -> str | None:
    """Why Firestore cannot hold ``value`` (a state value), or None when it can: only JSON
    values, finite numbers, 64-bit integers, Unicode strings, limited nesting and field names."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, Mapping | list | tuple):
            problem = _scalar_problem(item)
            if problem:
                return problem
            continue
        if depth >= MAX_VALUE_DEPTH:
            return f"nesting deeper than {MAX_VALUE_DEPTH} levels"
        if isinstance(item, Mapping):
            if not all(valid_field_name(key) for key in item):
                return "a map key Firestore cannot hold"
            item = list(item.values())
        stack.extend((child, depth + 1) for child in item)
    return None


def _scalar_problem(item: Any) -> str | None:
    if item is None or isinstance(item, bool):
        return None
    if isinstance(item, int):
        return None if INT64_MIN <= item <= INT64_MAX else "an integer outside 64 bits"
    if isinstance(item, float):
        return None if math.isfinite(item) else "a non-finite number"
    if isinstance(item, str):
        return None if _utf8_bytes(item) is not None else "a string that is not valid Unicode"
    return f"a {type(item).__name__}, not a JSON value"


def valid_field_name(name: object) -> bool:
    """True when Firestore can hold ``name`` as a field name (a map key)."""
    if not isinstance(name, str) or not name:
        return False
    size = _utf8_bytes(name)
    return size is not None and size <= MAX_FIELD_NAME_BYTES and not _RESERVED.fullmatch(name)


@dataclass(frozen=True)
class Snapshot:
    """A token record and some devices of one user, read together."""

    token: Document | None
    devices: dict[str, Document | None]
    """Requested device id -> its document, or None when it does not exist."""
    pin: Document | None = None
    """The user's PIN record (EXECUTE only), or None when the user has none."""


@dataclass
class Changes:
    """What one EXECUTE writes, in one atomic commit guarded like a read-modify-write."""

    states: StatePatches = field(default_factory=dict)
    """Device id -> the state keys to set on that device's ``states`` map."""
    commands: dict[str, dict[str, Document]] = field(default_factory=dict)
    """Device id -> command id -> a new command record, created under the device."""
    pin: dict[str, Any] | None = None
    """Fields to update on the user's PIN record (wrong-PIN count, lock), or None."""

    def writes(self) -> int:
        records = sum(len(records) for records in self.commands.values())
        return len(self.states) + records + (1 if self.pin else 0)


CommandRef = tuple[str, str]
"""(device id, command id) of a command record of one user."""


class Store(Protocol):
    """Persistence of tokens, users and device documents."""

    def read(self, token_hash: str, user_id: str, device_ids: Sequence[str]) -> Snapshot:
        """The token record and the user's listed devices, in one round trip."""
        ...

    def read_account(
        self, token_hash: str, user_id: str
    ) -> tuple[Document | None, Document | None]:
        """The token record and the user's own document (``linked``), in one round trip."""
        ...

    def list_devices(self, user_id: str) -> dict[str, Document]:
        """Every device document of the user, by device id."""
        ...

    def execute(
        self,
        token_hash: str,
        user_id: str,
        device_ids: Sequence[str],
        plan: Callable[[Snapshot], tuple[Changes, T]],
    ) -> T:
        """Atomically read, plan and write device states and command records; ``plan`` may run
        more than once."""
        ...

    def await_outcomes(
        self, user_id: str, commands: Sequence[CommandRef], timeout: float
    ) -> dict[CommandRef, Document]:
        """Wait up to ``timeout`` seconds until every command record has an ``outcome``; the
        records that have one by then."""
        ...

    def mark_pending(
        self, user_id: str, commands: Sequence[CommandRef]
    ) -> dict[CommandRef, Document]:
        """Atomically record that Google was answered PENDING for each command that still has no
        outcome; the records whose outcome arrived meanwhile (answer those instead)."""
        ...

    def set_linked(self, user_id: str, linked: bool) -> None:
        """Record whether the user's account is linked to Google."""
        ...

    def save_token(self, token_hash: str, record: Document) -> None:
        """Store a token record under the token's hash."""
        ...

    def revoke_tokens(self, user_id: str) -> int:
        """Revoke every live token of the user; returns how many were revoked."""
        ...
