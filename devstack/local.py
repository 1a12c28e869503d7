"""The local stack's fixed addresses and project, read from firebase.json."""

import json
import os
from pathlib import Path

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
    if STATE_FILE.exists():
        return str(json.loads(STATE_FILE.read_text())["firestore"])
    if os.environ.get("FIRESTORE_EMULATOR_HOST"):
        return os.environ["FIRESTORE_EMULATOR_HOST"]
    host, port = emulator_address("firestore")
    return f"{host}:{port}"


STATE_FILE = ROOT / ".devstack" / "stack.json"
"""Where the running local stack notes its Home Graph URL for ``make demo``."""
