"""JSON logs, one object a line; a field whose name mentions a token or secret is never printed."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

SECRET_WORDS = ("token", "secret", "password", "authorization")
LOGGER = logging.getLogger("bridge")


def redact(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with every secret-looking key's value replaced."""
    return {
        key: "[redacted]" if any(word in key.lower() for word in SECRET_WORDS) else value
        for key, value in fields.items()
    }


class JsonFormatter(logging.Formatter):
    """``{"time", "severity", "event", ...fields}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "severity": record.levelname,
            "event": record.getMessage(),
            **redact(getattr(record, "fields", {})),
        }
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = repr(record.exc_info[1])
        return json.dumps(entry, default=str)


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
