"""A scripted Home Graph for unit tests: records every call, fails as it is told."""

import copy
import threading
from typing import Any


class ScriptedHomeGraph:
    """A HomeGraph that records calls and fails with the errors it is scripted to raise."""

    def __init__(self) -> None:
        self.syncs: list[str] = []
        self.reports: list[tuple[str, dict[str, Any]]] = []
        self.announcements: list[tuple[str, str, dict[str, Any]]] = []
        """(agentUserId, eventId, device id -> trait -> payload) of every notify call."""
        self.failures: list[Exception] = []
        self.held: dict[tuple[str, str], dict[str, Any]] = {}
        """(agentUserId, device id) -> the states ``query`` answers; else the last reported."""
        self._lock = threading.Lock()

    def _maybe_fail(self) -> None:
        with self._lock:
            failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            raise failure

    def request_sync(self, agent_user_id: str) -> None:
        self._maybe_fail()
        with self._lock:
            self.syncs.append(agent_user_id)

    def report_state(self, agent_user_id: str, request_id: str, states: Any) -> None:
        self._maybe_fail()
        with self._lock:
            self.reports.append((agent_user_id, copy.deepcopy(dict(states))))

    def notify(
        self, agent_user_id: str, request_id: str, event_id: str, notifications: Any
    ) -> None:
        self._maybe_fail()
        with self._lock:
            self.announcements.append((agent_user_id, event_id, copy.deepcopy(dict(notifications))))

    def query(self, agent_user_id: str, request_id: str, device_ids: list[str]) -> dict[str, Any]:
        self._maybe_fail()
        with self._lock:
            found: dict[str, Any] = {}
            for device_id in device_ids:
                held = self.held.get((agent_user_id, device_id))
                for user, states in self.reports:
                    if user == agent_user_id and device_id in states:
                        held = states[device_id]
                if held is not None:
                    found[device_id] = copy.deepcopy(held)
            return found
