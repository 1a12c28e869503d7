"""What the local Home Graph received and did, in order: the records behind ``GET /local/records``.

Each record has a ``seq`` (1, 2, 3, ... for the server's lifetime), an ``at`` timestamp (UTC,
RFC 3339 with milliseconds), a ``kind`` and the ``agentUserId`` it concerns. A reader asks for the
records after a cursor (``since``) and gets the next cursor back, so it never misses one and never
reads one twice; the oldest records are dropped past ``limit``, and a reader whose cursor is older
than what is kept is told how many it ``missed``. docs/local-google-home.md lists the kinds.
"""

import threading
from collections import deque
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

KINDS = (
    "requestSync",  # a devices:requestSync call, with the HTTP status answered
    "reportState",  # a devices:reportStateAndNotification call, with the HTTP status answered
    "notification",  # a proactive notification Home Graph accepted (a doorbell press)
    "followUp",  # a follow-up response Home Graph accepted (the outcome of a PENDING command)
    "sync",  # Google's SYNC intent to the fulfillment, and what it answered
    "query",  # Google's QUERY intent after a SYNC, for devices whose states it does not hold
    "deleteUser",  # an agentUsers.delete call
    "error",  # what Google's console would show: a failed SYNC, a rejected report
)
MAX_WAIT_SECONDS = 30.0
MAX_LIMIT = 1000
PARAMETERS = frozenset({"since", "agentUserId", "kind", "limit", "wait"})
N = TypeVar("N", int, float)


def timestamp(now: datetime | None = None) -> str:
    """``2026-12-01T10:00:00.123Z``."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class BadRead(ValueError):
    """A read of the records that is refused; the message says why."""


class CursorAhead(BadRead):
    """A cursor past the latest record: the reader's server restarted (start again from 0)."""


class Journal:
    """An append-only list of records, bounded by ``limit``; thread-safe; readers may wait."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._records: deque[dict[str, Any]] = deque()
        self._latest = 0
        self._closed = False
        self._changed = threading.Condition()
        self.waiting = 0
        """Readers waiting for a record now."""

    def add(self, kind: str, agent_user_id: str | None, **fields: Any) -> dict[str, Any]:
        """Append one record (``kind`` is one of KINDS) and wake the readers."""
        assert kind in KINDS, kind
        with self._changed:
            self._latest += 1
            record = {
                "seq": self._latest,
                "at": timestamp(),
                "kind": kind,
                "agentUserId": agent_user_id,
                **fields,
            }
            self._records.append(record)
            while len(self._records) > self.limit:
                self._records.popleft()
            self._changed.notify_all()
            return record

    def clear(self) -> None:
        """Forget every record; the sequence goes on (cursors handed out stay valid)."""
        with self._changed:
            self._records.clear()

    def open(self) -> None:
        """Let readers wait again (the server started)."""
        with self._changed:
            self._closed = False

    def close(self) -> None:
        """Wake every waiting reader now (the server is stopping)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def read(
        self,
        since: int,
        *,
        agent_user_id: str | None = None,
        kinds: Iterable[str] | None = None,
        limit: int = 500,
        wait: float = 0.0,
    ) -> dict[str, Any]:
        """The records after ``since`` (of one user, of some kinds), at most ``limit``, waiting up
        to ``wait`` seconds for one to come: ``{"records", "cursor", "latest", "missed"}``.

        ``cursor`` is the ``since`` of the next read (past every record looked at, kept or
        filtered out); ``missed`` counts records after ``since`` already dropped."""
        wanted = frozenset(kinds) if kinds is not None else None
        with self._changed:
            if since > self._latest:
                raise CursorAhead(
                    f"since={since} is past the latest record ({self._latest}): the local Home "
                    "Graph restarted; read again from since=0"
                )
            self.waiting += 1
            try:
                self._changed.wait_for(
                    lambda: self._closed or bool(self._select(since, agent_user_id, wanted, 1)[0]),
                    timeout=min(max(wait, 0.0), MAX_WAIT_SECONDS),
                )
            finally:
                self.waiting -= 1
            found, cursor = self._select(since, agent_user_id, wanted, limit)
            oldest = self._records[0]["seq"] if self._records else self._latest + 1
            return {
                "records": found,
                "cursor": cursor,
                "latest": self._latest,
                "missed": max(0, oldest - since - 1),
            }

    def _select(
        self, since: int, agent_user_id: str | None, kinds: frozenset[str] | None, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        found: list[dict[str, Any]] = []
        cursor = max(since, self._records[0]["seq"] - 1) if self._records else self._latest
        for record in self._records:
            if record["seq"] <= since:
                continue
            if len(found) == limit:
                break
            cursor = record["seq"]
            if agent_user_id is not None and record["agentUserId"] != agent_user_id:
                continue
            if kinds is not None and record["kind"] not in kinds:
                continue
            found.append(record)
        return found, cursor


def read_query(journal: Journal, query: Mapping[str, list[str]]) -> dict[str, Any]:
    """``journal.read`` for the parameters of ``GET /local/records?since=&agentUserId=&kind=
    &limit=&wait=`` (parsed, each a list); raises BadRead naming what is wrong."""
    unknown = set(query) - PARAMETERS
    if unknown:
        raise BadRead(f"unknown parameter {min(unknown)!r}")
    repeated = sorted(name for name, values in query.items() if len(values) != 1)
    if repeated:
        raise BadRead(f"parameter {repeated[0]!r} given more than once")
    one = {name: values[0] for name, values in query.items()}
    kinds = one["kind"].split(",") if "kind" in one else None
    if kinds is not None and not set(kinds) <= set(KINDS):
        raise BadRead(f"kind must be among {', '.join(KINDS)}")
    return journal.read(
        _number(one, "since", int, low=0, high=None, default=0),
        agent_user_id=one.get("agentUserId"),
        kinds=kinds,
        limit=_number(one, "limit", int, low=1, high=MAX_LIMIT, default=500),
        wait=_number(one, "wait", float, low=0, high=MAX_WAIT_SECONDS, default=0.0),
    )


def _number(
    query: Mapping[str, str],
    name: str,
    kind: type[N],
    *,
    low: float,
    high: float | None,
    default: N,
) -> N:
    """A parameter as a number within [low, high], or BadRead naming it."""
    if name not in query:
        return default
    try:
        value = kind(query[name])
    except ValueError:
        raise BadRead(f"{name} must be a number") from None
    if not (low <= value and (high is None or value <= high)):  # also refuses NaN
        raise BadRead(f"{name} must be from {low:g}" + (f" to {high:g}" if high else ""))
    return value
