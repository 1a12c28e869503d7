"""The Firestore adapter of ``Store``: the only module that imports google.cloud.firestore.

Layout: ``users/{agentUserId}`` (linked flag), ``users/{agentUserId}/devices/{deviceId}``
(device documents, written by device backends), ``tokens/{sha256(token)}`` (token records).
"""

import random
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath

from functions.repository import Document, Snapshot, StatePatches

T = TypeVar("T")
USERS = "users"
DEVICES = "devices"
TOKENS = "tokens"
COMMIT_ATTEMPTS = 12
BATCH_LIMIT = 500


class ConflictError(RuntimeError):
    """Concurrent writers kept changing the devices an EXECUTE planned to change."""


class FirestoreStore:
    """Store on Cloud Firestore (or its emulator, when FIRESTORE_EMULATOR_HOST is set)."""

    def __init__(self, client: firestore.Client) -> None:
        self.client = client

    @classmethod
    def connect(cls, project: str, database: str = "(default)") -> "FirestoreStore":
        return cls(firestore.Client(project=project, database=database))

    def user(self, user_id: str) -> firestore.DocumentReference:
        ref: firestore.DocumentReference = self.client.collection(USERS).document(user_id)
        return ref

    def device(self, user_id: str, device_id: str) -> firestore.DocumentReference:
        ref: firestore.DocumentReference = (
            self.user(user_id).collection(DEVICES).document(device_id)
        )
        return ref

    def token(self, token_hash: str) -> firestore.DocumentReference:
        return self.client.collection(TOKENS).document(token_hash)

    def read(self, token_hash: str, user_id: str, device_ids: Sequence[str]) -> Snapshot:
        return self._read(token_hash, user_id, device_ids)[0]

    def _read(
        self, token_hash: str, user_id: str, device_ids: Sequence[str]
    ) -> tuple[Snapshot, dict[str, Any]]:
        """The snapshot, and each existing device's update time (its version)."""
        token_ref = self.token(token_hash)
        refs = {device_id: self.device(user_id, device_id) for device_id in device_ids}
        found = {
            snap.reference.path: snap for snap in self.client.get_all([token_ref, *refs.values()])
        }
        token = found.get(token_ref.path)
        devices = {device_id: found.get(ref.path) for device_id, ref in refs.items()}
        snapshot = Snapshot(
            token=token.to_dict() if token and token.exists else None,
            devices={
                i: snap.to_dict() if snap and snap.exists else None for i, snap in devices.items()
            },
        )
        versions = {i: snap.update_time for i, snap in devices.items() if snap and snap.exists}
        return snapshot, versions

    def list_devices(self, user_id: str) -> dict[str, Document]:
        devices = self.user(user_id).collection(DEVICES)
        return {snap.id: snap.to_dict() or {} for snap in devices.stream()}

    def update_states(
        self,
        token_hash: str,
        user_id: str,
        device_ids: Sequence[str],
        plan: Callable[[Snapshot], tuple[StatePatches, T]],
    ) -> T:
        """An optimistic transaction: read, plan, then one atomic commit that holds only if
        no planned device changed since the read; on a conflict, read and plan again.

        Firestore's locking transactions deadlock when several read-modify-writes of one
        document overlap (each holds a read lock the others' commits wait for); preconditions
        on the update time give the same guarantee without locks.
        """
        for attempt in range(COMMIT_ATTEMPTS):
            snapshot, versions = self._read(token_hash, user_id, device_ids)
            patches, result = plan(snapshot)
            if not patches:
                return result
            batch = self.client.batch()
            for device_id, patch in patches.items():
                fields = {
                    FieldPath("states", key).to_api_repr(): value for key, value in patch.items()
                }
                unchanged = self.client.write_option(last_update_time=versions[device_id])
                batch.update(self.device(user_id, device_id), fields, option=unchanged)
            try:
                batch.commit()
                return result
            except (exceptions.FailedPrecondition, exceptions.Aborted, exceptions.NotFound):
                time.sleep(random.uniform(0, min(1.0, 0.01 * 2**attempt)))
        raise ConflictError(f"devices kept changing during {COMMIT_ATTEMPTS} attempts")

    def set_linked(self, user_id: str, linked: bool) -> None:
        changed_at = "linkedAt" if linked else "unlinkedAt"
        self.user(user_id).set(
            {"linked": linked, changed_at: firestore.SERVER_TIMESTAMP}, merge=True
        )

    def save_token(self, token_hash: str, record: Document) -> None:
        self.token(token_hash).create(dict(record))

    def revoke_tokens(self, user_id: str) -> int:
        live = (
            self.client.collection(TOKENS)
            .where(filter=firestore.FieldFilter("userId", "==", user_id))
            .where(filter=firestore.FieldFilter("revoked", "==", False))
        )
        revoked = 0
        batch = self.client.batch()
        for snap in live.stream():
            batch.update(snap.reference, {"revoked": True, "revokedAt": firestore.SERVER_TIMESTAMP})
            revoked += 1
            if revoked % BATCH_LIMIT == 0:
                batch.commit()
                batch = self.client.batch()
        batch.commit()
        return revoked
