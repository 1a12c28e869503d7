"""Structured logs: one JSON object per line, the shape Cloud Logging parses.

Request context (intent, requestId, hashed user) is bound once per request and added to every
line. The raw agentUserId and tokens never reach a log line: ``user_ref`` hashes the id, and
``scrub`` takes it out of text the product does not write itself (an exception's message, which
for Firestore holds document paths ``users/{agentUserId}/...``).
"""

import contextvars
import hashlib
import json
import re
import sys
import urllib.parse
from typing import Any

_USER_SEGMENT = re.compile(r"(users/)([^/\s'\"\\]+)")
MAX_SCRUBBED_CHARS = 2000

_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("log_context")


def user_ref(agent_user_id: str) -> str:
    """A stable, non-reversible reference to a user for log lines."""
    return "u_" + hashlib.sha256(agent_user_id.encode()).hexdigest()[:16]


def scrub(text: str, *user_ids: str) -> str:
    """``text`` safe to log: each ``users/<id>`` path segment, and each given user id in any of
    its quoted or escaped forms, replaced by its ``user_ref``; cut to MAX_SCRUBBED_CHARS."""
    text = _USER_SEGMENT.sub(lambda match: match.group(1) + user_ref(match.group(2)), text)
    for user_id in user_ids:
        forms = {
            user_id,
            repr(user_id)[1:-1],
            json.dumps(user_id)[1:-1],
            urllib.parse.quote(user_id, safe="", errors="replace"),
            urllib.parse.quote(user_id, errors="replace"),
        }
        for form in sorted(filter(None, forms), key=len, reverse=True):
            text = text.replace(form, user_ref(user_id))
    return text[:MAX_SCRUBBED_CHARS]


def bind(**fields: Any) -> None:
    """Add fields to every later log line of this request."""
    _context.set({**_context.get({}), **fields})


def bound(name: str) -> Any:
    """A field of the request context, or None."""
    return _context.get({}).get(name)


def unbind(*names: str) -> None:
    """Drop fields from the request context."""
    _context.set({k: v for k, v in _context.get({}).items() if k not in names})


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
