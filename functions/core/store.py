"""The Firestore adapter of ``Store``: the only module that imports google.cloud.firestore.

Layout: ``users/{agentUserId}`` (linked flag), ``users/{agentUserId}/devices/{deviceId}``
(device documents, written by device backends), ``tokens/{sha256(token)}`` (token records).
"""

import contextlib
import random
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.bulk_batch import BulkWriteBatch
from google.cloud.firestore_v1.field_path import FieldPath

from functions.core.repository import PIN_DOCUMENT, Changes, CommandRef, Document, Snapshot

T = TypeVar("T")
USERS = "users"
DEVICES = "devices"
COMMANDS = "commands"
TOKENS = "tokens"
COMMIT_SECONDS = 10.0
"""How long a read-modify-write keeps trying under contention before it gives up (the caller
answers transientError)."""
BACKOFF_CAP_SECONDS = 0.5
_STRIPES = [threading.Lock() for _ in range(256)]
"""Read-modify-writes in one process that touch the same documents take turns (a lock per
stripe of document paths, taken in order) instead of failing each other's guarded commits: a
wasted attempt costs a read and a commit. Across processes the update-time guards still decide."""


@contextlib.contextmanager
def _turn(refs: Sequence[firestore.DocumentReference]) -> Iterator[None]:
    stripes = sorted({zlib.crc32(ref.path.encode()) % len(_STRIPES) for ref in refs})
    with contextlib.ExitStack() as held:
        for stripe in stripes:
            held.enter_context(_STRIPES[stripe])
        yield


POLL_FIRST_SECONDS, POLL_MAX_SECONDS = 0.02, 0.1
"""How often a confirmed EXECUTE reads its command records while it waits for outcomes."""
BATCH_LIMIT = 500


class ConflictError(RuntimeError):
    """Concurrent writers kept changing the documents a read-modify-write planned to change."""


Writes = dict[str, dict[str, Any]]
"""Document path -> the fields to set (update semantics; a missing document is created, and so is
a document outside the ones read)."""


def get_in_order(
    client: firestore.Client, refs: Sequence[firestore.DocumentReference]
) -> list[Any]:
    """The documents' snapshots in one round trip, in the order of ``refs`` (Firestore answers
    in any order)."""
    found = {snap.reference.path: snap for snap in client.get_all(list(refs))}
    return [found[ref.path] for ref in refs]


def read_modify_write(
    client: firestore.Client,
    refs: Sequence[firestore.DocumentReference],
    decide: Callable[[list[Any]], tuple[Writes, T]],
    *,
    also_read: Sequence[firestore.DocumentReference] = (),
) -> T:
    """An optimistic transaction: read ``refs`` in one round trip, ``decide`` the writes, and
    commit them atomically only if none of the documents changed since the read (update-time
    preconditions; creation only if still absent). A write to a document that was not read
    creates it (it must not exist). On a conflict: read and decide again. ``also_read``
    documents are read in the same round trip (their snapshots follow those of ``refs``) but
    neither written nor guarded: a decision may depend on them without waiting for their
    writers.

    Firestore's locking transactions deadlock when read-modify-writes of one document overlap
    (each holds the read lock the other's commit waits for) and then time out; preconditions
    give the same guarantee without locks, and a decision to write nothing costs no commit.
    """
    with _turn(refs):
        return _read_modify_write(client, [*refs, *also_read], decide)


def write_unless_changed(
    client: firestore.Client, writes: Sequence[tuple[Any, dict[str, Any]]]
) -> None:
    """Update each (snapshot, fields) pair's document unless it changed since that snapshot
    was read, in one round trip and independently of each other (a non-atomic batch write): a
    document that changed meanwhile keeps its newer content."""
    if not writes:
        return
    batch = BulkWriteBatch(client)
    for snap, fields in writes:
        unchanged = client.write_option(last_update_time=snap.update_time)
        batch.update(snap.reference, fields, option=unchanged)
    batch.commit()


def _read_modify_write(
    client: firestore.Client,
    refs: Sequence[firestore.DocumentReference],
    decide: Callable[[list[Any]], tuple[Writes, T]],
) -> T:
    deadline = time.monotonic() + COMMIT_SECONDS
    attempt = 0
    while True:
        snaps = get_in_order(client, refs)
        writes, result = decide(snaps)
        if not writes:
            return result
        batch = client.batch()
        for snap in snaps:
            fields = writes.get(snap.reference.path)
            if fields is None:
                continue
            if snap.exists:
                unchanged = client.write_option(last_update_time=snap.update_time)
                batch.update(snap.reference, fields, option=unchanged)
            else:
                batch.create(snap.reference, fields)
        read = {snap.reference.path for snap in snaps}
        for path, fields in writes.items():
            if path not in read:
                batch.create(client.document(path), fields)
        try:
            batch.commit()
            return result
        except (
            exceptions.FailedPrecondition,
            exceptions.Aborted,
            exceptions.NotFound,
            exceptions.AlreadyExists,
            exceptions.Conflict,
        ):
            attempt += 1
            if time.monotonic() > deadline:
                raise ConflictError(
                    f"documents kept changing during {attempt} attempts in {COMMIT_SECONDS} s"
                ) from None
            time.sleep(random.uniform(0, min(BACKOFF_CAP_SECONDS, 0.005 * 2**attempt)))


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
        live = (
            self.client.collection(TOKENS)
            .where(filter=firestore.FieldFilter("userId", "==", user_id))
            .where(filter=firestore.FieldFilter("revoked", "==", False))
        )
        return revoke_all(self.client, live)


def revoke_all(client: firestore.Client, tokens: Any) -> int:
    """Mark every token record the query finds revoked, in batches; returns how many."""
    revoked = 0
    batch = client.batch()
    for snap in tokens.stream():
        batch.update(snap.reference, {"revoked": True, "revokedAt": firestore.SERVER_TIMESTAMP})
        revoked += 1
        if revoked % BATCH_LIMIT == 0:
            batch.commit()
            batch = client.batch()
    batch.commit()
    return revoked


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
