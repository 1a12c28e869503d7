"""The bridge's local identity: its hub id and the per-home secret, kept in the state directory
(``local.json``, mode 0600) so a restart keeps both and SYNC's customData does not change.

The secret reaches the Local Home app only through SYNC ``customData``; it is compared in
constant time and never logged (bridge/logs.py redacts any field named like a secret).
"""

import hmac
import json
import os
import secrets
from pathlib import Path

from bridge.local.protocol import Hub

FILE = "local.json"


def load_or_create(state_dir: Path, port: int) -> Hub:
    """The hub kept in ``state_dir``, or a new one (written 0600 before it is used)."""
    path = state_dir / FILE
    try:
        data = json.loads(path.read_text())
        return Hub(str(data["hub"]), port, str(data["secret"]))
    except FileNotFoundError:
        pass
    hub = Hub(f"hub-{secrets.token_hex(6)}", port, secrets.token_urlsafe(32))
    state_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump({"hub": hub.id, "secret": hub.secret}, file)
    return hub


def authorized(header: str | None, secret: str) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer <secret>`` (constant time)."""
    scheme, _, given = (header or "").partition(" ")
    expected = secret.encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected)
