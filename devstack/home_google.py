"""The local Google Home page's Google: it sends intents to the fulfillment exactly as Google
does (POST, JSON, ``Authorization: Bearer`` with an access token issued for the user, as ``make
token`` issues it), and keeps the last ones with their answers and latencies.

The token never leaves this process: the records show it as ``Bearer <token>``.
"""

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from devstack import assistant
from devstack.home_requests import Intent
from devstack.homegraph_journal import timestamp

TOKEN_LIFETIME = 3000.0
"""Seconds a token is used before a new one is issued (they live an hour)."""
TIMEOUT = 30.0
SHOWN_TOKEN = "Bearer <token>"  # noqa: S105 - what the page shows instead of the token


class PageGoogle:
    """``send()`` one intent; ``recent()`` the last ``keep`` of them, newest first."""

    def __init__(self, fulfillment_url: str, issue_token: Callable[[], str], keep: int = 30):
        self.fulfillment_url = fulfillment_url
        self.issue_token = issue_token
        self._records: deque[dict[str, Any]] = deque(maxlen=keep)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None

    def token(self, *, fresh: bool = False) -> str:
        with self._lock:
            if fresh or self._token is None or time.monotonic() - self._token[1] > TOKEN_LIFETIME:
                self._token = (self.issue_token(), time.monotonic())
            return self._token[0]

    def send(self, intent: Intent, names: Mapping[str, str]) -> dict[str, Any]:
        """Send the intent; its record: request, HTTP status, answer, latency, and for EXECUTE
        what the Assistant says of each answered entry. A 401 is retried once with a new
        token (the old one was revoked, or the stack restarted)."""
        entry: dict[str, Any] = {"intent": intent.intent}
        if intent.payload is not None:
            entry["payload"] = intent.payload
        body = {"requestId": str(uuid.uuid4()), "inputs": [entry]}
        status, answer, latency = self._post(body, self.token())
        if status == 401:
            status, answer, latency = self._post(body, self.token(fresh=True))
        record: dict[str, Any] = {
            "seq": next(self._seq),
            "at": timestamp(),
            "intent": intent.intent.removeprefix("action.devices."),
            "request": {
                "method": "POST",
                "url": self.fulfillment_url,
                "headers": {"Authorization": SHOWN_TOKEN, "Content-Type": "application/json"},
                "body": body,
            },
            "status": status,
            "answer": answer,
            "latencyMs": round(latency * 1000, 1),
            "said": assistant.execute(body, answer, names)
            if intent.intent == "action.devices.EXECUTE"
            else [],
        }
        with self._lock:
            self._records.appendleft(record)
        return record

    def recent(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._records)

    def _post(self, body: dict[str, Any], token: str) -> tuple[int, Any, float]:
        request = urllib.request.Request(
            self.fulfillment_url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json;charset=UTF-8",
                "Authorization": f"Bearer {token}",
            },
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except OSError as error:
            return 0, f"the fulfillment did not answer: {error}", time.perf_counter() - started
        latency = time.perf_counter() - started
        try:
            return status, json.loads(raw), latency
        except ValueError:
            return status, raw.decode("utf-8", "replace"), latency
