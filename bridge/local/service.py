"""What the local endpoint answers, from the bridge itself: REACHABLE_DEVICES from the devices it
serves, QUERY from their documents, EXECUTE through each device's worker, journal and outcome
path, as a cloud command record would go (bridge/execution.py).

A command that needs secondary user verification declines the whole request, before anything
acts (``challengeNeeded``): the app fails it and Google sends it to the cloud, which asks the
user. A device's outcome is awaited up to ``wait`` seconds; past that it is answered PENDING and
its final state reaches Google by Report State, as the cloud path's PENDING does.
"""

import threading
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bridge.contract import states_of
from bridge.local.challenge import needs_verification
from bridge.local.protocol import CHALLENGE_NEEDED, LocalCommand, group
from bridge.runtime import Bridge
from bridge.store import CommandRecord

KEEP = timedelta(minutes=10)
"""How long a local command's claim stays in the journal: as long as the product waits for a
cloud record's outcome, so the cloud's fallback of the same request finds it."""
NOT_FOUND = {"status": "ERROR", "errorCode": "deviceNotFound"}
QUERY_NOT_FOUND = {**NOT_FOUND, "online": False}
"""A QUERY entry carries ``online`` whatever its status, as the cloud QUERY's does."""


class Reply:
    """One local command's outcome, handed over by the worker's thread."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self.outcome: dict[str, Any] | None = None

    def __call__(self, outcome: dict[str, Any]) -> None:
        self.outcome = dict(outcome)
        self._done.set()

    def wait(self, timeout: float) -> dict[str, Any] | None:
        return self.outcome if self._done.wait(max(0.0, timeout)) else None


def answer_of(outcome: Mapping[str, Any] | None) -> dict[str, Any]:
    """Google's EXECUTE entry for a command's outcome (None: not in time)."""
    if outcome is None:
        return {"status": "PENDING"}
    if outcome.get("status") == "SUCCESS":
        return {
            "status": "SUCCESS",
            "states": {**dict(outcome.get("states") or {}), "online": True},
        }
    return {"status": "ERROR", "errorCode": str(outcome.get("errorCode") or "hardError")}


class BridgeLocal:
    """The LocalService of a running ``Bridge``."""

    def __init__(self, bridge: Bridge, wait: float = 3.0) -> None:
        self.bridge = bridge
        self.wait = wait

    def reachable(self) -> list[str]:
        """The served devices whose documents name themselves in ``otherDeviceIds``."""
        ids = []
        for device_id in self.bridge.device_ids():
            others = (self.bridge.document(device_id) or {}).get("otherDeviceIds") or []
            if any(isinstance(o, Mapping) and o.get("deviceId") == device_id for o in others):
                ids.append(device_id)
        return ids

    def query(self, device_ids: list[str]) -> dict[str, Any]:
        devices: dict[str, Any] = {}
        for device_id in device_ids:
            document = self.bridge.document(device_id)
            if document is None:
                devices[device_id] = dict(QUERY_NOT_FOUND)
                continue
            states = states_of(document)
            online = states.get("online") is True
            devices[device_id] = {**states, "online": online, "status": "SUCCESS"}
        return devices

    def execute(self, request_id: str, commands: list[LocalCommand]) -> list[dict[str, Any]]:
        if self._declined(commands):
            ids = list(dict.fromkeys(d for c in commands for d in c.device_ids))
            return [{"ids": ids, "status": "ERROR", "errorCode": CHALLENGE_NEEDED}]
        now = datetime.now(UTC)
        waiting: list[tuple[str, Reply | None]] = []
        for command in commands:
            for device_id in command.device_ids:
                worker = self.bridge.worker_for(device_id)
                if worker is None or self.bridge.document(device_id) is None:
                    waiting.append((device_id, None))
                    continue
                reply = Reply()
                worker.submit(
                    CommandRecord(
                        device_id,
                        f"local-{uuid.uuid4().hex}",
                        command.executions,
                        {},
                        "confirmed",
                        now + KEEP,
                        request_id=request_id,
                        origin="local",
                        reply=reply,
                    )
                )
                waiting.append((device_id, reply))
        deadline = time.monotonic() + self.wait
        results = []
        for device_id, pending in waiting:
            if pending is None:
                results.append((device_id, dict(NOT_FOUND)))
            else:
                results.append((device_id, answer_of(pending.wait(deadline - time.monotonic()))))
        return group(results)

    def _declined(self, commands: list[LocalCommand]) -> bool:
        """Whether any command needs the user's verification on any of its devices."""
        for command in commands:
            executions = [(e.command, e.params) for e in command.executions]
            for device_id in command.device_ids:
                document = self.bridge.document(device_id)
                if document is not None and needs_verification(document, executions):
                    return True
        return False
