"""A test world: a store plus the fulfillment in front of it, the same for fake and real stores."""

import copy
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from functions.core import tokens
from functions.fulfillment.memory_store import MemoryStore
from functions.fulfillment.store import Store
from functions.fulfillment.throttle import Throttle
from functions.fulfillment.webhook import Answer, respond

GOLDEN = Path(__file__).parents[1] / "golden"


def golden(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text())


def light(on: bool = True, brightness: int = 50, online: bool = True) -> dict[str, Any]:
    """A dimmable light document, as a device backend writes it."""
    return {
        "type": "action.devices.types.LIGHT",
        "traits": ["action.devices.traits.OnOff", "action.devices.traits.Brightness"],
        "name": {"name": "Desk lamp"},
        "willReportState": True,
        "states": {"online": online, "on": on, "brightness": brightness},
    }


def intent(name: str, payload: dict[str, Any] | None = None, request_id: str = "req-1") -> dict:
    entry: dict[str, Any] = {"intent": f"action.devices.{name}"}
    if payload is not None:
        entry["payload"] = payload
    return {"requestId": request_id, "inputs": [entry]}


def execute_body(device_ids: list[str], *executions: tuple[str, dict[str, Any]]) -> dict:
    return intent(
        "EXECUTE",
        {
            "commands": [
                {
                    "devices": [{"id": i} for i in device_ids],
                    "execution": [
                        {"command": f"action.devices.commands.{c}", "params": p}
                        for c, p in executions
                    ],
                }
            ]
        },
    )


Reaction = Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, Any]] | None]
"""A device backend's reaction to a command record: (outcome, states it reached), or None to
never answer."""
BackendFactory = Callable[[str, str, Reaction, float], AbstractContextManager[None]]


class World:
    """Drives the fulfillment exactly as HTTP does, over a given store; ``backend`` plays a device
    backend that answers the command records of one device (after ``delay`` seconds)."""

    def __init__(
        self,
        store: Store,
        put: Callable[[str, str, dict[str, Any]], None],
        get: Callable[[str, str], dict[str, Any] | None],
        commands: Callable[[str, str], dict[str, dict[str, Any]]] | None = None,
        backend: BackendFactory | None = None,
    ) -> None:
        self.store = store
        self._put = put
        self._get = get
        self._commands = commands
        self._backend = backend
        self.throttle: Throttle | None = None
        """The bound on each user's EXECUTEs the deployed function applies; none by default."""

    def commands(self, user_id: str, device_id: str) -> dict[str, dict[str, Any]]:
        """The device's command records, by command id."""
        assert self._commands is not None
        return self._commands(user_id, device_id)

    def backend(
        self, user_id: str, device_id: str, react: Reaction, delay: float = 0
    ) -> AbstractContextManager[None]:
        assert self._backend is not None
        return self._backend(user_id, device_id, react, delay)

    def put_device(self, user_id: str, device_id: str, document: dict[str, Any]) -> None:
        self._put(user_id, device_id, copy.deepcopy(document))

    def device(self, user_id: str, device_id: str) -> dict[str, Any]:
        document = self._get(user_id, device_id)
        assert document is not None, f"{device_id} does not exist"
        return document

    def token(
        self, user_id: str, ttl: timedelta = timedelta(hours=1), issued: datetime | None = None
    ) -> str:
        token = tokens.issue(user_id)
        record = tokens.record(user_id, tokens.ACCESS, issued or datetime.now(UTC), ttl)
        self.store.save_token(tokens.token_hash(token), record)
        return token

    def post(
        self, body: Any, token: str | None, method: str = "POST", raw: bytes | None = None
    ) -> Answer:
        authorization = f"Bearer {token}" if token is not None else None
        data = raw if raw is not None else json.dumps(body).encode()
        return respond(method, authorization, data, lambda: self.store, throttle=self.throttle)


def log_lines(captured: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def memory_world(memory: MemoryStore) -> World:
    """A World over the in-memory store, whose device backend answers through the store."""

    def get(user_id: str, device_id: str) -> dict[str, Any] | None:
        return memory.devices.get(user_id, {}).get(device_id)

    return World(memory, memory.put_device, get, memory.device_commands, memory.backend)
