"""The fulfillment HTTP edge: method, bearer token, JSON body in; status and JSON out.

Answers, in this order: 405 for a method other than POST; 401 with ``WWW-Authenticate: Bearer``
for a missing, malformed, unknown, expired or revoked token (a malformed one is refused before the
body is parsed; with a malformed body the token's record alone is read, so a caller without a valid
token only ever learns 401); 400 with ``payload.errorCode = protocolError`` for a malformed body
(not JSON, a number JSON cannot hold, too large, too deep, beyond a cap) or an unknown intent;
200 with the intent's answer otherwise (DISCONNECT's is ``{}``). A backend failure answers 200
with the global ``transientError`` Google documents, never a 500; its log line carries the
exception type and a message scrubbed of user ids, never a trace.
"""

import json
import math
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from functions.core import logs
from functions.core.documents import INT64_MAX, INT64_MIN
from functions.core.errors import BadRequest, Unauthorized
from functions.core.tokens import UNSIGNED, Signer, bearer_token
from functions.fulfillment.intents import INTENTS, Call, claimed_user, envelope, verify_token
from functions.fulfillment.store import Store
from functions.fulfillment.throttle import Throttle

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
MAX_BODY_BYTES = 1 << 20
"""1 MiB: a request at every cap (500 devices, each with Google's 512-byte customData) is a third
of it."""
MAX_DEPTH = 32
"""Nesting of the body: Google's deepest field (a command's params) sits 8 levels down, and
customData (stored in Firestore, at most 20 levels) 7 levels down."""
_INT_DIGITS = len(str(INT64_MAX))


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON_HEADERS))

    def flask(self) -> tuple[str, int, dict[str, str]]:
        """Strict JSON (no NaN or Infinity, which Google cannot parse); should an answer ever
        hold one, the global transientError instead."""
        try:
            return (
                json.dumps(self.body, separators=(",", ":"), allow_nan=False),
                self.status,
                self.headers,
            )
        except ValueError:
            logs.error("answer is not JSON", status=self.status)
            fault = {"payload": {"errorCode": "transientError"}}
            if "requestId" in self.body:
                fault = {"requestId": self.body["requestId"], **fault}
            return json.dumps(fault, separators=(",", ":")), 200, self.headers


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:24]} is beyond any double")
    return value


def _int64(text: str) -> int:
    if len(text.lstrip("-")) > _INT_DIGITS or not INT64_MIN <= (value := int(text)) <= INT64_MAX:
        raise ValueError(f"the integer {text[:24]}… is beyond 64 bits")
    return value


def _too_deep(value: Any) -> bool:
    """True when ``value`` nests more than MAX_DEPTH levels of objects and arrays."""
    level = [value]
    for _ in range(MAX_DEPTH):
        inner = []
        for item in level:
            for child in item.values() if type(item) is dict else item:
                if type(child) is dict or type(child) is list:
                    inner.append(child)
        if not inner:
            return False
        level = inner
    return True


def parse_json(raw: bytes) -> Any:
    """The body as JSON; raises BadRequest. Refused: NaN and Infinity, numbers JSON parses to
    infinity (1e400), integers beyond 64 bits, bodies over MAX_BODY_BYTES or MAX_DEPTH."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(
            raw, parse_constant=_reject_constant, parse_float=_finite, parse_int=_int64
        )
    except RecursionError:
        raise BadRequest(f"the body nests more than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"the body is not JSON: {error}") from None
    if isinstance(body, dict | list) and _too_deep(body):
        raise BadRequest(f"the body nests more than {MAX_DEPTH} levels")
    return body


def _frames(error: BaseException) -> list[str]:
    """Where ``error`` was raised, as ``file:line function`` (code only, no messages or values)."""
    return [
        f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
    ]


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
    *,
    signer: Signer = UNSIGNED,
    throttle: Throttle | None = None,
) -> Answer:
    """The whole fulfillment exchange, free of any web framework; ends with one ``intent
    answered`` log line (intent, latency, HTTP status, devices, devices that failed), what the
    operator's Home Vitals metrics count. ``signer`` checks access tokens' MACs before any
    I/O (functions/core/tokens.py); ``throttle`` bounds each user's EXECUTEs (the deployed
    function passes the instance's; None: no bound)."""
    started = time.monotonic()
    logs.reset()
    answer = _respond(method, authorization, raw, store, now, signer=signer, throttle=throttle)
    devices, failed = outcome_counts(answer.body)
    logs.info(
        "intent answered",
        intent=logs.bound("intent") or "unknown",
        latencyMs=round((time.monotonic() - started) * 1000, 1),
        httpStatus=answer.status,
        devices=devices,
        failedDevices=failed,
    )
    return answer


NOT_FAILURES = frozenset({"challengeNeeded", "pinNeeded", "challengeFailedPinNeeded"})
"""Answers that ask the user something: the exchange goes on, nothing failed."""


def outcome_counts(body: Any) -> tuple[int, int]:
    """(devices answered, devices answered with an error) of a QUERY or EXECUTE answer; a
    challenge is not an error. (0, 0) for other answers."""
    payload = body.get("payload") if isinstance(body, dict) else None
    if not isinstance(payload, dict):
        return 0, 0
    entries: list[tuple[int, Any]] = []
    if isinstance(payload.get("devices"), dict):
        entries = [(1, state) for state in payload["devices"].values()]
    elif isinstance(payload.get("commands"), list):
        entries = [(len(c.get("ids") or []), c) for c in payload["commands"] if isinstance(c, dict)]
    else:
        return 0, 1 if payload.get("errorCode") else 0
    failed = sum(
        n
        for n, entry in entries
        if isinstance(entry, dict)
        and entry.get("status") == "ERROR"
        and entry.get("errorCode") not in NOT_FAILURES
    )
    return sum(n for n, _ in entries), failed


def _respond(
    method: str,
    authorization: str | None,
    raw: bytes,
    store: Callable[[], Store],
    now: datetime | None,
    *,
    signer: Signer,
    throttle: Throttle | None,
) -> Answer:
    if method != "POST":
        return Answer(405, {"error": "use POST"}, {**JSON_HEADERS, "Allow": "POST"})
    request_id = None
    user_id = None
    now = now or datetime.now(UTC)
    try:
        token = bearer_token(authorization)
        user_id = claimed_user(token, signer, now)
        try:
            request_id, intent, payload = envelope(parse_json(raw))
            logs.bind(requestId=request_id, intent=intent)
            handler = INTENTS.get(intent)
            if handler is None:
                raise BadRequest(f"unknown intent {intent}")
            call = Call(payload, token, store(), now, request_id, signer, throttle)
            result = handler(call)
        except BadRequest:
            verify_token(store(), token, now, signer)  # a caller without a valid token gets 401
            raise
        return Answer(200, {} if result is None else {"requestId": request_id, "payload": result})
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
        secrets = [user_id] if user_id else []
        logs.error(
            "intent failed",
            errorType=type(error).__name__,
            error=logs.scrub(str(error), *secrets),
            frames=_frames(error),
        )
        fault: dict[str, Any] = {"payload": {"errorCode": "transientError"}}
        return Answer(200, {"requestId": request_id, **fault} if request_id else fault)
