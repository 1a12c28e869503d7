"""Structured logs: one JSON object per line, the shape Cloud Logging parses.

Request context (intent, requestId, hashed user) is bound once per request and added to every
line. The raw agentUserId and tokens never reach a log line: ``user_ref`` hashes the id.
"""

import contextvars
import hashlib
import json
import sys
from typing import Any

_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("log_context")


def user_ref(agent_user_id: str) -> str:
    """A stable, non-reversible reference to a user for log lines."""
    return "u_" + hashlib.sha256(agent_user_id.encode()).hexdigest()[:16]


def bind(**fields: Any) -> None:
    """Add fields to every later log line of this request."""
    _context.set({**_context.get({}), **fields})


def reset() -> None:
    """Forget the request context (called at the start of each request)."""
    _context.set({})


def log(severity: str, message: str, **fields: Any) -> None:
    """Write one JSON log line with ``severity``, ``message``, the request context and fields."""
    entry = {"severity": severity, "message": message, **_context.get({}), **fields}
    print(json.dumps(entry, default=str, separators=(",", ":")), file=sys.stdout, flush=True)


def info(message: str, **fields: Any) -> None:
    log("INFO", message, **fields)


def warning(message: str, **fields: Any) -> None:
    log("WARNING", message, **fields)


def error(message: str, **fields: Any) -> None:
    log("ERROR", message, **fields)
