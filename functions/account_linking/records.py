"""Account linking's records port (a Protocol) and the rules its adapters apply; the rules are pure.

``authRequests/{id}``: a pending sign-in (client, redirect URI, state, expiry); the id is checked
by the caller (64 hex digits) before it becomes a document path. ``authCodes/{sha256(code)}``: an
authorization code. ``tokens/{sha256(token)}``: access and refresh tokens (the same collection the
fulfillment checks). ``signInFailures/{key}``: attempts per account or per source address in a
fixed window (``key`` is a hash; ``expiresAt``, the window's end, lets a Firestore TTL policy
delete spent counters).

``FirestoreRecords`` and ``MemoryRecords`` implement ``Records``; every change that depends on
what was read is atomic in both, decided by the functions below, and tests/contract holds them to
one suite.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from functions.account_linking.grants import Issued

REQUESTS = "authRequests"
CODES = "authCodes"
FAILURES = "signInFailures"

Record = dict[str, Any]
RefreshCheck = Callable[[Record | None, Record | None], None]
"""Raises unless a refresh token (and its successor, if any) may be used."""


class Stale(Exception):
    """The refresh token changed between two reads; read again."""


class Records(Protocol):
    """Sign-in requests, codes, tokens and failure counters."""

    def open_request(self, request_id: str, data: Record) -> None: ...

    def request(self, request_id: str) -> Record | None: ...

    def claim_request(self, request_id: str, code: tuple[str, Record] | None = None) -> bool:
        """Use a sign-in request up: delete it, only if it still exists, and atomically create
        the code ``(hash, record)`` if one is given. False when a concurrent submission of the
        same page claimed it first (nothing is written then)."""
        ...

    def code(self, code_hash: str) -> Record | None: ...

    def exchange_code(
        self, code_hash: str, check: Callable[[Record | None], None], issued: Issued
    ) -> None:
        """Atomically: check the code, mark it used and store the issued tokens."""
        ...

    def token(self, token_hash: str) -> Record | None: ...

    def rotate_refresh(
        self,
        refresh_hash: str,
        check: RefreshCheck,
        issued: Issued,
        new_refresh_hash: str,
        now: datetime,
    ) -> None:
        """Atomically: check the refresh token (and its successor), mark it used with the new
        successor, supersede an unused older successor, and store the issued tokens."""
        ...

    def revoke_grant(self, grant_id: str) -> int:
        """Revoke every token issued from one grant; how many."""
        ...

    def reserve(self, limits: dict[str, int], now: datetime, window: timedelta) -> bool:
        """Atomically count one attempt against every counter ``key -> limit``, or none when any
        counter already reached its limit in the current window (then False)."""
        ...

    def release(self, keys: list[str], now: datetime, window: timedelta) -> None:
        """Take back one attempt from each counter (it did not fail), in the current window."""
        ...


def counter_window(
    counter: Mapping[str, Any] | None, now: datetime, window: timedelta
) -> tuple[datetime, int]:
    """A counter's window start and count, or a fresh window when the stored one has ended."""
    since = (counter or {}).get("since")
    if not isinstance(since, datetime) or since <= now - window:
        return now, 0
    return since, int((counter or {}).get("count", 0))


def reservation(
    counters: Sequence[Mapping[str, Any] | None],
    limits: Sequence[int],
    now: datetime,
    window: timedelta,
) -> list[Record] | None:
    """The new value of each counter after one more attempt, or None when any is full."""
    current = [counter_window(counter, now, window) for counter in counters]
    if any(count >= limit for (_, count), limit in zip(current, limits, strict=True)):
        return None
    return [
        {"since": since, "count": count + 1, "expiresAt": since + window}
        for since, count in current
    ]


def released(counter: Mapping[str, Any] | None, now: datetime, window: timedelta) -> Record | None:
    """A counter with one attempt taken back, or None when there is nothing to take back."""
    since, count = counter_window(counter, now, window)
    return {"since": since, "count": count - 1} if counter is not None and count > 0 else None


def rotation(
    record: Record | None,
    successor: Record | None,
    expected_successor: str | None,
    *,
    check: RefreshCheck,
    new_refresh_hash: str,
    now: datetime,
) -> tuple[Record, Record | None]:
    """The fields to set on a refresh token being rotated, and on its older successor (None: leave
    it); raises Stale when the token's successor changed since it was first read, or what
    ``check`` raises."""
    if record is not None and record.get("successor") != expected_successor:
        raise Stale
    check(record, successor)
    used: Record = {"used": True, "successor": new_refresh_hash}
    if not (record or {}).get("usedAt"):
        used["usedAt"] = now
    superseded = {"revoked": True, "superseded": True} if successor is not None else None
    return used, superseded
