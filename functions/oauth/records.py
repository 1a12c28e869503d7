"""Account linking's Firestore records: sign-in requests, codes, tokens, failure counters.

``authRequests/{id}``: a pending sign-in (client, redirect URI, state, expiry).
``authCodes/{sha256(code)}``: an authorization code. ``tokens/{sha256(token)}``: access and
refresh tokens (the same collection the fulfillment checks). ``signInFailures/{key}``: failed
attempts per user and per client in a fixed window. Every change that depends on what was read
is one optimistic transaction (``store.read_modify_write``).
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from google.cloud import firestore

from functions.core.store import TOKENS, read_modify_write, revoke_all
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

    def close_request(self, request_id: str) -> None:
        self._doc(REQUESTS, request_id).delete()

    def save_code(self, code_hash: str, record: dict[str, Any]) -> None:
        self._doc(CODES, code_hash).create(record)

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
    ) -> None:
        """Atomically: check the refresh token (and its successor), mark it used with the new
        successor, revoke an unused older successor, and store the issued tokens."""
        for _ in range(STALE_ATTEMPTS):
            try:
                self._rotate(refresh_hash, check, issued, new_refresh_hash)
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
            writes = {snaps[0].reference.path: {"used": True, "successor": new_refresh_hash}}
            if old_successor:
                writes[snaps[1].reference.path] = {"revoked": True}
            writes.update({self._doc(TOKENS, h).path: r for h, r in issued.records.items()})
            return writes, None

        read_modify_write(self.client, refs, decide)

    def revoke_grant(self, grant_id: str) -> int:
        """Revoke every token issued from one grant (a replayed code or refresh token)."""
        live = self.client.collection(TOKENS).where(
            filter=firestore.FieldFilter("grantId", "==", grant_id)
        )
        return revoke_all(self.client, live)

    def failures(self, key: str, now: datetime, window: timedelta) -> int:
        data = self._doc(FAILURES, key).get().to_dict() or {}
        return int(data.get("count", 0)) if data.get("since", now) > now - window else 0

    def add_failure(self, key: str, now: datetime, window: timedelta) -> None:
        """Count one failed attempt in the current window (a new window when the last ended)."""

        def decide(snaps: list[Any]) -> tuple[dict[str, dict[str, Any]], None]:
            data = snaps[0].to_dict() or {}
            if data.get("since", now - window) > now - window:
                update = {"since": data["since"], "count": int(data.get("count", 0)) + 1}
            else:
                update = {"since": now, "count": 1}
            return {snaps[0].reference.path: update}, None

        read_modify_write(self.client, [self._doc(FAILURES, key)], decide)


def _data(snap: Any) -> dict[str, Any] | None:
    return dict(snap.to_dict()) if snap.exists else None
