"""The local stack's fixed addresses and project, read from firebase.json."""

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "demo-smarthome"
"""A ``demo-`` project id: the emulators treat it as offline-only."""


def emulator_address(name: str) -> tuple[str, int]:
    """(host, port) of an emulator or the functions server, as firebase.json sets them."""
    config = json.loads((ROOT / "firebase.json").read_text())["emulators"][name]
    return config["host"], int(config["port"])


def firestore_host() -> str:
    """The running local stack's Firestore emulator, else FIRESTORE_EMULATOR_HOST, else
    firebase.json's address."""
    stack = running_stack()
    if stack and "firestore" in stack:
        return str(stack["firestore"])
    if os.environ.get("FIRESTORE_EMULATOR_HOST"):
        return os.environ["FIRESTORE_EMULATOR_HOST"]
    host, port = emulator_address("firestore")
    return f"{host}:{port}"


STATE_FILE = ROOT / ".devstack" / "stack.json"
"""Where the running local stack notes its process id and, once up, its Home Graph URL and
Firestore emulator for ``make demo``."""


def running_stack() -> dict[str, Any] | None:
    """The state of the local stack that is running now, or None (none, or a stale file left by a
    stack that was killed)."""
    try:
        state: dict[str, Any] = json.loads(STATE_FILE.read_text())
        command = Path(f"/proc/{int(state['pid'])}/cmdline").read_bytes()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state if b"devstack.run" in command else None  # not a reused process id


def running_store() -> Any:
    """A FirestoreStore on the running local stack's Firestore emulator, or None (with the reason
    printed) when no emulator answers there."""
    import socket
    import sys

    host = firestore_host()
    address, _, port = host.rpartition(":")
    try:
        socket.create_connection((address, int(port)), timeout=2).close()
    except OSError:
        print(
            f"no Firestore emulator at {host}: start the local stack with `make run`",
            file=sys.stderr,
        )
        return None
    os.environ["FIRESTORE_EMULATOR_HOST"] = host
    from functions.fulfillment.firestore_store import FirestoreStore

    return FirestoreStore.connect(PROJECT)
