"""Counting what the product asks of Firestore: every RPC through a client's API stub."""

from collections import Counter
from typing import Any


class CountingApi:
    """Wraps the client's Firestore API stub and counts the RPCs made through it, and the
    documents its batched reads ask for (what Firestore bills as reads)."""

    def __init__(self, api: Any) -> None:
        self._api = api
        self.calls: Counter[str] = Counter()
        self.documents_read = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._api, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            if name == "batch_get_documents":
                self.documents_read += len((kwargs.get("request") or {}).get("documents", []))
            return attribute(*args, **kwargs)

        return counted
