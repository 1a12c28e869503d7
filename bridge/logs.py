"""JSON logs, one object a line. Never a secret: a field whose name mentions a token or secret is
replaced, and so is every occurrence of a registered secret value (a local token, the bridge's
ID and refresh tokens) in any field, however an exception quoted it."""

import json
import logging
import sys
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

SECRET_WORDS = ("token", "secret", "password", "authorization")
REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 8
"""Shorter values are not registered: redacting them would garble ordinary text."""
MAX_SECRETS = 1000
"""The newest registered secrets kept (tokens rotate about daily)."""
LOGGER = logging.getLogger("bridge")
_secrets: "OrderedDict[str, None]" = OrderedDict()
_secrets_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Redact ``value`` (and each of its whitespace-separated parts) wherever it is logged."""
    with _secrets_lock:
        for part in {value, *value.split()}:
            if len(part) >= MIN_SECRET_LENGTH:
                _secrets[part] = None
                _secrets.move_to_end(part)
        while len(_secrets) > MAX_SECRETS:
            _secrets.popitem(last=False)


def _scrub(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(item, secrets) for item in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return _scrub(str(value), secrets)  # what json.dumps(default=str) would print


def redact(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with every secret-looking key's value and every registered secret replaced."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    return {
        key: REDACTED
        if any(word in key.lower() for word in SECRET_WORDS)
        else _scrub(value, secrets)
        for key, value in fields.items()
    }


class JsonFormatter(logging.Formatter):
    """``{"time", "severity", "event", ...fields}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "severity": record.levelname,
            "event": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = repr(record.exc_info[1])
        return json.dumps(redact(entry))


def log(level: int, event: str, **fields: Any) -> None:
    """Log ``event`` with structured ``fields`` on the ``bridge`` logger."""
    LOGGER.log(level, event, extra={"fields": fields})


def setup(level: int = logging.INFO) -> None:
    """JSON lines on stderr for the ``bridge`` logger."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    LOGGER.handlers[:] = [handler]
    LOGGER.setLevel(level)
    LOGGER.propagate = False
