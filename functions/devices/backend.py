"""The device backend's side of the contract: how a device is commanded, the command records the
fulfillment writes, the outcomes a backend records, and device errors; pure.

A device document may hold, besides Google's SYNC fields and ``states``:

- ``execution``: ``{"mode": "optimistic" | "confirmed", "timeoutMs": 100..900}``. Optimistic (the
  default): EXECUTE writes the state patch and a command record and answers SUCCESS at once.
  Confirmed: EXECUTE writes only the command record, waits up to ``timeoutMs`` for the backend's
  outcome and answers it, or answers PENDING and follows up when the outcome arrives. Google's
  quality target is a p90 of 1,000 ms for QUERY and EXECUTE per device type (Home Vitals), so the
  wait is bounded below that.
- ``secondaryVerification``: ``{"<command wire name>": "none" | "ackNeeded" | "pinNeeded"}``,
  overriding the certification defaults of functions.fulfillment.challenge.
- ``deviceError``: one of Google's error codes (``deviceJammingDetected``, ``inSoftwareUpdate``,
  ``deviceTurnedOff``...). While it is set the device cannot act: QUERY answers
  ``{"status": "ERROR", "errorCode": ...}`` and EXECUTE refuses every command with it. Non-blocking
  exceptions (``lowBattery``...) are StatusReport's ``currentStatusReport`` state, as Google's
  error-handling guide shows; a report with ``blocking: true`` about the device itself makes
  EXECUTE answer ``EXCEPTIONS`` with its ``statusCode`` and change nothing.

Command record, ``users/{agentUserId}/devices/{deviceId}/commands/{commandId}``, one per command
of an EXECUTE and device, written in the same commit as the device's state patch::

    requestId     Google's request id
    issuedAt      when the fulfillment wrote it
    position      the record's place among its request's records for the device (0, 1, ...):
                  records of one request share issuedAt, and a backend acts on them in this order
    deadline      until when an outcome is awaited (then the command expires: logged, follow-up
                  FAILURE if one was asked for)
    expireAt      when Firestore's TTL policy deletes the record
    mode          "optimistic" | "confirmed"
    executions    [{"command": "action.devices.commands.OnOff", "params": {...}}]
    patch         the states the product wrote (optimistic) or expects (confirmed); may be empty
    followUpToken when Google asked for a follow-up response
    answer        what Google was told without the outcome: "SUCCESS" (optimistic), "PENDING"
                  (confirmed, the wait ran out), or null (confirmed: Google heard the outcome)
    outcome       null until the backend records {"status": "SUCCESS", "states": {...}} or
                  {"status": "ERROR", "errorCode": "<Google code>"}

When an outcome arrives for a command Google was answered without it (``answer`` set) and the
command carried a ``followUpToken``, the pipeline sends Google the follow-up response.

The records live under the device, where the device trigger (``users/{u}/devices/{d}``) never
fires: bookkeeping is never mistaken for a device change.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from functions.core.errors import InvalidDevice
from functions.devices.error_codes import is_error_code

OPTIMISTIC, CONFIRMED = "optimistic", "confirmed"
NONE, ACK, PIN = "none", "ackNeeded", "pinNeeded"
CHALLENGES = (NONE, ACK, PIN)
DEFAULT_TIMEOUT_MS = 700
"""How long a confirmed EXECUTE waits for the backend by default: with the request's own ~20 ms,
well inside Google's 1,000 ms p90 target."""
MIN_TIMEOUT_MS, MAX_TIMEOUT_MS = 100, 900
OUTCOME_WINDOW = timedelta(minutes=10)
"""After this an unanswered command expires."""
RECORD_TTL = timedelta(days=7)
"""Firestore's TTL policy deletes a command record this long after it was issued."""
COMMANDS = "commands"
"""The subcollection of a device document that holds its command records."""


@dataclass(frozen=True)
class ExecutionPolicy:
    mode: str = OPTIMISTIC
    timeout_ms: int = DEFAULT_TIMEOUT_MS

    @property
    def confirmed(self) -> bool:
        return self.mode == CONFIRMED


