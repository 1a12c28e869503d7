"""A World over the Firestore emulator whose device backend is a real Firestore listener."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from google.cloud.firestore_v1.field_path import FieldPath

from functions.core.paths import COMMANDS
from functions.fulfillment.firestore_store import FirestoreStore
from tests.support.world import Reaction, World


def firestore_world(store: FirestoreStore) -> World:
    def put(user_id: str, device_id: str, document: dict[str, Any]) -> None:
        store.device(user_id, device_id).set(document)

    def get(user_id: str, device_id: str) -> dict[str, Any] | None:
        return store.device(user_id, device_id).get().to_dict()

    def commands(user_id: str, device_id: str) -> dict[str, dict[str, Any]]:
        records = store.device(user_id, device_id).collection(COMMANDS).stream()
        return {snap.id: snap.to_dict() or {} for snap in records}

    @contextmanager
    def backend(user_id: str, device_id: str, react: Reaction, delay: float) -> Iterator[None]:
        """Listens to the device's command records, as a maker's backend would, and records
        its states and the outcome in one batch."""
        device = store.device(user_id, device_id)
        timers: list[threading.Timer] = []

        def answer(ref: Any, outcome: dict[str, Any], states: dict[str, Any]) -> None:
            batch = store.client.batch()
            if states:
                paths = {FieldPath("states", k).to_api_repr(): v for k, v in states.items()}
                batch.update(device, paths)
            batch.update(ref, {"outcome": outcome})
            batch.commit()

        ready = threading.Event()

        def on_snapshot(_snaps: list[Any], changes: list[Any], _read_time: Any) -> None:
            ready.set()
            for change in changes:
                record = change.document.to_dict() or {}
                if change.type.name != "ADDED" or record.get("outcome") is not None:
                    continue
                reaction = react(record)
                if reaction is not None:
                    timer = threading.Timer(delay, answer, (change.document.reference, *reaction))
                    timers.append(timer)
                    timer.start()

        watch = device.collection(COMMANDS).on_snapshot(on_snapshot)
        # A record written before the listener's first snapshot can be missed on the emulator.
        assert ready.wait(10), "the backend's listener never started"
        try:
            yield
        finally:
            watch.unsubscribe()
            for timer in timers:
                timer.join()

    return World(store, put, get, commands, backend)
