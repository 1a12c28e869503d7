"""The fulfillment's store port (a Protocol): what the intents need from persistence, nothing more.

``functions.fulfillment.firestore_store.FirestoreStore`` is the real adapter;
``functions.fulfillment.memory_store.MemoryStore`` the in-memory one. Both implement exactly this,
and tests/contract runs one suite over both.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from functions.core.documents import Document

T = TypeVar("T")
StatePatches = dict[str, dict[str, Any]]
"""Device id -> the state keys to set on that device's ``states`` map."""


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

    def revoke_grant(self, user_id: str, grant_id: str | None) -> int:
        """Revoke every live token of one of the user's grants (one linking of one Google
        user), or, for None, every live token of the user that belongs to no grant (issued
        directly, as ``make token`` does); returns how many were revoked."""
        ...

    def refresh_tokens(self, user_id: str) -> list[Document]:
        """The records of the user's unused, unrevoked refresh tokens (one per live grant, and
        expired ones until their deletion): what ``tokens.grants_left`` counts."""
        ...