def execution_policy(data: Mapping[str, Any]) -> ExecutionPolicy:
    """The device's execution mode and wait; raises InvalidDevice for a bad ``execution``."""
    execution = data.get("execution")
    if execution is None:
        return ExecutionPolicy()
    if not isinstance(execution, Mapping):
        raise InvalidDevice("execution must be an object")
    mode = execution.get("mode", OPTIMISTIC)
    if mode not in (OPTIMISTIC, CONFIRMED):
        raise InvalidDevice(f"execution.mode must be {OPTIMISTIC!r} or {CONFIRMED!r}")
    timeout = execution.get("timeoutMs", DEFAULT_TIMEOUT_MS)
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int)
        or not MIN_TIMEOUT_MS <= timeout <= MAX_TIMEOUT_MS
    ):
        raise InvalidDevice(
            f"execution.timeoutMs must be an integer in [{MIN_TIMEOUT_MS}, {MAX_TIMEOUT_MS}]"
        )
    return ExecutionPolicy(mode, timeout)


def challenge_overrides(data: Mapping[str, Any]) -> dict[str, str]:
    """The device's ``secondaryVerification``: command wire name -> challenge type, overriding
    the certification defaults; raises InvalidDevice when malformed."""
    overrides = data.get("secondaryVerification")
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping) or not all(
        isinstance(command, str)
        and command.startswith("action.devices.commands.")
        and kind in CHALLENGES
        for command, kind in overrides.items()
    ):
        raise InvalidDevice(
            "secondaryVerification maps action.devices.commands.* names to one of "
            f"{list(CHALLENGES)}"
        )
    return dict(overrides)


def device_error(data: Mapping[str, Any]) -> str | None:
    """The error that keeps the device from acting, or None; raises InvalidDevice for a code
    Google does not list."""
    code = data.get("deviceError")
    if code is None:
        return None
    if not is_error_code(code):
        raise InvalidDevice(f"deviceError {code!r} is not one of Google's error codes")
    return str(code)


def blocking_exception(device_id: str, states: Mapping[str, Any]) -> str | None:
    """The statusCode of a blocking StatusReport entry about this device itself, or None."""
    reports = states.get("currentStatusReport")
    for report in reports if isinstance(reports, list) else []:
        if (
            isinstance(report, Mapping)
            and report.get("blocking") is True
            and report.get("deviceTarget", device_id) == device_id
            and isinstance(report.get("statusCode"), str)
        ):
            return str(report["statusCode"])
    return None


def new_command_id() -> str:
    return uuid.uuid4().hex


def follow_up_token(executions: Sequence[Mapping[str, Any]]) -> str | None:
    """The ``followUpToken`` Google put in a command's params, if any."""
    for execution in executions:
        token = (execution.get("params") or {}).get("followUpToken")
        if isinstance(token, str) and token:
            return token
    return None


def command_record(
    request_id: str,
    executions: Sequence[Mapping[str, Any]],
    patch: Mapping[str, Any],
    policy: ExecutionPolicy,
    now: datetime,
    *,
    position: int = 0,
) -> dict[str, Any]:
    """The record of one command to one device, as the fulfillment writes it; ``position`` is its
    place among the request's records for the device. Challenge answers (PINs) never reach it."""
    record: dict[str, Any] = {
        "requestId": request_id,
        "issuedAt": now,
        "position": position,
        "deadline": now + OUTCOME_WINDOW,
        "expireAt": now + RECORD_TTL,
        "mode": policy.mode,
        "executions": [
            {"command": e["command"], "params": dict(e.get("params") or {})} for e in executions
        ],
        "patch": dict(patch),
        "answer": None if policy.confirmed else "SUCCESS",
        "outcome": None,
    }
    token = follow_up_token(executions)
    if token:
        record["followUpToken"] = token
    return record


@dataclass(frozen=True)
class Outcome:
    """What the backend recorded: SUCCESS with the resulting states, or ERROR with a code."""

    status: str
    states: Mapping[str, Any]
    error_code: str | None = None


class BadOutcome(ValueError):
    """An outcome a backend recorded that breaks the contract; answered as ``hardError``."""


def parse_outcome(record: Mapping[str, Any]) -> Outcome | None:
    """The backend's outcome in a command record; None while there is none yet."""
    outcome = record.get("outcome")
    if outcome is None:
        return None
    if not isinstance(outcome, Mapping):
        raise BadOutcome("outcome must be an object")
    status = outcome.get("status")
    states = outcome.get("states") or {}
    if not isinstance(states, Mapping):
        raise BadOutcome("outcome.states must be an object")
    if status == "SUCCESS":
        return Outcome("SUCCESS", dict(states))
    if status == "ERROR":
        code = outcome.get("errorCode")
        if not is_error_code(code):
            raise BadOutcome(f"outcome.errorCode {code!r} is not one of Google's error codes")
        return Outcome("ERROR", dict(states), str(code))
    raise BadOutcome("outcome.status must be SUCCESS or ERROR")
