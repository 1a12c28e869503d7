"""The Firestore transaction engine every adapter uses.

Only this module and the ``firestore_*`` adapters import google.cloud.firestore; the layout of
the shared collections is in ``functions.core.paths``.
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

T = TypeVar("T")
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
