"""A local stand-in for Google's Home Graph API (never deployed), built from Google's documents.

It answers the REST calls the real googleapiclient makes (point it at ``server.url``) the way
Google does: Request Sync sends SYNC to the fulfillment and keeps the answer as Google's view of
the user's devices; Report State checks each device and state against that view and stores it per
trait; devices:query and devices:sync read back what is stored. ``Faults`` injects Google's
transient failures. Like Google, it sends QUERY after a SYNC for the devices whose states it does
not hold yet. What it received is kept as records, readable over HTTP (``GET /local/records``,
``GET /local/homes/{agentUserId}``: devstack/homegraph_journal.py, docs/local-google-home.md).
References:
https://developers.home.google.com/cloud-to-cloud/integration/request-sync
https://developers.home.google.com/cloud-to-cloud/integration/report-state
https://developers.home.google.com/cloud-to-cloud/integration/quotas
"""

import json
import random
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

from devstack.homegraph_journal import BadRead, Journal, read_query
from devstack.homegraph_journal import timestamp as rfc3339
from functions.devices.traits import TRAITS

API = "/v1/"
REQUEST_SYNC = "/v1/devices:requestSync"
REPORT_STATE = "/v1/devices:reportStateAndNotification"
QUERY = "/v1/devices:query"
SYNC = "/v1/devices:sync"
AGENT_USERS = "/v1/agentUsers/"
LOCAL_RECORDS = "/local/records"
LOCAL_HOMES = "/local/homes"
QUERY_BATCH = 500
"""Devices per QUERY Google sends after a SYNC (the fulfillment's cap)."""
FAULTABLE = frozenset({REQUEST_SYNC, REPORT_STATE})
USER_NOT_FOUND = "Requested entity was not found."
DEVICE_NOT_FOUND = (
    "Device ID cannot be found. This is usually an indication that the device may have been "
    "removed. Send a Request Sync to re-sync the device in Google."
)
INVALID_ARGUMENT = "Request contains an invalid argument."
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
}
FIELDS = {
    REQUEST_SYNC: {"agentUserId", "async"},
    REPORT_STATE: {"requestId", "agentUserId", "eventId", "followUpToken", "payload"},
    QUERY: {"requestId", "agentUserId", "inputs", "deviceView", "includeDeviceMetadata"},
    SYNC: {"requestId", "agentUserId"},
}
"""The fields each request message has (discovery document); Google rejects unknown names."""
REPORT_DEVICES_FIELDS = {"states", "notifications", "homeTraits", "homeEvents"}


@dataclass(frozen=True)
class Faults:
    """Transient failures drawn before each requestSync and reportStateAndNotification call: a
    429, a 500, or a stall of ``timeout_seconds`` (longer than the client's timeout) after which
    the connection closes without an answer. A faulted call changes nothing."""

    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_timeout: float = 0.0
    timeout_seconds: float = 12.0
    seed: int = 0


class Call(NamedTuple):
    """One call the server received: ``"POST /v1/devices:query"``, its JSON body and the HTTP
    status answered (None when the connection was closed without an answer)."""

    method_path: str
    body: Any
    status: int | None

    @property
    def path(self) -> str:
        return self.method_path.partition(" ")[2]


