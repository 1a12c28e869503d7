"""The fulfillment HTTP edge: method, bearer token, JSON body in; status and JSON out.

Answers: 405 for a method other than POST; 401 with ``WWW-Authenticate: Bearer`` for a missing,
unknown, expired or revoked token; 400 with ``payload.errorCode = protocolError`` for a malformed
body or unknown intent; 200 with the intent's answer otherwise. A backend failure answers 200
with the global ``transientError`` Google documents, never a 500 or a stack trace.
"""

import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from functions.core import logs
from functions.core.errors import BadRequest, Unauthorized
from functions.core.repository import Store
from functions.core.tokens import bearer_token
from functions.fulfillment.intents import INTENTS, Call, envelope

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON_HEADERS))

    def flask(self) -> tuple[str, int, dict[str, str]]:
        return json.dumps(self.body, separators=(",", ":")), self.status, self.headers


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    """The body as JSON (NaN and Infinity refused); raises BadRequest."""
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"the body is not JSON: {error}") from None


def protocol_error(request_id: str | None, message: str) -> Answer:
    body: dict[str, Any] = {"payload": {"errorCode": "protocolError", "debugString": message}}
    if request_id:
        body = {"requestId": request_id, **body}
    return Answer(400, body)


def respond(
    method: str,
    authorization: str | None,
    raw: bytes,
    store: Callable[[], Store],
    now: datetime | None = None,
) -> Answer:
    """The whole fulfillment exchange, free of any web framework."""
    logs.reset()
    if method != "POST":
        return Answer(405, {"error": "use POST"}, {**JSON_HEADERS, "Allow": "POST"})
    request_id = None
    try:
        token = bearer_token(authorization)
        request_id, intent, payload = envelope(parse_json(raw))
        logs.bind(requestId=request_id, intent=intent)
        handler = INTENTS.get(intent)
        if handler is None:
            logs.warning("unknown intent")
            return protocol_error(request_id, f"unknown intent {intent}")
        result = handler(Call(payload, token, store(), now or datetime.now(UTC)))
        return Answer(200, {"requestId": request_id, "payload": result})
    except Unauthorized as error:
        logs.warning("unauthorized", reason=str(error))
        return Answer(
            401,
            {"error": "invalid_token"},
            {**JSON_HEADERS, "WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    except BadRequest as error:
        logs.warning("bad request", reason=str(error))
        return protocol_error(request_id, str(error))
    except Exception as error:  # a backend fault must not become a 500 with a trace
        logs.error("intent failed", error=repr(error), trace=traceback.format_exc())
        body: dict[str, Any] = {"payload": {"errorCode": "transientError"}}
        return Answer(200, {"requestId": request_id, **body} if request_id else body)
