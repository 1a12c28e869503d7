"""The floor the fulfillment is measured against: a bare functions-framework app that does only
the Firestore work an answer needs, with the same client library, and nothing else (no token
check, no validation, no traits).

- QUERY: one batched read of the token and the devices.
- EXECUTE: one batched read, then one commit guarded by each device's update time that also
  creates each device's command record (what the product must write for its device backends).
- SYNC: one token read and one query of the user's devices.
"""

import functools
import json
import os
import uuid
from typing import TYPE_CHECKING, Any

import functions_framework

if TYPE_CHECKING:
    from flask import Request
    from google.cloud import firestore


@functools.cache
def client() -> "firestore.Client":
    from google.cloud import firestore

    return firestore.Client(project=os.environ["GOOGLE_CLOUD_PROJECT"])


def _refs(user_id: str, token_hash: str, ids: list[str]) -> list[Any]:
    users = client().collection("users").document(user_id).collection("devices")
    return [client().collection("tokens").document(token_hash), *(users.document(i) for i in ids)]


def _query(body: dict[str, Any], user_id: str, token_hash: str) -> dict[str, Any]:
    ids = [d["id"] for d in body["inputs"][0]["payload"]["devices"]]
    snaps = {s.reference.path: s for s in client().get_all(_refs(user_id, token_hash, ids))}
    devices = {}
    for ref in _refs(user_id, token_hash, ids)[1:]:
        document = snaps[ref.path].to_dict() or {}
        devices[ref.id] = {"status": "SUCCESS", **document.get("states", {})}
    return {"devices": devices}


def _execute(body: dict[str, Any], user_id: str, token_hash: str) -> dict[str, Any]:
    from google.cloud import firestore

    command = body["inputs"][0]["payload"]["commands"][0]
    ids = [d["id"] for d in command["devices"]]
    on = command["execution"][0]["params"]["on"]
    refs = _refs(user_id, token_hash, ids)
    snaps = {s.reference.path: s for s in client().get_all(refs)}
    batch = client().batch()
    for ref in refs[1:]:
        guard = firestore.LastUpdateOption(snaps[ref.path].update_time)
        batch.update(ref, {"states.on": on}, option=guard)
        record = {"requestId": body["requestId"], "executions": [command], "outcome": None}
        batch.create(ref.collection("commands").document(uuid.uuid4().hex), record)
    batch.commit()
    return {"commands": [{"ids": ids, "status": "SUCCESS", "states": {"on": on}}]}


def _sync(_body: dict[str, Any], user_id: str, token_hash: str) -> dict[str, Any]:
    refs = _refs(user_id, token_hash, [])
    refs[0].get()
    devices = client().collection("users").document(user_id).collection("devices").stream()
    return {
        "agentUserId": user_id,
        "devices": [{"id": s.id, **(s.to_dict() or {})} for s in devices],
    }


INTENTS = {"action.devices.QUERY": _query, "action.devices.EXECUTE": _execute}


@functions_framework.http
def floor(request: "Request") -> tuple[str, int, dict[str, str]]:
    """Answer an intent with only its Firestore work; the bench passes the user id and token hash
    in headers so the floor skips every check the product makes."""
    body = json.loads(request.get_data())
    intent = body["inputs"][0]["intent"]
    user_id, token_hash = request.headers["X-Bench-User"], request.headers["X-Bench-Token-Hash"]
    payload = INTENTS.get(intent, _sync)(body, user_id, token_hash)
    answer = {"requestId": body["requestId"], "payload": payload}
    return json.dumps(answer, default=str), 200, {"Content-Type": "application/json"}
