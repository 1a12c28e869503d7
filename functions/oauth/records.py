"""Account linking's Firestore records: sign-in requests, codes, tokens, failure counters.

``authRequests/{id}``: a pending sign-in (client, redirect URI, state, expiry); the id is
checked by the caller (64 hex digits) before it becomes a document path.
``authCodes/{sha256(code)}``: an authorization code. ``tokens/{sha256(token)}``: access and
refresh tokens (the same collection the fulfillment checks). ``signInFailures/{key}``: attempts
per account or per source address in a fixed window (``key`` is a hash; ``expiresAt``, the
window's end, lets a Firestore TTL policy delete spent counters). Every change that
depends on what was read is atomic: an optimistic transaction (``store.read_modify_write``) or
a write with a precondition.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore

from functions.core.store import TOKENS, ConflictError, read_modify_write, revoke_all
from functions.oauth.grants import Issued

REQUESTS = "authRequests"
CODES = "authCodes"
FAILURES = "signInFailures"
STALE_ATTEMPTS = 5


RefreshCheck = Callable[[dict[str, Any] | None, dict[str, Any] | None], None]
"""Raises unless a refresh token (and its successor, if any) may be used."""


class Stale(Exception):
    """The refresh token changed between two reads; read again."""


class OAuthRecords:
    """The Firestore adapter of account linking."""

    def __init__(self, client: firestore.Client) -> None:
        self.client = client

    def _doc(self, collection: str, key: str) -> Any:
        return self.client.collection(collection).document(key)

    def open_request(self, request_id: str, data: dict[str, Any]) -> None:
        self._doc(REQUESTS, request_id).create(data)

    def request(self, request_id: str) -> dict[str, Any] | None:
        return _data(self._doc(REQUESTS, request_id).get())

    def claim_request(
        self, request_id: str, code: tuple[str, dict[str, Any]] | None = None
    ) -> bool:
        """Use a sign-in request up: delete it, only if it still exists, and in the same atomic
        commit create the code ``(hash, record)`` if one is given. False when a concurrent
        submission of the same page claimed it first (nothing is written then)."""
        batch = self.client.batch()
        batch.delete(self._doc(REQUESTS, request_id), option=self.client.write_option(exists=True))
        if code is not None:
            batch.create(self._doc(CODES, code[0]), code[1])
        try:
            batch.commit()
        except (exceptions.NotFound, exceptions.FailedPrecondition):
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
            if record is not None and record.get("successor") != old_successor:
                raise Stale
            successor = snaps[1].to_dict() if old_successor and snaps[1].exists else None
            check(record, successor)
            used: dict[str, Any] = {"used": True, "successor": new_refresh_hash}
            if not (record or {}).get("usedAt"):
                used["usedAt"] = now
            writes = {snaps[0].reference.path: used}
            if old_successor and snaps[1].exists:
                writes[snaps[1].reference.path] = {"revoked": True, "superseded": True}
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
            current = [_window(snap, now, window) for snap in snaps]
            if any(
                count >= limit for (_, count), limit in zip(current, limits.values(), strict=True)
            ):
                return {}, False
            return {
                snap.reference.path: {
                    "since": since,
                    "count": count + 1,
                    "expiresAt": since + window,
                }
                for snap, (since, count) in zip(snaps, current, strict=True)
            }, True

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
                since, count = _window(snap, now, window)
                if snap.exists and count > 0:
                    writes[snap.reference.path] = {"since": since, "count": count - 1}
            return writes, None

        read_modify_write(self.client, refs, decide)


def _window(snap: Any, now: datetime, window: timedelta) -> tuple[datetime, int]:
    """A counter's window start and count, or a fresh window when the stored one has ended."""
    data = snap.to_dict() if snap.exists else None
    since = (data or {}).get("since")
    if not isinstance(since, datetime) or since <= now - window:
        return now, 0
    return since, int(data.get("count", 0)) if data else 0


def _data(snap: Any) -> dict[str, Any] | None:
    return dict(snap.to_dict()) if snap.exists else None
