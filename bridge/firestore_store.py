"""The HomeStore on Firestore, signed in as the bridge's home-limited user (credential.py).

google-cloud-firestore takes the bridge's credentials as any google-auth credentials: in
production its gRPC channel sends the Firebase ID token as the bearer, so security rules apply.
The emulator client always sends ``Bearer owner`` (rules bypassed); ``HomeClient`` sends the ID
token there too, so the local stack and the tests run under the same rules as production.
"""

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1 import _helpers
from google.cloud.firestore_v1.field_path import FieldPath

from bridge.contract import COMMANDS, OWNER, SIDE_COLLECTION, check_document, check_fields
from bridge.credential import BridgeAccount, BridgeCredentials
from bridge.store import CommandListener, CommandRecord, Listener, Snapshot, issue_order


class HomeClient(firestore.Client):
    """A Firestore client whose every call carries the bridge user's ID token."""

    def __init__(self, credentials: BridgeCredentials, project: str) -> None:
        super().__init__(project=project, credentials=credentials)
        self.bridge_credentials = credentials

    @property
    def _rpc_metadata(self) -> list[tuple[str, str]]:
        metadata: list[tuple[str, str]] = list(_helpers.metadata_with_prefix(self._database_string))
        if os.environ.get("FIRESTORE_EMULATOR_HOST"):
            metadata.append(("authorization", f"Bearer {self.bridge_credentials.id_token}"))
        return metadata


class FirestoreHomeStore:
    """``users/{home}/devices/*`` and ``users/{home}/lan/*`` through a Firestore client, as the
    bridge ``owner`` (its Firebase uid: firestore.rules let it reach only the devices it owns)."""

    def __init__(self, client: firestore.Client, home: str, owner: str) -> None:
        self.client = client
        self.home = home
        self.owner = owner
        self._user = client.collection("users").document(home)

    @classmethod
    def connect(cls, account: BridgeAccount) -> "FirestoreHomeStore":
        credentials = BridgeCredentials(account)
        client = HomeClient(credentials, account.project)
        return cls(client, account.home, credentials.uid)

    def _device(self, device_id: str) -> Any:
        return self._user.collection("devices").document(device_id)

    def read(self, device_id: str) -> Snapshot:
        snapshot = self._device(device_id).get()
        if not snapshot.exists:
            return Snapshot(device_id, None, None)
        return Snapshot(device_id, snapshot.to_dict(), snapshot.update_time)

    def create(self, device_id: str, document: Mapping[str, Any]) -> bool:
        check_document(document)
        try:
            self._device(device_id).create({**document, OWNER: self.owner})
        except exceptions.Conflict:
            return False
        return True

    def owned(self, device_id: str) -> bool:
        try:
            snapshot = self._device(device_id).get()
        except exceptions.PermissionDenied:
            return False  # another backend's
        return bool(snapshot.exists and (snapshot.to_dict() or {}).get(OWNER) == self.owner)

    def update_states(
        self, device_id: str, states: Mapping[str, Any], *, version: Any = None
    ) -> bool:
        updates = {f"states.{key}": value for key, value in states.items()}
        option = self.client.write_option(last_update_time=version) if version else None
        try:
            if option is None:
                self._device(device_id).update(updates)
            else:
                self._device(device_id).update(updates, option=option)
        except (exceptions.FailedPrecondition, exceptions.NotFound):
            return False
        except exceptions.PermissionDenied as refused:
            return self._gone_or_raise(device_id, refused)
        return True

    def _gone_or_raise(self, device_id: str, refused: Exception) -> bool:
        """After a refused update: False when the document is gone (the rules refuse an update
        of a missing document before Firestore can say NotFound); re-raise when it is another
        backend's."""
        if self._device(device_id).get().exists:
            raise refused
        return False

    def write_side(self, name: str, data: Mapping[str, Any]) -> None:
        self._user.collection(SIDE_COLLECTION).document(name).set(dict(data))

    def set_fields(self, device_id: str, fields: Mapping[str, Any]) -> bool:
        check_fields(fields)
        try:
            self._device(device_id).update(dict(fields))
        except exceptions.NotFound:
            return False
        except exceptions.PermissionDenied as refused:
            return self._gone_or_raise(device_id, refused)
        return True

    def watch(self, listener: Listener) -> Callable[[], None]:
        def on_snapshot(_docs: Any, changes: Any, _read_time: Any) -> None:
            for change in changes:
                document = change.document
                if change.type.name == "REMOVED":
                    listener(Snapshot(document.id, None, None))
                else:
                    listener(Snapshot(document.id, document.to_dict(), document.update_time))

        mine = self._user.collection("devices").where(
            filter=firestore.FieldFilter(OWNER, "==", self.owner)
        )
        watch = mine.on_snapshot(on_snapshot)
        return watch.unsubscribe  # type: ignore[no-any-return]

    def watch_commands(
        self, device_ids: Iterable[str], listener: CommandListener, timeout: float = 30.0
    ) -> Callable[[], None]:
        """One listener per device on ``commands`` where ``outcome == null`` (the rules let the
        bridge list its home's records; no collection-group index is needed)."""
        devices = list(device_ids)
        ready: set[str] = set()
        started = threading.Condition()

        def on_snapshot_of(device_id: str) -> Callable[[Any, Any, Any], None]:
            def on_snapshot(_docs: Any, changes: Any, _read_time: Any) -> None:
                with started:
                    ready.add(device_id)
                    started.notify_all()
                arrived = [
                    (change.document.id, change.document.to_dict() or {})
                    for change in changes
                    if change.type.name != "REMOVED"  # answered (by us or the expiry), or deleted
                ]
                # A snapshot lists documents by id (random); act in the order Google gave them.
                for command_id, data in sorted(arrived, key=lambda item: issue_order(item[1])):
                    if data.get("outcome") is None:
                        listener(CommandRecord.parse(device_id, command_id, data))

            return on_snapshot

        watches = [
            self._device(device_id)
            .collection(COMMANDS)
            .where(filter=firestore.FieldFilter("outcome", "==", None))
            .on_snapshot(on_snapshot_of(device_id))
            for device_id in devices
        ]

        def stop() -> None:
            for watch in watches:
                watch.unsubscribe()

        with started:
            listening = started.wait_for(lambda: ready >= set(devices), timeout)
        if not listening:
            stop()
            raise TimeoutError(f"command listeners not started within {timeout} s")
        return stop

    def record_outcome(
        self,
        device_id: str,
        command_id: str,
        outcome: Mapping[str, Any],
        states: Mapping[str, Any],
    ) -> bool:
        """One batch; firestore.rules accept the record's update only while its ``outcome`` is
        null, so an outcome the product recorded first (expiry) is never overwritten: the whole
        batch is refused, states included."""
        record = self._device(device_id).collection(COMMANDS).document(command_id)
        batch = self.client.batch()
        if states:
            batch.update(
                self._device(device_id),
                {FieldPath("states", key).to_api_repr(): value for key, value in states.items()},
            )
        batch.update(record, {"outcome": dict(outcome)})
        try:
            batch.commit()
        except exceptions.NotFound:
            return False
        except exceptions.PermissionDenied:
            snapshot = record.get()
            if snapshot.exists and (snapshot.to_dict() or {}).get("outcome") is None:
                raise
            return False
        return True
