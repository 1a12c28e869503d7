"""The operator's support command: answer one user's "Google shows the wrong state".

    python -m ops.support show USER_ID      Firestore against Home Graph, device by device; link
                                            state, last Request Sync, reports owed, recent commands
    python -m ops.support sync USER_ID      force a Request Sync (Google then SYNCs and QUERYs)
    python -m ops.support bundle USER_ID    a redacted diagnostics bundle (JSON) for a ticket

On Google Cloud it runs with the operator's own Application Default Credentials
(``gcloud auth application-default login``; Home Graph answers only the integration's service
accounts, so impersonate on_device_change's: ``--impersonate-service-account``, see
docs/operations.md) and ``--project``; ``--local`` uses the running local stack (``make support``).
Nothing here writes to Firestore; ``sync`` makes one Home Graph call.
"""

import argparse
import json
import os
import sys
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from functions.core import logs
from functions.core.errors import InvalidDevice
from functions.core.paths import COMMANDS, DEVICES, USERS
from functions.devices.model import reportable_states
from functions.on_device_change.accuracy import differing
from functions.on_device_change.client import GoogleHomeGraph, HomeGraph, HomeGraphError
from functions.on_device_change.ledger import OWED, user_record

RECENT_COMMANDS = 5
"""Command records shown per device, newest first."""
SECRET_FIELDS = frozenset({"followUpToken", "challenge", "scrypt", "hash", "salt"})
"""Fields a bundle never carries, wherever they sit."""


def gather(client: Any, homegraph: HomeGraph, user_id: str) -> dict[str, Any]:
    """Everything the product knows about one user, and what Google holds (read-only)."""
    user_ref = client.collection(USERS).document(user_id)
    user = user_ref.get().to_dict() or {}
    record = user_record(user)
    devices: dict[str, Any] = {}
    for snap in user_ref.collection(DEVICES).stream():
        document = snap.to_dict() or {}
        try:
            expected = reportable_states(snap.id, document)
            problem = None
        except InvalidDevice as invalid:
            expected, problem = None, str(invalid)
        commands = (
            snap.reference.collection(COMMANDS)
            .order_by("issuedAt", direction="DESCENDING")
            .limit(RECENT_COMMANDS)
            .stream()
        )
        devices[snap.id] = {
            "type": document.get("type"),
            "updated": snap.update_time.isoformat(),
            "firestore": expected,
            "invalid": problem,
            "commands": [{"id": c.id, **_command(c.to_dict() or {})} for c in commands],
        }
    held: dict[str, Any] = {}
    google_error = None
    if record.linked_at is not None and devices:
        try:
            held = homegraph.query(user_id, str(uuid.uuid4()), sorted(devices))
        except HomeGraphError as error:
            google_error = str(error)
    for device_id, device in devices.items():
        device["google"] = held.get(device_id)
        expected = device["firestore"]
        device["differs"] = differing(expected, held.get(device_id) or {}) if expected else []
    owed = {
        snap.id: (snap.to_dict() or {}).get("since") for snap in user_ref.collection(OWED).stream()
    }
    return {
        "user": user_id,
        "linked": record.linked_at is not None,
        "linkedAt": _when(user.get("linkedAt")),
        "unlinkedAt": _when(user.get("unlinkedAt")),
        "lastRequestSync": _nanos_when(record.sync_sent_at),
        "reportedThrough": _nanos_when(record.reported_through),
        "reportsOwed": {device: _nanos_when(since) for device, since in owed.items()},
        "homegraphError": google_error,
        "devices": devices,
    }


def _command(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "issuedAt": _when(record.get("issuedAt")),
        "mode": record.get("mode"),
        "commands": [e.get("command") for e in record.get("executions") or []],
        "answer": record.get("answer"),
        "outcome": record.get("outcome"),
        "announced": bool((record.get("announce") or {}).get("doneAt")),
    }


