"""One physical device's reconciliation state and its guarded writes.

The rules are pure (bridge/reconcile.py); this module remembers, per device document, what
Firestore last wanted (the watch), what the device last said (reads and confirmed commands) and what
both last agreed, and writes the device's values to Firestore only if the document has not moved
on since it was read.
"""

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bridge.contract import states_of
from bridge.logs import log
from bridge.reconcile import online_patch, plan
from bridge.store import HomeStore, Snapshot

ATTEMPTS = 3
"""Guarded writes tried per reconciliation before giving up until the next read."""


class Reconciler:
    """``notify`` (the watch), ``learned`` (a confirmed command), ``heard`` (a read)."""

    def __init__(  # noqa: PLR0917 - the reconciliation's collaborators
        self,
        store: HomeStore,
        device_ids: Iterable[str],
        commandable: Callable[[str], frozenset[str]],
        pending: Callable[[str], bool],
        clock: Callable[[], float],
        command_grace: float,
    ) -> None:
        self.store = store
        self.commandable = commandable
        self.pending = pending
        self.clock = clock
        self.command_grace = command_grace
        self.agreed: dict[str, dict[str, Any]] = {d: {} for d in device_ids}
        self.said: dict[str, dict[str, Any]] = {}
        self.wanted: dict[str, Snapshot] = {}
        self._awaiting_since: dict[tuple[str, str], tuple[Any, float]] = {}
        self._lock = threading.Lock()

    def notify(self, snapshot: Snapshot) -> None:
        """A device document changed (the watch): remember it for the next reconciliation."""
        with self._lock:
            self.wanted[snapshot.device_id] = snapshot

    def learned(self, device_id: str, values: Mapping[str, Any]) -> None:
        """The device confirmed ``values`` by a read; the outcome's batch writes them."""
        self.said.setdefault(device_id, {}).update(values)
        self.agreed[device_id].update(values)

    def heard(self, device_id: str, said: Mapping[str, Any]) -> None:
        """A read of the device said ``said`` of ``device_id``: bring Firestore into step."""
        self.said[device_id] = dict(said)
        self.reconcile(device_id)

    def reconcile(self, device_id: str) -> None:
        """Write what the device said where Firestore differs, unless a command is on its way."""
        for _ in range(ATTEMPTS):
            snapshot = self.wanted.get(device_id) or self.store.read(device_id)
            if snapshot.document is None:
                return  # the owner deleted it: the bridge does not bring it back while running
            wanted = states_of(snapshot.document)
            said = self.said[device_id]
            agreed = self.agreed[device_id]
            agreed.update({k: v for k, v in said.items() if wanted.get(k) == v})
            steps = plan(wanted, said, agreed, self.commandable(device_id))
            to_store = {
                **steps.to_store,
                **self._no_command_coming(device_id, wanted, steps.awaiting),
            }
            patch = {**to_store, **online_patch(wanted, True)}
            if not patch:
                return
            if self.store.update_states(device_id, patch, version=snapshot.version):
                agreed.update(to_store)
                log(logging.INFO, "reported", device=device_id, states=patch)
                return
            # A newer write (EXECUTE) came first: read it and decide again.
            with self._lock:
                self.wanted.pop(device_id, None)
        log(logging.WARNING, "reconcile_gave_up", device=device_id)

    def _no_command_coming(
        self, device_id: str, wanted: Mapping[str, Any], awaiting: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The awaiting keys whose command is not coming: ``states`` changed on Firestore's side,
        no record for the device is queued, and ``command_grace`` has passed since the bridge
        first saw the change. The device's values win for those; the others wait."""
        now = self.clock()
        for stale in [
            k for k in self._awaiting_since if k[0] == device_id and k[1] not in awaiting
        ]:
            del self._awaiting_since[stale]
        if not awaiting or self.pending(device_id):
            return {}
        overdue = {}
        for key, value in awaiting.items():
            seen_value, since = self._awaiting_since.get((device_id, key), (None, now))
            if seen_value != wanted.get(key):
                since = now
            self._awaiting_since[(device_id, key)] = (wanted.get(key), since)
            if now - since >= self.command_grace:
                overdue[key] = value
        if overdue:
            log(logging.WARNING, "state_without_command", device=device_id, states=overdue)
        return overdue
