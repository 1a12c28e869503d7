"""Firestore as device backends and the fulfillment leave it, over either ledger adapter, and the
Pub/Sub messages on_device_written would publish for it: what the on_device_change tests drive."""

import base64
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from google.cloud import firestore

from functions.core.config import Config
from functions.core.paths import USERS, device_path
from functions.core.units import SECOND
from functions.on_device_change.context import Pipeline
from functions.on_device_change.firestore_ledger import FirestoreLedger
from functions.on_device_change.ledger import Ledger
from functions.on_device_change.memory_ledger import MemoryLedger
from tests.support.fakes import ScriptedHomeGraph


class Clock:
    """A clock the pipeline sleeps on: sleeping moves it forward at once."""

    def __init__(self) -> None:
        self.now = time.time_ns()
        self.slept: list[float] = []

    def __call__(self) -> int:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += int(seconds * SECOND)


class Home(Protocol):
    """Firestore's documents, written as a device backend or the fulfillment writes them."""

    ledger: Ledger

    def link(self, user_id: str, at: datetime | None = None) -> None: ...

    def unlink(self, user_id: str) -> None: ...

    def write(self, user_id: str, device_id: str, document: dict[str, Any]) -> int:
        """Write a device document; its version (update time, ns)."""
        ...

    def delete(self, user_id: str, device_id: str) -> None: ...

    def put(self, path: str, data: dict[str, Any]) -> None: ...

    def get(self, path: str) -> dict[str, Any] | None: ...


class MemoryHome:
    def __init__(self, clock: Clock) -> None:
        self.memory = MemoryLedger(clock)
        self.ledger: Ledger = self.memory

    def link(self, user_id: str, at: datetime | None = None) -> None:
        self.memory.link(user_id, at or datetime.now(UTC))

    def unlink(self, user_id: str) -> None:
        self.memory.documents[f"{USERS}/{user_id}"]["linked"] = False

    def write(self, user_id: str, device_id: str, document: dict[str, Any]) -> int:
        return self.memory.put(device_path(user_id, device_id), document)

    def delete(self, user_id: str, device_id: str) -> None:
        self.memory.delete(device_path(user_id, device_id))

    def put(self, path: str, data: dict[str, Any]) -> None:
        self.memory.put(path, data)

    def get(self, path: str) -> dict[str, Any] | None:
        found = self.memory.documents.get(path)
        return dict(found) if found is not None else None


class FirestoreHome:
    def __init__(self, client: firestore.Client) -> None:
        self.client = client
        self.ledger: Ledger = FirestoreLedger(client)

    def link(self, user_id: str, at: datetime | None = None) -> None:
        self.client.document(f"{USERS}/{user_id}").set(
            {"linked": True, "linkedAt": at or datetime.now(UTC)}, merge=True
        )

    def unlink(self, user_id: str) -> None:
        self.client.document(f"{USERS}/{user_id}").set({"linked": False}, merge=True)

    def write(self, user_id: str, device_id: str, document: dict[str, Any]) -> int:
        result = self.client.document(device_path(user_id, device_id)).set(document)
        stamp = result.update_time
        return int(stamp.timestamp()) * SECOND + stamp.nanosecond

    def delete(self, user_id: str, device_id: str) -> None:
        self.client.document(device_path(user_id, device_id)).delete()

    def put(self, path: str, data: dict[str, Any]) -> None:
        self.client.document(path).set(data)

    def get(self, path: str) -> dict[str, Any] | None:
        return self.client.document(path).get().to_dict()


def pipeline(home: Home, google: ScriptedHomeGraph, clock: Clock, **settings: Any) -> Pipeline:
    """on_device_change over the home's ledger, the scripted Home Graph and the clock."""
    config = Config(
        project_id="p",
        **{
            "request_sync_min_interval_seconds": 10,
            "new_user_grace_seconds": 60,
            "homegraph_retry_seconds": 30,
            **settings,
        },
    )
    return Pipeline(home.ledger, lambda: google, config, clock, clock.sleep)


def message(data: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A Pub/Sub push message carrying ``data``."""
    return {
        "data": base64.b64encode(json.dumps(data).encode()).decode(),
        "messageId": uuid.uuid4().hex,
        "publishTime": datetime.now(UTC).isoformat(),
        **fields,
    }


def sync(user: str, changed_at: int) -> dict[str, Any]:
    return message({"kind": "sync", "agentUserId": user, "deviceId": "d", "changedAt": changed_at})


def state(user: str, device: str, version: int, states: dict[str, Any]) -> dict[str, Any]:
    """The state message of a write at ``version`` that left ``states`` (reportable)."""
    data = {
        "kind": "state",
        "agentUserId": user,
        "deviceId": device,
        "version": version,
        "states": states,
    }
    return message(data)


def scheduled(kind: str) -> dict[str, Any]:
    """A Cloud Scheduler message (the sweep, the accuracy check)."""
    return {"messageId": uuid.uuid4().hex, "attributes": {"kind": kind}, "data": ""}


def outlet(on: bool, online: bool = True) -> dict[str, Any]:
    """An outlet's device document (OnOff only, reporting state)."""
    return {
        "type": "action.devices.types.OUTLET",
        "traits": ["action.devices.traits.OnOff"],
        "name": {"name": "Outlet"},
        "willReportState": True,
        "states": {"online": online, "on": on},
    }


def reportable(on: bool, online: bool = True) -> dict[str, Any]:
    """What Report State sends for ``outlet(on, online)``."""
    return {"on": on, "online": online}