class ApiError(Exception):
    """An answer in Google's error shape."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {
            "error": {"code": self.code, "message": self.message, "status": STATUS_NAMES[self.code]}
        }


@dataclass
class _User:
    linked_at: float
    devices: list[dict[str, Any]] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_reported: dict[str, dict[str, Any]] = field(default_factory=dict)
    synced_at: str | None = None
    updated_at: dict[str, str] = field(default_factory=dict)
    """Device id -> when Home Graph last stored states for it (a report, or QUERY after SYNC)."""

    def device(self, device_id: str) -> dict[str, Any] | None:
        return next((d for d in self.devices if d.get("id") == device_id), None)


class HomeGraphServer:
    """Google's side of Home Graph on 127.0.0.1 and a free port; ``start()`` then ``stop()``."""

    def __init__(
        self,
        fulfillment_url: str,
        token_for: Callable[[str], str],
        *,
        faults: Faults | None = None,
        new_user_delay: float = 0.0,
    ) -> None:
        self.fulfillment_url = fulfillment_url
        self.token_for = token_for
        self.faults = faults or Faults()
        self.new_user_delay = new_user_delay
        self.calls: list[Call] = []
        self.errors: list[tuple[str, str]] = []
        """(agentUserId, message): what Google's console would show (failed SYNCs, bad reports)."""
        self.syncs_sent: list[str] = []
        """The agentUserId of every SYNC intent sent to the fulfillment."""
        self.announcements: list[dict[str, Any]] = []
        """Every notification accepted (follow-ups and proactive ones): agentUserId, eventId,
        deviceId, trait and payload, in arrival order; a repeated eventId is kept (Google would
        announce it once), so tests can count repeats."""
        self.journal = Journal()
        """The same, with the calls and the intents Google sent, as readable records."""
        self._users: dict[str, _User] = {}
        self._sync_running: set[str] = set()
        self._rng = random.Random(self.faults.seed)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._workers: set[threading.Thread] = set()
        """Background SYNCs still running (wait_idle waits for none)."""
        self._threads: list[threading.Thread] = []
        """Every background SYNC thread not yet joined (stop joins them)."""
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._serve_thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "HomeGraphServer":
        """Listen and serve in a background thread."""
        self._stopping.clear()
        self.journal.open()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)  # the OS picks a free port
        self.port = int(self._httpd.server_address[1])
        self._httpd.app = self
        self._serve_thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="homegraph"
        )
        self._serve_thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end stalled calls and waiting reads, and join every thread the server
        started."""
        self._stopping.set()
        self.journal.close()
        if self._httpd is not None and self._serve_thread is not None:
            self._httpd.shutdown()
            self._serve_thread.join()
            self._httpd.server_close()  # joins the request threads
            self._httpd = None
        with self._lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join()

    def link(self, agent_user_id: str, *, sync: bool = False) -> None:
        """Make the user known to Home Graph, as account linking does; ``sync`` also runs the
        SYNC that Google sends after linking."""
        with self._lock:
            self._users.setdefault(agent_user_id, _User(linked_at=time.monotonic()))
        if sync:
            self._sync(agent_user_id)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no background SYNC is running; False if some still are after ``timeout``."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._workers, timeout)

    def reset(self) -> None:
        """Forget every user, stored state and recorded call, as if freshly started."""
        self.wait_idle()
        with self._lock:
            self._users.clear()
            self.calls.clear()
            self.errors.clear()
            self.syncs_sent.clear()
            self._rng = random.Random(self.faults.seed)
        self.journal.clear()

    def count(self, path: str, status: int | None = None) -> int:
        """How many calls reached ``path`` (e.g. ``/v1/devices:requestSync``), with ``status``."""
        with self._lock:
            return sum(
                1 for c in self.calls if c.path == path and (status is None or c.status == status)
            )

    def reported_states(self, agent_user_id: str) -> dict[str, dict[str, Any]]:
        """Device id -> the states Home Graph holds for it (reported, merged per trait)."""
        with self._lock:
            user = self._users.get(agent_user_id)
            return json.loads(json.dumps(user.states)) if user else {}

    def last_reported(self, agent_user_id: str, device_id: str) -> dict[str, Any] | None:
        """The states of the last accepted report that named the device."""
        with self._lock:
            user = self._users.get(agent_user_id)
            found = user.last_reported.get(device_id) if user else None
            return json.loads(json.dumps(found)) if found is not None else None

    def diverge(self, agent_user_id: str, device_id: str, states: dict[str, Any]) -> None:
        """Make Google's view of a device wrong (what the state-accuracy check must find): its
        held states take ``states``, as if a report had been lost or mangled."""
        with self._lock:
            self._user(agent_user_id).states.setdefault(device_id, {}).update(states)

    def synced_devices(self, agent_user_id: str) -> list[dict[str, Any]]:
        """Google's view of the user's devices: the devices of the last successful SYNC."""
        with self._lock:
            user = self._users.get(agent_user_id)
            return json.loads(json.dumps(user.devices)) if user else []

    def is_linked(self, agent_user_id: str) -> bool:
        with self._lock:
            return agent_user_id in self._users

    def home(self, agent_user_id: str) -> dict[str, Any]:
        """What Google holds for a user: the devices of the last SYNC, the states stored for
        each, and when; raises ApiError(404) for a user Home Graph does not know."""
        with self._lock:
            user = self._user(agent_user_id)
            held: dict[str, Any] = json.loads(
                json.dumps(
                    {
                        "agentUserId": agent_user_id,
                        "syncedAt": user.synced_at,
                        "devices": user.devices,
                        "states": user.states,
                        "updatedAt": user.updated_at,
                    }
                )
            )
        return held

    def read(self, path: str, query: Mapping[str, list[str]]) -> dict[str, Any]:
        """Answer a GET of the local read endpoints (this server's own, not Google's API)."""
        if path == LOCAL_RECORDS:
            return self._records(query)
        if path == LOCAL_HOMES and not query:
            with self._lock:
                return {"agentUserIds": sorted(self._users)}
        if path.startswith(LOCAL_HOMES + "/") and not query:
            return self.home(urllib.parse.unquote(path[len(LOCAL_HOMES) + 1 :]))
        raise ApiError(404, "Method not found.")

    def _records(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        try:
            return read_query(self.journal, query)
        except BadRead as bad:
            raise ApiError(400, str(bad)) from None

    # The API, one method per endpoint; each returns the JSON answer or raises ApiError.

    def handle(self, method: str, path: str, body: Any) -> dict[str, Any]:
        """Answer one call (after fault injection)."""
        if method == "DELETE" and path.startswith(AGENT_USERS):
            return self._delete_user(urllib.parse.unquote(path[len(AGENT_USERS) :]))
        handlers = {
            REQUEST_SYNC: self._request_sync,
            REPORT_STATE: self._report_state,
            QUERY: self._query,
            SYNC: self._read_sync,
        }
        if method != "POST" or path not in handlers:
            raise ApiError(404, "Method not found.")
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid JSON payload received.")
        unknown = set(body) - FIELDS[path]
        if unknown:
            raise ApiError(400, f'Invalid JSON payload received. Unknown name "{min(unknown)}"')
        agent_user_id = body.get("agentUserId")
        if not isinstance(agent_user_id, str) or not agent_user_id:
            raise ApiError(400, INVALID_ARGUMENT)
        return handlers[path](agent_user_id, body)

    def draw_fault(self, path: str) -> str | None:
        """'429', '500', 'timeout' or None, from the seeded draw (faultable paths only)."""
        if path not in FAULTABLE:
            return None
        f = self.faults
        with self._lock:
            draw = self._rng.random()
        if draw < f.rate_429:
            return "429"
        if draw < f.rate_429 + f.rate_500:
            return "500"
        if draw < f.rate_429 + f.rate_500 + f.rate_timeout:
            return "timeout"
        return None

    def stall(self) -> None:
        """Hold a faulted call past the client's timeout (ends early when the server stops)."""
        self._stopping.wait(self.faults.timeout_seconds)

    def record(self, method: str, path: str, body: Any, status: int | None) -> None:
        with self._lock:
            self.calls.append(Call(f"{method} {path}", body, status))
        user = body.get("agentUserId") if isinstance(body, dict) else None
        user = user if isinstance(user, str) else None
        if path == REQUEST_SYNC:
            self.journal.add("requestSync", user, status=status, request=body)
        elif path == REPORT_STATE:
            self.journal.add("reportState", user, status=status, request=body)
        elif method == "DELETE" and path.startswith(AGENT_USERS):
            deleted = urllib.parse.unquote(path[len(AGENT_USERS) :])
            self.journal.add("deleteUser", deleted, status=status)

    def _error(self, agent_user_id: str, message: str) -> None:
        """What Google's console would show about the user's calls (callers may hold the lock:
        a list append is atomic, and the journal has its own)."""
        self.errors.append((agent_user_id, message))
        self.journal.add("error", agent_user_id, message=message)

    def _user(self, agent_user_id: str) -> _User:
        user = self._users.get(agent_user_id)
        if user is None:
            raise ApiError(404, USER_NOT_FOUND)
        return user

    def _delete_user(self, agent_user_id: str) -> dict[str, Any]:
        with self._lock:
            if self._users.pop(agent_user_id, None) is None:
                raise ApiError(404, USER_NOT_FOUND)
        return {}

    def _request_sync(self, agent_user_id: str, body: dict[str, Any]) -> dict[str, Any]:
        is_async = body.get("async", False)
        if not isinstance(is_async, bool):
            raise ApiError(400, INVALID_ARGUMENT)
        with self._lock:
            self._user(agent_user_id)
            if is_async:
                worker = threading.Thread(
                    target=self._sync_worker, args=(agent_user_id,), name="homegraph-sync"
                )
                self._workers.add(worker)
                self._threads = [t for t in self._threads if t.is_alive()] + [worker]
                worker.start()
                return {}
            if agent_user_id in self._sync_running:
                raise ApiError(429, "Too many concurrent requests for this agentUserId.")
            self._sync_running.add(agent_user_id)
        try:
            self._sync(agent_user_id)
        finally:
            with self._lock:
                self._sync_running.discard(agent_user_id)
        return {}

    def _sync_worker(self, agent_user_id: str) -> None:
        try:
            self._sync(agent_user_id)
        finally:
            with self._idle:
                self._workers.discard(threading.current_thread())
                self._idle.notify_all()

    def _sync(self, agent_user_id: str) -> None:
        """Send SYNC to the fulfillment and keep its devices as Google's view of the user; then
        QUERY the devices whose states Google does not hold yet, as Google does."""
        request_id = str(uuid.uuid4())
        with self._lock:
            self.syncs_sent.append(agent_user_id)
        try:
            answer = self._post_intent(agent_user_id, request_id, {"intent": "action.devices.SYNC"})
            devices = _sync_devices(answer, agent_user_id, request_id)
        except (OSError, ValueError) as exc:
            self._error(agent_user_id, f"SYNC failed: {exc}")
            self.journal.add("sync", agent_user_id, requestId=request_id, error=str(exc))
            return
        with self._lock:
            user = self._users.get(agent_user_id)
            if user is None:
                return
            user.devices = devices
            user.synced_at = rfc3339()
            _prune_states(user)
            unknown = [d for d in devices if d["id"] not in user.states]
        self.journal.add(
            "sync", agent_user_id, requestId=request_id, devices=[d["id"] for d in devices]
        )
        for start in range(0, len(unknown), QUERY_BATCH):
            self._initial_query(agent_user_id, unknown[start : start + QUERY_BATCH])

    def _initial_query(self, agent_user_id: str, devices: list[dict[str, Any]]) -> None:
        """ "Following the initial SYNC for a device, the platform sends a QUERY intent that
        gathers the state of the device to populate Home Graph" (Google's Report State page).
        A state reported meanwhile is newer, and is kept."""
        request_id = str(uuid.uuid4())
        entries = [
            {"id": d["id"], **({"customData": d["customData"]} if "customData" in d else {})}
            for d in devices
        ]
        try:
            answer = self._post_intent(
                agent_user_id,
                request_id,
                {"intent": "action.devices.QUERY", "payload": {"devices": entries}},
            )
            found = _query_states(answer, request_id)
        except (OSError, ValueError) as exc:
            self._error(agent_user_id, f"QUERY failed: {exc}")
            self.journal.add("query", agent_user_id, requestId=request_id, error=str(exc))
            return
        stored = []
        with self._lock:
            user = self._users.get(agent_user_id)
            for device_id, states in found.items():
                device = user.device(device_id) if user else None
                if user is None or device is None or device_id in user.states:
                    continue
                allowed = {"online"}.union(*_trait_states(device).values())
                kept = {key: value for key, value in states.items() if key in allowed}
                if kept:
                    user.states[device_id] = kept
                    user.updated_at[device_id] = rfc3339()
                    stored.append(device_id)
        self.journal.add(
            "query",
            agent_user_id,
            requestId=request_id,
            devices=[e["id"] for e in entries],
            stored=stored,
        )

    def _post_intent(self, agent_user_id: str, request_id: str, intent: dict[str, Any]) -> Any:
        """POST one intent to the fulfillment with the user's token; its JSON answer."""
        data = json.dumps({"requestId": request_id, "inputs": [intent]}).encode()
        request = urllib.request.Request(
            self.fulfillment_url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json;charset=UTF-8",
                "Authorization": f"Bearer {self.token_for(agent_user_id)}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise ValueError(f"fulfillment answered HTTP {exc.code}") from None

    def _report_state(self, agent_user_id: str, body: dict[str, Any]) -> dict[str, Any]:
        payload = body.get("payload")
        devices = payload.get("devices") if isinstance(payload, dict) else None
        if not isinstance(payload, dict) or set(payload) != {"devices"}:
            raise ApiError(400, INVALID_ARGUMENT)
        if not isinstance(devices, dict) or set(devices) - REPORT_DEVICES_FIELDS:
            raise ApiError(400, INVALID_ARGUMENT)
        states = devices.get("states", {})
        notifications = devices.get("notifications", {})
        if not isinstance(states, dict) or not isinstance(notifications, dict):
            raise ApiError(400, INVALID_ARGUMENT)
        with self._lock:
            user = self._user(agent_user_id)
            if time.monotonic() - user.linked_at < self.new_user_delay:
                raise ApiError(404, USER_NOT_FOUND)
            updates = {}
            for device_id, reported in states.items():
                device = user.device(device_id)
                if device is None:
                    raise ApiError(404, DEVICE_NOT_FOUND)
                problem = _state_problem(device, reported)
                if problem:
                    self._error(agent_user_id, f"{device_id}: {problem}")
                    raise ApiError(400, INVALID_ARGUMENT)
                updates[device_id] = reported
            accepted = self._notifications(user, agent_user_id, body)
            self.announcements.extend(accepted)
            for announced in accepted:
                kind = "followUp" if "followUpResponse" in announced["payload"] else "notification"
                fields = {k: v for k, v in announced.items() if k != "agentUserId"}
                self.journal.add(kind, agent_user_id, **fields)
            for device_id, reported in updates.items():
                stored = user.states.setdefault(device_id, {})
                for key in _owned_keys(user.device(device_id) or {}, reported):
                    stored.pop(key, None)
                stored.update(json.loads(json.dumps(reported)))
                user.last_reported[device_id] = json.loads(json.dumps(reported))
                user.updated_at[device_id] = rfc3339()
        return {"requestId": body.get("requestId", "")}

    def _notifications(
        self, user: _User, agent_user_id: str, body: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The notifications of a reportStateAndNotification body, checked as Google checks
        them (an eventId, known devices, declared traits); raises ApiError."""
        notifications = body["payload"]["devices"].get("notifications") or {}
        if notifications and not (isinstance(body.get("eventId"), str) and body["eventId"]):
            self._error(agent_user_id, "notifications without an eventId")
            raise ApiError(400, INVALID_ARGUMENT)
        accepted = []
        for device_id, by_trait in notifications.items():
            device = user.device(device_id)
            if device is None:
                raise ApiError(404, DEVICE_NOT_FOUND)
            for trait, payload in (by_trait or {}).items():
                problem = _notification_problem(device, trait, payload)
                if problem:
                    self._error(agent_user_id, f"{device_id}: {problem}")
                    raise ApiError(400, INVALID_ARGUMENT)
                accepted.append(
                    {
                        "agentUserId": agent_user_id,
                        "eventId": body["eventId"],
                        "deviceId": device_id,
                        "trait": trait,
                        "payload": json.loads(json.dumps(payload)),
                    }
                )
        return accepted

    def _query(self, agent_user_id: str, body: dict[str, Any]) -> dict[str, Any]:
        wanted = [
            d.get("id")
            for i in body.get("inputs") or []
            for d in (i.get("payload") or {}).get("devices") or []
        ]
        with self._lock:
            user = self._user(agent_user_id)
            found = {
                device_id: json.loads(json.dumps(user.states.get(device_id, {})))
                for device_id in wanted
                if isinstance(device_id, str) and user.device(device_id) is not None
            }
        return {"requestId": body.get("requestId", ""), "payload": {"devices": found}}

    def _read_sync(self, agent_user_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            devices = json.loads(json.dumps(self._user(agent_user_id).devices))
        return {
            "requestId": body.get("requestId", ""),
            "payload": {"agentUserId": agent_user_id, "devices": devices},
        }


def _query_states(answer: Any, request_id: str) -> dict[str, dict[str, Any]]:
    """Device id -> its states, of a QUERY answer's devices that answered them (an offline
    device's ``online: false`` included); ValueError saying why Google would reject it."""
    payload = answer.get("payload") if isinstance(answer, dict) else None
    if not isinstance(payload, dict):
        raise ValueError("QUERY answer has no payload")
    if answer.get("requestId") != request_id:
        raise ValueError("QUERY answer does not echo the requestId")
    if "errorCode" in payload:
        raise ValueError(f"QUERY answered errorCode {payload['errorCode']}")
    devices = payload.get("devices")
    if not isinstance(devices, dict) or not all(isinstance(s, dict) for s in devices.values()):
        raise ValueError("QUERY devices are malformed")
    verdict = {"status", "errorCode", "debugString"}
    return {
        device_id: {key: value for key, value in states.items() if key not in verdict}
        for device_id, states in devices.items()
        if states.get("status") in ("SUCCESS", None) or "online" in states
    }


def _sync_devices(answer: Any, agent_user_id: str, request_id: str) -> list[dict[str, Any]]:
    """The devices of a SYNC answer, or ValueError saying why Google would reject it."""
    payload = answer.get("payload") if isinstance(answer, dict) else None
    if not isinstance(payload, dict):
        raise ValueError("SYNC answer has no payload")
    if answer.get("requestId") != request_id:
        raise ValueError("SYNC answer does not echo the requestId")
    if "errorCode" in payload:
        raise ValueError(f"SYNC answered errorCode {payload['errorCode']}")
    if payload.get("agentUserId") != agent_user_id:
        raise ValueError("SYNC answered another agentUserId")
    devices = payload.get("devices")
    if not isinstance(devices, list) or not all(
        isinstance(d, dict) and isinstance(d.get("id"), str) and isinstance(d.get("traits"), list)
        for d in devices
    ):
        raise ValueError("SYNC devices are malformed")
    return devices


def _trait_states(device: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Declared trait -> its state keys (traits this product does not know own no keys)."""
    return {
        name: TRAITS[name].states if name in TRAITS else ()
        for name in device.get("traits", [])
        if isinstance(name, str)
    }


def _notification_problem(device: Mapping[str, Any], trait: str, payload: Any) -> str:
    """Why Google would refuse a notification: a trait the device did not declare in SYNC (the
    same INVALID_ARGUMENT as states of an undeclared trait), or a payload without priority 0."""
    if f"action.devices.traits.{trait}" not in (device.get("traits") or []):
        return f"notification for undeclared trait {trait}"
    if not isinstance(payload, dict) or payload.get("priority") != 0:
        return f"{trait} notification needs priority 0"
    return ""


def _state_problem(device: Mapping[str, Any], reported: Any) -> str:
    """Why Google would reject these reported states for the device ('' when it would not)."""
    if not isinstance(reported, dict):
        return "states must be an object"
    allowed = {"online"}.union(*_trait_states(device).values())
    stray = sorted(set(reported) - allowed)
    return f"states {stray} belong to none of the device's traits" if stray else ""


def _owned_keys(device: Mapping[str, Any], reported: Mapping[str, Any]) -> set[str]:
    """Every stored key a report overwrites: all keys of each trait it reports, and ``online``."""
    keys = {"online"} & set(reported)
    for states in _trait_states(device).values():
        if set(states) & set(reported):
            keys.update(states)
    return keys


def _prune_states(user: _User) -> None:
    """After a SYNC: drop states of devices that left and of traits a device no longer has."""
    for device_id in list(user.states):
        device = user.device(device_id)
        if device is None:
            user.states.pop(device_id)
            user.last_reported.pop(device_id, None)
            continue
        allowed = {"online"}.union(*_trait_states(device).values())
        user.states[device_id] = {k: v for k, v in user.states[device_id].items() if k in allowed}


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the request threads
    app: HomeGraphServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A caller that hung up before its answer (the pipeline's timeouts, the faults suite) is
        expected: no traceback. Anything else is a bug in this server and is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        app = self.server.app
        parts = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        try:
            status, answer = 200, app.read(parts.path, query)
        except ApiError as exc:
            status, answer = exc.code, exc.body()
        self._answer(status, answer)

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        app = self.server.app
        path = urllib.parse.urlsplit(self.path).path
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body: Any = json.loads(raw) if raw else {}
        except ValueError:
            body = raw.decode("utf-8", "replace")
        fault = app.draw_fault(path)
        if fault == "timeout":
            app.stall()
            app.record(method, path, body, None)
            self.close_connection = True
            return
        try:
            if fault:
                raise ApiError(int(fault), _fault_message(int(fault)))
            if isinstance(body, str):
                raise ApiError(400, "Invalid JSON payload received.")
            status, answer = 200, app.handle(method, path, body)
        except ApiError as exc:
            status, answer = exc.code, exc.body()
        except (AttributeError, TypeError, KeyError):  # a field of the wrong JSON type
            status, answer = 400, ApiError(400, INVALID_ARGUMENT).body()
        app.record(method, path, body, status)
        self._answer(status, answer)

    def _answer(self, status: int, answer: Any) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the calls are recorded on the server instead."""


def _fault_message(code: int) -> str:
    if code == 429:
        return "Resource has been exhausted (e.g. check quota)."
    return "Internal error encountered."
