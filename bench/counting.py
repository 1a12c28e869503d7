"""Counting what a Firestore client asks of Firestore, at the client: every RPC, and the documents
Firestore bills (https://firebase.google.com/docs/firestore/pricing): a document returned by a
read or a query is a read (a query that returns nothing still costs one), a document a commit
writes is a write, one it deletes a delete. Exact, whatever the machine's noise."""

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from google.cloud import firestore


@dataclass
class Counts:
    reads: int = 0
    writes: int = 0
    deletes: int = 0
    rpcs: Counter[str] = field(default_factory=Counter)

    @property
    def operations(self) -> int:
        """Billed operations: reads, writes and deletes."""
        return self.reads + self.writes + self.deletes

    @property
    def round_trips(self) -> int:
        return sum(self.rpcs.values())

    def minus(self, earlier: "Counts") -> "Counts":
        return Counts(
            self.reads - earlier.reads,
            self.writes - earlier.writes,
            self.deletes - earlier.deletes,
            self.rpcs - earlier.rpcs,
        )


class FirestoreCounter:
    """Wraps a client's API stub; ``counts`` grows with every call made through the client."""

    def __init__(self, api: Any) -> None:
        self._api = api
        self._lock = threading.Lock()
        self.counts = Counts()

    def snapshot(self) -> Counts:
        with self._lock:
            c = self.counts
            return Counts(c.reads, c.writes, c.deletes, Counter(c.rpcs))

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._api, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.counts.rpcs[name] += 1
            if name in ("commit", "batch_write"):
                self._count_writes((kwargs.get("request") or {}).get("writes") or [])
            answer = attribute(*args, **kwargs)
            if name == "batch_get_documents":
                return self._reads(answer, lambda r: r._pb.WhichOneof("result") is not None)
            if name == "run_query":
                return self._reads(answer, lambda r: r._pb.HasField("document"), minimum=1)
            return answer

        return counted

    def _count_writes(self, writes: list[Any]) -> None:
        deletes = sum(1 for w in writes if _pb(w).WhichOneof("operation") == "delete")
        with self._lock:
            self.counts.deletes += deletes
            self.counts.writes += len(writes) - deletes

    def _reads(self, responses: Any, is_document: Any, minimum: int = 0) -> Iterator[Any]:
        found = 0
        try:
            for response in responses:
                if is_document(response):
                    found += 1
                yield response
        finally:
            with self._lock:
                self.counts.reads += max(minimum, found)


def _pb(message: Any) -> Any:
    return getattr(message, "_pb", message)


def counted_client(project: str) -> tuple[firestore.Client, FirestoreCounter]:
    """A Firestore client whose every call is counted."""
    client = firestore.Client(project=project)
    counter = FirestoreCounter(client._firestore_api)
    client._firestore_api_internal = counter
    return client, counter