def _when(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def _nanos_when(value: Any) -> str | None:
    if not isinstance(value, int) or value <= 0:
        return None
    return datetime.fromtimestamp(value / 1e9, UTC).isoformat()


def render(found: Mapping[str, Any]) -> str:
    """The report as text."""
    lines = [
        f"user {found['user']}: {'linked' if found['linked'] else 'NOT linked'}"
        f" (linked {found['linkedAt'] or '-'}, unlinked {found['unlinkedAt'] or '-'})",
        f"last Request Sync {found['lastRequestSync'] or 'never'}; "
        f"reported through {found['reportedThrough'] or '-'}; "
        f"reports owed {found['reportsOwed'] or 'none'}",
    ]
    if found["homegraphError"]:
        lines.append(f"Home Graph query failed: {found['homegraphError']}")
    for device_id, device in sorted(found["devices"].items()):
        mark = "OK  " if not device["differs"] else "DIFF"
        if device["invalid"]:
            mark = "BAD "
        elif device["firestore"] is None:
            mark = "--  "
        lines.append(f"{mark} {device_id} ({device['type']}, updated {device['updated']})")
        if device["invalid"]:
            lines.append(f"       invalid document: {device['invalid']}")
        if device["differs"]:
            for key in device["differs"]:
                wanted = (device["firestore"] or {}).get(key)
                held = (device["google"] or {}).get(key)
                lines.append(f"       {key}: Firestore {wanted!r}, Google {held!r}")
        for command in device["commands"]:
            lines.append(
                f"       command {command['id']} {command['issuedAt']} {command['commands']} "
                f"answer={command['answer']} outcome={command['outcome']}"
            )
    return "\n".join(lines)


def redact(found: Mapping[str, Any]) -> dict[str, Any]:
    """A bundle for a support ticket: the user id hashed as in the logs, no token, no secret, no
    follow-up token, customData values withheld."""
    bundle: dict[str, Any] = json.loads(json.dumps(found, default=str))
    bundle["user"] = logs.user_ref(found["user"])
    scrubbed: dict[str, Any] = _scrub(bundle)
    return scrubbed


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: ("<withheld>" if key == "customData" else _scrub(item))
            for key, item in value.items()
            if key not in SECRET_FIELDS
        }
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ops.support", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("action", choices=["show", "sync", "bundle"])
    parser.add_argument("user_id")
    parser.add_argument("--project", default=os.environ.get("GOOGLE_CLOUD_PROJECT", ""))
    parser.add_argument("--database", default="(default)")
    parser.add_argument("--homegraph-endpoint", default="", help="a local Home Graph (tests)")
    parser.add_argument("--local", action="store_true", help="the running local stack")
    parser.add_argument("--out", default="", help="bundle: where to write (default: stdout)")
    args = parser.parse_args(argv)
    if args.local:
        from devstack.local import PROJECT, firestore_host, running_stack

        stack = running_stack() or {}
        os.environ["FIRESTORE_EMULATOR_HOST"] = firestore_host()
        args.project, args.homegraph_endpoint = PROJECT, str(stack.get("homegraph", ""))
        if not args.homegraph_endpoint:
            print("no local stack is running: start it with `make run`", file=sys.stderr)
            return 1
    if not args.project or not args.user_id or "/" in args.user_id:
        print("usage: python -m ops.support show|sync|bundle USER_ID --project P", file=sys.stderr)
        return 2
    from google.cloud import firestore

    client = firestore.Client(project=args.project, database=args.database)
    homegraph = GoogleHomeGraph.connect(args.homegraph_endpoint)
    if args.action == "sync":
        try:
            homegraph.request_sync(args.user_id)
        except HomeGraphError as error:
            print(f"Request Sync failed: {error}", file=sys.stderr)
            return 1
        print(f"Request Sync sent for {args.user_id}: Google will SYNC the user's devices")
        return 0
    found = gather(client, homegraph, args.user_id)
    if args.action == "show":
        print(render(found))
        return 0
    text = json.dumps(redact(found), indent=1, sort_keys=True)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        print(f"bundle written to {args.out}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
