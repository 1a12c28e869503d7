"""The fulfillment's store on Cloud Firestore (or its emulator, when FIRESTORE_EMULATOR_HOST is
set): the Firestore adapter of ``functions.fulfillment.store.Store``."""

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath

from functions.core import tokens
from functions.core.documents import Document
from functions.core.firestore import get_in_order, read_modify_write, revoke_all
from functions.core.paths import COMMANDS, DEVICES, TOKENS, USERS
from functions.devices.pins import PIN_DOCUMENT
from functions.fulfillment.store import Changes, CommandRef, Snapshot

T = TypeVar("T")
POLL_FIRST_SECONDS, POLL_MAX_SECONDS = 0.02, 0.1
"""How often a confirmed EXECUTE reads its command records while it waits for outcomes."""


class FirestoreStore:
    """Store on Cloud Firestore (or its emulator, when FIRESTORE_EMULATOR_HOST is set)."""

    def __init__(self, client: firestore.Client) -> None:
        self.client = client

    @classmethod
    def connect(cls, project: str, database: str = "(default)") -> "FirestoreStore":
        return cls(firestore.Client(project=project, database=database))

    def user(self, user_id: str) -> firestore.DocumentReference:
        ref: firestore.DocumentReference = self.client.collection(USERS).document(user_id)
        return ref

    def device(self, user_id: str, device_id: str) -> firestore.DocumentReference:
        ref: firestore.DocumentReference = (
            self.user(user_id).collection(DEVICES).document(device_id)
        )
        return ref

    def token(self, token_hash: str) -> firestore.DocumentReference:
        return self.client.collection(TOKENS).document(token_hash)

    def read(self, token_hash: str, user_id: str, device_ids: Sequence[str]) -> Snapshot:
        refs = [self.token(token_hash), *(self.device(user_id, i) for i in device_ids)]
        return _snapshot(get_in_order(self.client, refs), device_ids)

    def read_account(
        self, token_hash: str, user_id: str
    ) -> tuple[Document | None, Document | None]:
        token, user = get_in_order(self.client, [self.token(token_hash), self.user(user_id)])
        return (token.to_dict() if token.exists else None), (
            user.to_dict() if user.exists else None
        )

    def list_devices(self, user_id: str) -> dict[str, Document]:
        devices = self.user(user_id).collection(DEVICES)
        return {snap.id: snap.to_dict() or {} for snap in devices.stream()}

    def command(self, user_id: str, device_id: str, command_id: str) -> firestore.DocumentReference:
        ref: firestore.DocumentReference = (
            self.device(user_id, device_id).collection(COMMANDS).document(command_id)
        )
        return ref

    def execute(
        self,
        token_hash: str,
        user_id: str,
        device_ids: Sequence[str],
        plan: Callable[[Snapshot], tuple[Changes, T]],
    ) -> T:
        """Read the token and devices, plan, and commit the state patches and the new command
        records atomically, only if no planned device changed since the read (else read and plan
        again): one read and one commit, as before command records existed. The user's PIN
        record is read in the same round trip."""
        pin = self.client.document(PIN_DOCUMENT.format(user=user_id))
        refs = [self.token(token_hash), *(self.device(user_id, i) for i in device_ids), pin]

        def decide(snaps: list[Any]) -> tuple[dict[str, dict[str, Any]], T]:
            snapshot = _snapshot(snaps[:-1], device_ids)
            snapshot = Snapshot(snapshot.token, snapshot.devices, snaps[-1].to_dict())
            changes, result = plan(snapshot)
            writes = {
                self.device(user_id, device_id).path: {
                    FieldPath("states", key).to_api_repr(): value for key, value in patch.items()
                }
                for device_id, patch in changes.states.items()
            }
            for device_id, records in changes.commands.items():
                for command_id, record in records.items():
                    writes[self.command(user_id, device_id, command_id).path] = dict(record)
            if changes.pin:
                writes[pin.path] = dict(changes.pin)
            return writes, result

        return read_modify_write(self.client, refs, decide)

    def await_outcomes(
        self, user_id: str, commands: Sequence[CommandRef], timeout: float
    ) -> dict[CommandRef, Document]:
        """Read the records in one batch, again and again (every 20 ms, backing off to 100 ms),
        until all have an outcome or ``timeout`` passes. A listener attached per request costs
        a stream set-up and, on the emulator, misses a write made before its first snapshot."""
        refs = {key: self.command(user_id, *key) for key in commands}
        answered: dict[CommandRef, Document] = {}
        deadline = time.monotonic() + timeout
        pause = POLL_FIRST_SECONDS
        while True:
            waiting = [key for key in refs if key not in answered]
            for snap in self.client.get_all([refs[key] for key in waiting]):
                record = snap.to_dict() or {}
                if record.get("outcome") is not None:
                    answered[_key_of(snap.reference.path)] = record
            left = deadline - time.monotonic()
            if len(answered) == len(refs) or left <= 0:
                return answered
            time.sleep(min(pause, left))
            pause = min(pause * 1.5, POLL_MAX_SECONDS)

    def mark_pending(
        self, user_id: str, commands: Sequence[CommandRef]
    ) -> dict[CommandRef, Document]:
        refs = [self.command(user_id, *key) for key in commands]

        def decide(
            snaps: list[Any],
        ) -> tuple[dict[str, dict[str, Any]], dict[CommandRef, Document]]:
            writes, answered = {}, {}
            for key, snap in zip(commands, snaps, strict=True):
                record = snap.to_dict() or {}
                if record.get("outcome") is not None:
                    answered[key] = record
                elif snap.exists:
                    writes[snap.reference.path] = {"answer": "PENDING"}
            return writes, answered

        return read_modify_write(self.client, refs, decide)

    def set_linked(self, user_id: str, linked: bool) -> None:
        """Record the link state; ``linkedAt`` marks when an unlinked user became linked."""

        def decide(snaps: list[Any]) -> tuple[dict[str, dict[str, Any]], None]:
            if (snaps[0].to_dict() or {}).get("linked") == linked:
                return {}, None
            changed_at = "linkedAt" if linked else "unlinkedAt"
            return {
                snaps[0].reference.path: {"linked": linked, changed_at: firestore.SERVER_TIMESTAMP}
            }, None

        read_modify_write(self.client, [self.user(user_id)], decide)

    def set_pin(self, user_id: str, record: Document) -> None:
        """Set (or replace) the user's PIN record (functions.devices.pins.pin_record)."""
        self.client.document(PIN_DOCUMENT.format(user=user_id)).set(dict(record))

    def pin(self, user_id: str) -> Document | None:
        return self.client.document(PIN_DOCUMENT.format(user=user_id)).get().to_dict()

    def is_linked(self, user_id: str) -> bool:
        """True when the user's account is linked to Google (SYNC seen, no DISCONNECT since)."""
        return (self.user(user_id).get().to_dict() or {}).get("linked") is True

    def save_token(self, token_hash: str, record: Document) -> None:
        self.token(token_hash).create(dict(record))

    def revoke_tokens(self, user_id: str) -> int:
        return revoke_all(self.client, self._live(user_id))

    def revoke_grant(self, user_id: str, grant_id: str | None) -> int:
        """Equality filters only (Firestore merges its single-field indexes); a token of no
        grant has no grantId field, which no filter can select, so those are picked here."""
        if grant_id is not None:
            live = self._live(user_id).where(
                filter=firestore.FieldFilter("grantId", "==", grant_id)
            )
            return revoke_all(self.client, live)
        return revoke_all(self.client, _Matching(self._live(user_id), "grantId", None))

    def refresh_tokens(self, user_id: str) -> list[Document]:
        unused = (
            self._live(user_id)
            .where(filter=firestore.FieldFilter("kind", "==", tokens.REFRESH))
            .where(filter=firestore.FieldFilter("used", "==", False))
        )
        return [snap.to_dict() or {} for snap in unused.stream()]

    def _live(self, user_id: str) -> Any:
        return (
            self.client.collection(TOKENS)
            .where(filter=firestore.FieldFilter("userId", "==", user_id))
            .where(filter=firestore.FieldFilter("revoked", "==", False))
        )


class _Matching:
    """A query's results whose ``field`` is ``value`` (missing counts as None): what
    ``revoke_all`` streams."""

    def __init__(self, query: Any, field: str, value: Any) -> None:
        self.query, self.field, self.value = query, field, value

    def stream(self) -> Any:
        return (s for s in self.query.stream() if (s.to_dict() or {}).get(self.field) == self.value)


def _key_of(path: str) -> CommandRef:
    """(device id, command id) of a command record's path."""
    parts = path.split("/")
    return parts[-3], parts[-1]


def _snapshot(snaps: list[Any], device_ids: Sequence[str]) -> Snapshot:
    """A Snapshot from the token's and the devices' document snapshots, in that order."""
    token, devices = snaps[0], snaps[1:]
    return Snapshot(
        token=token.to_dict() if token.exists else None,
        devices={
            i: s.to_dict() if s.exists else None for i, s in zip(device_ids, devices, strict=True)
        },
    )
