"""The fulfillment's store in memory: the same interface and limits as FirestoreStore, for unit
tests and the benchmarks; tests/contract holds both to one suite."""

import copy
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from functions.core import tokens
from functions.core.documents import (
    MAX_WRITES,
    Document,
    unstorable,
    valid_field_name,
    valid_id,
)
from functions.fulfillment.store import Changes, CommandRef, Snapshot

T = TypeVar("T")


def _path(user_id: str, device_id: str | None = None) -> str:
    path = f"projects/fake/databases/(default)/documents/users/{user_id}"
    return path if device_id is None else f"{path}/devices/{device_id}"


def _check_ids(user_id: str, device_ids: Sequence[str] = ()) -> None:
    """Refuse what Firestore refuses, with the document path in the message, as Firestore does."""
    for device_id in (None, *device_ids):
        if not valid_id(user_id) or (device_id is not None and not valid_id(device_id)):
            raise ValueError(f"invalid document name {_path(user_id, device_id)!r}")


def _check_writes(user_id: str, changes: Changes) -> None:
    """Refuse the commits Firestore refuses: too many writes, values it cannot hold."""
    if changes.writes() > MAX_WRITES:
        raise ValueError(f"a commit of {changes.writes()} writes exceeds {MAX_WRITES}")
    for device_id, patch in changes.states.items():
        for key, value in patch.items():
            problem = None if valid_field_name(key) else "a bad field name"
            problem = problem or unstorable(value)
            if problem:
                raise ValueError(f"{_path(user_id, device_id)}: states.{key} is {problem}")
    for device_id, records in changes.commands.items():
        for command_id, record in records.items():
            problem = None if valid_id(command_id) else "a bad id"
            problem = problem or unstorable({k: v for k, v in record.items() if k not in _TIMES})
            if problem:
                raise ValueError(f"{_path(user_id, device_id)}/commands/{command_id}: {problem}")


_TIMES = ("issuedAt", "deadline", "expireAt")


