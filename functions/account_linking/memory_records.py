"""Account linking's records in memory: the same interface and rules as FirestoreRecords, for
unit tests; tests/contract holds both to one suite. One lock makes every change atomic."""

import copy
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from functions.account_linking.grants import Issued
from functions.account_linking.records import (
    Record,
    RefreshCheck,
    released,
    reservation,
    rotation,
)


class MemoryRecords:
    def __init__(self) -> None:
        self.pages: dict[str, Record] = {}
        self.codes: dict[str, Record] = {}
        self.tokens: dict[str, Record] = {}
        self.counters: dict[str, Record] = {}
        self._lock = threading.RLock()

    def issue_code(
        self, code_hash: str, record: Record, page: tuple[str, datetime] | None = None
    ) -> bool:
        with self._lock:
            if code_hash in self.codes or (page is not None and page[0] in self.pages):
                return False
            if page is not None:
                self.pages[page[0]] = {"used": True, "expiresAt": page[1]}
            self.codes[code_hash] = copy.deepcopy(record)
            return True

    def code(self, code_hash: str) -> Record | None:
        with self._lock:
            return copy.deepcopy(self.codes.get(code_hash))

    def exchange_code(
        self, code_hash: str, check: Callable[[Record | None], None], issued: Issued
    ) -> None:
        with self._lock:
            check(copy.deepcopy(self.codes.get(code_hash)))
            self.codes.setdefault(code_hash, {})["used"] = True
            self._store(issued)

    def token(self, token_hash: str) -> Record | None:
        with self._lock:
            return copy.deepcopy(self.tokens.get(token_hash))

    def rotate_refresh(
        self,
        refresh_hash: str,
        check: RefreshCheck,
        issued: Issued,
        new_refresh_hash: str,
        now: datetime,
    ) -> None:
        with self._lock:
            record = copy.deepcopy(self.tokens.get(refresh_hash))
            expected = (record or {}).get("successor")
            successor = copy.deepcopy(self.tokens.get(expected)) if expected else None
            used, superseded = rotation(
                record,
                successor,
                expected,
                check=check,
                new_refresh_hash=new_refresh_hash,
                now=now,
            )
            self.tokens.setdefault(refresh_hash, {}).update(used)
            if superseded is not None and expected:
                self.tokens[expected].update(superseded)
            self._store(issued)

    def revoke_grant(self, grant_id: str) -> int:
        with self._lock:
            live = [r for r in self.tokens.values() if r.get("grantId") == grant_id]
            for record in live:
                record["revoked"] = True
            return len(live)

    def reserve(self, limits: dict[str, int], now: datetime, window: timedelta) -> bool:
        with self._lock:
            counters = [self.counters.get(key) for key in limits]
            counted = reservation(counters, list(limits.values()), now, window)
            if counted is None:
                return False
            for key, counter in zip(limits, counted, strict=True):
                self.counters[key] = {**self.counters.get(key, {}), **counter}
            return True

    def release(self, keys: list[str], now: datetime, window: timedelta) -> None:
        with self._lock:
            for key in keys:
                fields = released(self.counters.get(key), now, window)
                if fields is not None:
                    self.counters[key] = {**self.counters[key], **fields}

    def _store(self, issued: Issued) -> None:
        for token_hash, record in issued.records.items():
            if token_hash in self.tokens:
                raise ValueError(f"token {token_hash} exists")
            self.tokens[token_hash] = copy.deepcopy(record)
