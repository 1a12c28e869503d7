"""Account linking's records on Cloud Firestore: the Firestore adapter of
``functions.account_linking.records.Records``. Every change that depends on what was read is an
optimistic transaction (``read_modify_write``) or a write with a precondition."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore

from functions.account_linking.grants import Issued
from functions.account_linking.records import (
    CODES,
    FAILURES,
    REQUESTS,
    RefreshCheck,
    Stale,
    released,
    reservation,
    rotation,
)
from functions.core.firestore import ConflictError, read_modify_write, revoke_all
from functions.core.paths import TOKENS

STALE_ATTEMPTS = 5


class FirestoreRecords:
    def __init__(self, client: firestore.Client) -> None:
        self.client = client

    def _doc(self, collection: str, key: str) -> Any:
        return self.client.collection(collection).document(key)

    def issue_code(
        self, code_hash: str, record: dict[str, Any], page: tuple[str, datetime] | None = None
    ) -> bool:
        """One commit of creations: the page's marker (if any) and the code; a marker that
        exists fails the whole commit."""
        batch = self.client.batch()
        if page is not None:
            batch.create(self._doc(REQUESTS, page[0]), {"used": True, "expiresAt": page[1]})
        batch.create(self._doc(CODES, code_hash), record)
        try:
            batch.commit()
        except (exceptions.AlreadyExists, exceptions.Conflict):
            return False
        return True

    def exchange_code(
        self, code_hash: str, check: Callable[[dict[str, Any] | None], None], issued: Issued
    ) -> None:
        """Atomically: check the code, mark it used and store the issued tokens."""
        refs = [self._doc(CODES, code_hash), *(self._doc(TOKENS, h) for h in issued.records)]

        def decide(snaps: list[Any]) -> tuple[dict[str, dict[str, Any]], None]:
            check(snaps[0].to_dict() if snaps[0].exists else None)
            writes = {snaps[0].reference.path: {"used": True}}
            writes.update({self._doc(TOKENS, h).path: r for h, r in issued.records.items()})
            return writes, None

        read_modify_write(self.client, refs, decide)

    def code(self, code_hash: str) -> dict[str, Any] | None:
        return _data(self._doc(CODES, code_hash).get())

    def token(self, token_hash: str) -> dict[str, Any] | None:
        return _data(self._doc(TOKENS, token_hash).get())

    def rotate_refresh(
        self,
        refresh_hash: str,
        check: RefreshCheck,
        issued: Issued,
        new_refresh_hash: str,
        now: datetime,
    ) -> None:
        """Atomically: check the refresh token (and its successor), mark it used (when first
        used: ``usedAt``) with the new successor, mark an unused older successor revoked and
        ``superseded`` (presenting it later is a replay), and store the issued tokens."""
        for _ in range(STALE_ATTEMPTS):
            try:
                self._rotate(refresh_hash, check, issued, new_refresh_hash, now)
                return
            except Stale:
                continue
        raise Stale("refresh token kept changing")

    def _rotate(
        self,
        refresh_hash: str,
        check: RefreshCheck,
        issued: Issued,
        new_refresh_hash: str,
        now: datetime,
    ) -> None:
        current = self.token(refresh_hash) or {}
        old_successor = current.get("successor")
        refs = [self._doc(TOKENS, refresh_hash)]
        if old_successor:
            refs.append(self._doc(TOKENS, old_successor))
        refs += [self._doc(TOKENS, h) for h in issued.records]

        def decide(snaps: list[Any]) -> tuple[dict[str, dict[str, Any]], None]:
            record = snaps[0].to_dict() if snaps[0].exists else None
            successor = snaps[1].to_dict() if old_successor and snaps[1].exists else None
            used, superseded = rotation(
                record,
                successor,
                old_successor,
                check=check,
                new_refresh_hash=new_refresh_hash,
                now=now,
            )
            writes = {snaps[0].reference.path: used}
            if superseded is not None:
                writes[snaps[1].reference.path] = superseded
            writes.update({self._doc(TOKENS, h).path: r for h, r in issued.records.items()})
            return writes, None

        read_modify_write(self.client, refs, decide)

    def revoke_grant(self, grant_id: str) -> int:
        """Revoke every token issued from one grant (a replayed code or refresh token)."""
        live = self.client.collection(TOKENS).where(
            filter=firestore.FieldFilter("grantId", "==", grant_id)
        )
        return revoke_all(self.client, live)

    def reserve(self, limits: dict[str, int], now: datetime, window: timedelta) -> bool:
        """Atomically count one attempt against every counter ``key -> limit``, or none when
        any counter already reached its limit in the current window (then False). Also False when
        concurrent attempts on one counter kept colliding (only heavy use of one account or one
        address does that)."""
        refs = [self._doc(FAILURES, key) for key in limits]

        def decide(snaps: list[Any]) -> tuple[dict[str, dict[str, Any]], bool]:
            counters = [snap.to_dict() if snap.exists else None for snap in snaps]
            counted = reservation(counters, list(limits.values()), now, window)
            if counted is None:
                return {}, False
            return {snap.reference.path: c for snap, c in zip(snaps, counted, strict=True)}, True

        try:
            return read_modify_write(self.client, refs, decide)
        except ConflictError:
            return False  # the counter is too busy: refuse, as for a full one

    def release(self, keys: list[str], now: datetime, window: timedelta) -> None:
        """Take back one attempt from each counter (it did not fail), in the current window."""
        refs = [self._doc(FAILURES, key) for key in keys]

        def decide(snaps: list[Any]) -> tuple[dict[str, dict[str, Any]], None]:
            writes = {}
            for snap in snaps:
                fields = released(snap.to_dict() if snap.exists else None, now, window)
                if fields is not None:
                    writes[snap.reference.path] = fields
            return writes, None

        read_modify_write(self.client, refs, decide)


def _data(snap: Any) -> dict[str, Any] | None:
    return dict(snap.to_dict()) if snap.exists else None