class MemoryStore:
    """Store kept in dictionaries; ``round_trips`` counts the calls a real store would make."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.devices: dict[str, dict[str, dict[str, Any]]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.commands: dict[str, dict[CommandRef, dict[str, Any]]] = {}
        self.pins: dict[str, dict[str, Any]] = {}
        """User id -> (device id, command id) -> command record."""
        self.round_trips = 0
        self.documents_read = 0
        self._lock = threading.Lock()
        self._recorded = threading.Condition(self._lock)
        self.on_command: Callable[[str, CommandRef, dict[str, Any]], None] | None = None
        """A device backend's hook: called (outside the lock) for every new command record."""

    def put_device(self, user_id: str, device_id: str, document: dict[str, Any]) -> None:
        self.devices.setdefault(user_id, {})[device_id] = copy.deepcopy(document)

    def issue_token(self, user_id: str, ttl: timedelta = timedelta(hours=1)) -> str:
        token = tokens.issue(user_id)
        self.save_token(
            tokens.token_hash(token), tokens.record(user_id, tokens.ACCESS, datetime.now(UTC), ttl)
        )
        return token

    def read(self, token_hash: str, user_id: str, device_ids: Sequence[str]) -> Snapshot:
        self.round_trips += 1
        self.documents_read += 1 + len(device_ids)
        _check_ids(user_id, device_ids)
        stored = self.devices.get(user_id, {})
        return Snapshot(
            token=copy.deepcopy(self.tokens.get(token_hash)),
            devices={i: copy.deepcopy(stored.get(i)) for i in device_ids},
        )

    def read_account(
        self, token_hash: str, user_id: str
    ) -> tuple[Document | None, Document | None]:
        self.round_trips += 1
        self.documents_read += 2
        _check_ids(user_id)
        return copy.deepcopy(self.tokens.get(token_hash)), copy.deepcopy(self.users.get(user_id))

    def list_devices(self, user_id: str) -> dict[str, Document]:
        self.round_trips += 1
        _check_ids(user_id)
        return {i: copy.deepcopy(d) for i, d in self.devices.get(user_id, {}).items()}

    def execute(
        self,
        token_hash: str,
        user_id: str,
        device_ids: Sequence[str],
        plan: Callable[[Snapshot], tuple[Changes, T]],
    ) -> T:
        with self._lock:
            snapshot = self.read(token_hash, user_id, device_ids)
            pin = copy.deepcopy(self.pins.get(user_id))
            changes, result = plan(Snapshot(snapshot.token, snapshot.devices, pin))
            _check_writes(user_id, changes)
            if changes.pin:
                self.pins[user_id].update(copy.deepcopy(changes.pin))
            if changes.writes():
                self.round_trips += 1
            for device_id, patch in changes.states.items():
                self.devices[user_id][device_id].setdefault("states", {}).update(
                    copy.deepcopy(patch)
                )
            new = []
            for device_id, records in changes.commands.items():
                for command_id, record in records.items():
                    key = (device_id, command_id)
                    self.commands.setdefault(user_id, {})[key] = copy.deepcopy(dict(record))
                    new.append((key, copy.deepcopy(dict(record))))
        for key, record in new:
            if self.on_command:
                self.on_command(user_id, key, record)
        return result

    def record_outcome(
        self, user_id: str, key: CommandRef, outcome: dict[str, Any], states: Document | None = None
    ) -> None:
        """What a device backend does: its states and the command's outcome, in one write."""
        with self._recorded:
            self.devices[user_id][key[0]].setdefault("states", {}).update(
                copy.deepcopy(dict(states or {}))
            )
            self.commands[user_id][key]["outcome"] = copy.deepcopy(outcome)
            self._recorded.notify_all()

    def device_commands(self, user_id: str, device_id: str) -> dict[str, dict[str, Any]]:
        records = self.commands.get(user_id, {})
        return {key[1]: copy.deepcopy(r) for key, r in records.items() if key[0] == device_id}

    @contextmanager
    def backend(
        self,
        user_id: str,
        device_id: str,
        react: Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, Any]] | None],
        delay: float = 0,
    ) -> Iterator[None]:
        """A device backend for one device: answers each new command record after ``delay``."""
        timers: list[threading.Timer] = []

        def on_command(user: str, key: CommandRef, record: dict[str, Any]) -> None:
            answer = react(record) if (user, key[0]) == (user_id, device_id) else None
            if answer is not None:
                outcome, states = answer
                timer = threading.Timer(delay, self.record_outcome, (user, key, outcome, states))
                timers.append(timer)
                timer.start()

        self.on_command = on_command
        try:
            yield
        finally:
            self.on_command = None
            for timer in timers:
                timer.join()

    def await_outcomes(
        self, user_id: str, commands: Sequence[CommandRef], timeout: float
    ) -> dict[CommandRef, Document]:
        def answered() -> dict[CommandRef, Document]:
            records = self.commands.get(user_id, {})
            return {
                key: copy.deepcopy(records[key])
                for key in commands
                if key in records and records[key].get("outcome") is not None
            }

        with self._recorded:
            self._recorded.wait_for(lambda: len(answered()) == len(commands), timeout)
            return answered()

    def mark_pending(
        self, user_id: str, commands: Sequence[CommandRef]
    ) -> dict[CommandRef, Document]:
        with self._lock:
            self.round_trips += 1
            records = self.commands.get(user_id, {})
            answered: dict[CommandRef, Document] = {}
            for key in commands:
                record = records.get(key)
                if record is None:
                    continue
                if record.get("outcome") is not None:
                    answered[key] = copy.deepcopy(record)
                else:
                    record["answer"] = "PENDING"
            return answered

    def set_pin(self, user_id: str, record: Document) -> None:
        self.pins[user_id] = copy.deepcopy(dict(record))

    def pin(self, user_id: str) -> Document | None:
        return copy.deepcopy(self.pins.get(user_id))

    def set_linked(self, user_id: str, linked: bool) -> None:
        self.round_trips += 1
        _check_ids(user_id)
        self.users.setdefault(user_id, {})["linked"] = linked

    def is_linked(self, user_id: str) -> bool:
        return self.users.get(user_id, {}).get("linked") is True

    def save_token(self, token_hash: str, record: Document) -> None:
        if token_hash in self.tokens:
            raise ValueError("token exists")
        self.tokens[token_hash] = dict(record)

    def revoke_tokens(self, user_id: str) -> int:
        self.round_trips += 1
        live = [r for r in self.tokens.values() if r["userId"] == user_id and not r["revoked"]]
        for record in live:
            record["revoked"] = True
        return len(live)

    def revoke_grant(self, user_id: str, grant_id: str | None) -> int:
        self.round_trips += 1
        live = [
            r
            for r in self.tokens.values()
            if r["userId"] == user_id and not r["revoked"] and r.get("grantId") == grant_id
        ]
        for record in live:
            record["revoked"] = True
        return len(live)

    def refresh_tokens(self, user_id: str) -> list[Document]:
        self.round_trips += 1
        return [
            copy.deepcopy(r)
            for r in self.tokens.values()
            if r["userId"] == user_id
            and r.get("kind") == tokens.REFRESH
            and r.get("revoked") is False
            and r.get("used") is False
        ]
