"""Account linking's records port (a Protocol) and the rules its adapters apply; the rules are pure.

``authRequests/{id}``: a sign-in page that yielded its code (the page itself carries the pending
request, functions/account_linking/pending.py); the id is checked by the caller (64 hex digits)
before it becomes a document path. ``authCodes/{sha256(code)}``: an authorization code.
``tokens/{sha256(token)}``: access and refresh tokens (the same collection the fulfillment
checks). ``signInFailures/{key}``: the times of the attempts per account or per source address
within a sliding window (``key`` is a hash; ``expiresAt``, when the last attempt leaves the
window, lets a Firestore TTL policy delete spent counters).

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
    """Used sign-in pages, codes, tokens and failure counters."""

    def issue_code(
        self, code_hash: str, record: Record, page: tuple[str, datetime] | None = None
    ) -> bool:
        """Create an authorization code under its hash. With ``page`` (a sign-in page's id and
        expiry), atomically also mark that page used, only if it was not: False when the page
        already yielded a code (a concurrent or repeated submission), and nothing is written."""
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
        counter already holds its limit within the window that ends now (then False)."""
        ...

    def release(self, keys: list[str], now: datetime, window: timedelta) -> None:
        """Take back each counter's attempt made at ``now`` (it did not fail)."""
        ...


def attempts(counter: Mapping[str, Any] | None, now: datetime, window: timedelta) -> list[datetime]:
    """The attempts a counter holds within the window that ends now, oldest first. A counter of
    the earlier fixed-window form (``since``, ``count``) counts all its attempts at ``since``."""
    counter = counter or {}
    stored = counter.get("attempts")
    if isinstance(stored, list):
        times = [when for when in stored if isinstance(when, datetime)]
    elif isinstance(counter.get("since"), datetime) and isinstance(counter.get("count"), int):
        times = [counter["since"]] * max(0, counter["count"])
    else:
        times = []
    return sorted(when for when in times if when > now - window)


def reservation(
    counters: Sequence[Mapping[str, Any] | None],
    limits: Sequence[int],
    now: datetime,
    window: timedelta,
) -> list[Record] | None:
    """The new value of each counter after one more attempt now, or None when any is full. A
    sliding window: never more than the limit within any span of ``window``, however the
    attempts fall (a fixed window let twice the limit through across its end). A counter keeps
    at most ``limit`` times, so it stays small."""
    current = [attempts(counter, now, window) for counter in counters]
    if any(len(times) >= limit for times, limit in zip(current, limits, strict=True)):
        return None
    return [{"attempts": [*times, now], "expiresAt": now + window} for times in current]


def released(counter: Mapping[str, Any] | None, now: datetime, window: timedelta) -> Record | None:
    """A counter with the attempt made at ``now`` taken back (the latest one, if none was made
    at ``now``), or None when there is nothing to take back."""
    times = attempts(counter, now, window)
    if counter is None or not times:
        return None
    times.remove(now if now in times else times[-1])
    return {"attempts": times, "expiresAt": (times[-1] if times else now) + window}


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
