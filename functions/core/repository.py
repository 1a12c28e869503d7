"""The store's interface (a Protocol): what the intents need from persistence, nothing more.

``functions.core.store.FirestoreStore`` is the real adapter; ``tests.unit.fakes.MemoryStore`` is the
in-memory one for unit tests. Both implement exactly this.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

Document = Mapping[str, Any]
StatePatches = dict[str, dict[str, Any]]
"""Device id -> the state keys to set on that device's ``states`` map."""

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot:
    """A token record and some devices of one user, read together."""

    token: Document | None
    devices: dict[str, Document | None]
    """Requested device id -> its document, or None when it does not exist."""


class Store(Protocol):
    """Persistence of tokens, users and device documents."""

    def read(self, token_hash: str, user_id: str, device_ids: Sequence[str]) -> Snapshot:
        """The token record and the user's listed devices, in one round trip."""
        ...

    def list_devices(self, user_id: str) -> dict[str, Document]:
        """Every device document of the user, by device id."""
        ...

    def update_states(
        self,
        token_hash: str,
        user_id: str,
        device_ids: Sequence[str],
        plan: Callable[[Snapshot], tuple[StatePatches, T]],
    ) -> T:
        """Atomically read, plan and write device states; ``plan`` may run more than once."""
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
