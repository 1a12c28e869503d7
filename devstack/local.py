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
    """FIRESTORE_EMULATOR_HOST if set, else firebase.json's Firestore emulator address."""
    host, port = emulator_address("firestore")
    return os.environ.get("FIRESTORE_EMULATOR_HOST", f"{host}:{port}")
