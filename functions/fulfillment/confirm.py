"""Confirmed execution: answer Google with the device backend's real outcome, or PENDING.

After the commit that created the command records, the fulfillment reads them in one batch every
20 ms (backing off to 100 ms) for up to the devices' ``timeoutMs``. An outcome that arrives in
time is the answer. Otherwise the records are marked ``answer: PENDING`` in one guarded write,
which also catches an outcome that arrived in
between (that outcome is answered instead, so Google never hears PENDING for a finished command);
the pipeline later sends the final state by Report State and, when Google asked for one, the
follow-up response.

A command whose answer carries results only the backend knows (a camera's stream, a router's guest
password) is answered with the results the backend recorded in its outcome's ``states``, checked
against Google's results schema (hardError, logged without the values, when they break it).
"""

from collections.abc import Mapping
from typing import Any

from functions.core import logs
from functions.core.documents import Document, unstorable
from functions.devices.backend import BadOutcome, parse_outcome
from functions.devices.traits.base import BadResult
from functions.fulfillment.execute import Awaiting, Outcome, Planned, error
from functions.fulfillment.store import CommandRef, Store

PENDING: Outcome = {"status": "PENDING"}


def answer_for(awaiting: Awaiting, record: Document | None) -> Outcome:
    """The answer for one confirmed command, from its record (None: no outcome in time)."""
    if record is None:
        return dict(PENDING)
    try:
        outcome = parse_outcome(record)
    except BadOutcome as bad:
        logs.error(
            "bad outcome from the device backend", deviceId=awaiting.device_id, reason=str(bad)
        )
        return error("hardError")
    if outcome is None:
        return dict(PENDING)
    if outcome.status == "ERROR":
        assert outcome.error_code
        return error(outcome.error_code)
    states = _merged(awaiting.expected, outcome.states)
    if awaiting.results:
        try:
            states.update(awaiting.results(outcome.states))
        except BadResult as bad:
            logs.error(
                "bad outcome from the device backend", deviceId=awaiting.device_id, reason=str(bad)
            )
            return error("hardError")
    return {"status": "SUCCESS", "states": states}


def _merged(expected: Outcome, reported: Mapping[str, Any]) -> dict[str, Any]:
    """The expected states, overridden by the ones the backend reported it reached."""
    states = dict(expected.get("states") or {})
    for key in states:
        if key in reported and unstorable(reported[key]) is None:
            states[key] = reported[key]
    return states


def settle(store: Store, user_id: str, planned: Planned) -> None:
    """Replace each awaiting command's placeholder outcome in ``planned.results``."""
    if not planned.awaiting:
        return
    keys: list[CommandRef] = [(a.device_id, a.command_id) for a in planned.awaiting]
    timeout = max(a.timeout_ms for a in planned.awaiting) / 1000
    records = store.await_outcomes(user_id, keys, timeout)
    late = [key for key in keys if key not in records]
    if late:
        records.update(store.mark_pending(user_id, late))
    for awaiting, key in zip(planned.awaiting, keys, strict=True):
        answer = answer_for(awaiting, records.get(key))
        planned.results[awaiting.index] = (awaiting.device_id, answer)
        logs.info("confirmed command", deviceId=awaiting.device_id, status=answer["status"])
