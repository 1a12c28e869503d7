"""The smart-home intents, keyed by wire name, behind one envelope function.

https://developers.home.google.com/cloud-to-cloud/intents/sync (and query, execute, disconnect)
Every payload is checked before any I/O; the token is checked before any device is used.

A request is bounded before any I/O, so that a caller without a valid token costs no more than
one with a valid token: Google's own requests name a handful of devices and commands, these caps
leave ample room for the largest homes. Beyond a cap: HTTP 400 ``protocolError``.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from functions.core import logs, tokens
from functions.core.documents import MAX_WRITES, valid_id
from functions.core.errors import BadRequest, InvalidDevice, Unauthorized
from functions.devices import pins
from functions.devices.model import parse_device
from functions.fulfillment.confirm import settle
from functions.fulfillment.execute import Command, Execution, Planned, group, refused
from functions.fulfillment.execute import plan as plan_execute
from functions.fulfillment.query import query
from functions.fulfillment.store import Changes, Snapshot, Store
from functions.fulfillment.throttle import Throttle

MAX_DEVICE_IDS = 500
"""Device entries per QUERY: one batched read of at most 501 documents."""
MAX_EXECUTE_DEVICE_IDS = (MAX_WRITES - 1) // 2
"""Device entries per EXECUTE, summed over commands, repeats included: each can write a state
patch and a command record, and the PIN record one more, so one commit stays within Firestore's
500 writes."""
MAX_COMMANDS = 100
"""``payload.commands`` entries per EXECUTE."""
MAX_EXECUTIONS = 100
"""``execution`` entries per EXECUTE, summed over its commands."""
MAX_TOKEN_CHARS = 4096
"""Longer than any token this product issues (a user id of at most 1,500 bytes, base64)."""
MAX_REQUEST_ID_CHARS = 512
"""Google's request ids are UUID-like (36 characters); the id is echoed in the answer and written
into every command record, so a longer one is refused."""
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters (C0, DEL, C1) and lone UTF-16 surrogates: JSON can carry them
(``"\\ud800"``); a log line, an HTTP header or a Firestore string cannot."""


@dataclass(frozen=True)
class Call:
    """One authenticated-to-be intent call."""

    payload: Mapping[str, Any]
    token: str
    store: Store
    now: datetime
    request_id: str = ""
    signer: tokens.Signer = tokens.UNSIGNED
    """What signs access tokens (functions/core/tokens.py): checked before any I/O."""
    throttle: Throttle | None = None
    """The instance's bound on each user's EXECUTEs (functions.fulfillment.throttle), or None."""


def claimed_user(
    token: str, signer: tokens.Signer = tokens.UNSIGNED, now: datetime | None = None
) -> str:
    """The user a well-formed token names, not yet trusted; raises Unauthorized without any I/O
    for a token that cannot be one of ours (too long, naming an id no document can have, or
    failing its MAC)."""
    if len(token) > MAX_TOKEN_CHARS:
        raise Unauthorized("malformed token")
    user_id = tokens.claimed_user(token)
    if not valid_id(user_id):
        raise Unauthorized("malformed token")
    tokens.screen(token, tokens.ACCESS, signer, now or datetime.now(UTC))
    return user_id


def screened(call: Call) -> str:
    """The user the call's token names, before any device is read: a forged signed token is
    refused without I/O, and an unsigned one (the transition) is checked alone first, so a
    forged token never costs one read per listed device."""
    user_id = claimed_user(call.token, call.signer, call.now)
    if tokens.read_alone(call.token, call.signer):
        verify_token(call.store, call.token, call.now, call.signer)
    return user_id


def authenticate(call: Call) -> str:
    """The agentUserId of the call's token; raises Unauthorized."""
    return verify_token(call.store, call.token, call.now, call.signer)


def verify_token(
    store: Store, token: str, now: datetime, signer: tokens.Signer = tokens.UNSIGNED
) -> str:
    """Read the token's record alone and check it: the agentUserId; raises Unauthorized."""
    return token_record(store, token, now, signer)[0]


def token_record(
    store: Store, token: str, now: datetime, signer: tokens.Signer = tokens.UNSIGNED
) -> tuple[str, Mapping[str, Any]]:
    """The agentUserId and the checked record of an access token, read alone."""
    user_id = claimed_user(token, signer, now)
    snapshot = store.read(tokens.token_hash(token), user_id, [])
    tokens.check(snapshot.token, user_id, tokens.ACCESS, now)
    logs.bind(user=logs.user_ref(user_id))
    return user_id, snapshot.token or {}


def sync(call: Call) -> dict[str, Any]:
    """All the user's valid devices; an invalid document is left out and logged, never fatal.
    Two round trips: the token with the user's document, then the devices; a third only when
    the user becomes linked."""
    user_id = claimed_user(call.token, call.signer, call.now)
    token, account = call.store.read_account(tokens.token_hash(call.token), user_id)
    tokens.check(token, user_id, tokens.ACCESS, call.now)
    logs.bind(user=logs.user_ref(user_id))
    devices = []
    for device_id, document in sorted(call.store.list_devices(user_id).items()):
        try:
            device = parse_device(device_id, document)
        except InvalidDevice as invalid:
            logs.error("device left out of SYNC", deviceId=device_id, reason=str(invalid))
            continue
        if device.matter_without_room:
            logs.warning("matter device without roomHint", deviceId=device_id)
        devices.append(device.sync())
    if (account or {}).get("linked") is not True:
        call.store.set_linked(user_id, True)
    logs.info("sync", devices=len(devices))
    return {"agentUserId": user_id, "devices": devices}


def query_intent(call: Call) -> dict[str, Any]:
    """States of the requested devices: the token and all devices in one batched read.

    An id no document can have (``__x__``, ``.``, ``a/b``, not Unicode…) is not read: it names
    no device, so it is ``deviceNotFound``."""
    requested = _unique(_device_ids(call.payload.get("devices"), "payload.devices"))
    user_id = screened(call)
    readable = [device_id for device_id in requested if valid_id(device_id)]
    snapshot = call.store.read(tokens.token_hash(call.token), user_id, readable)
    tokens.check(snapshot.token, user_id, tokens.ACCESS, call.now)
    logs.bind(user=logs.user_ref(user_id))
    return query({device_id: snapshot.devices.get(device_id) for device_id in requested})


def execute_intent(call: Call) -> dict[str, Any]:
    """Every command on every device, written in one transaction with the token check."""
    commands = _commands(call.payload.get("commands"))
    requested = _unique([device_id for command in commands for device_id in command.device_ids])
    user_id = screened(call)
    readable = [device_id for device_id in requested if valid_id(device_id)]
    check = pin_check_once()
    admitted: list[bool] = []  # decided once, however often the commit is retried

    def plan(snapshot: Snapshot) -> tuple[Changes, Planned]:
        tokens.check(snapshot.token, user_id, tokens.ACCESS, call.now)
        if not admitted:
            admitted.append(call.throttle is None or call.throttle.admit(user_id))
        if not admitted[0]:
            return Changes(), refused(commands, "deviceBusy")
        planned = plan_execute(
            commands, snapshot.devices, call.request_id, call.now, pin=snapshot.pin, check=check
        )
        return planned.changes, planned

    planned = call.store.execute(tokens.token_hash(call.token), user_id, readable, plan)
    logs.bind(user=logs.user_ref(user_id))
    if not admitted[0]:
        logs.warning("execute throttled")
    settle(call.store, user_id, planned)
    return {"commands": group(planned.results)}


def disconnect(call: Call) -> None:
    """One Google user unlinks: revoke the tokens of the grant (the linking) the calling token
    belongs to. Other Google users may have linked the same account ("multiple Google users
    connecting to the same user account",
    https://developers.home.google.com/cloud-to-cloud/primer/account-linking): while a grant
    remains, the user stays linked and reported; the last one unlinks the user and stops Home
    Graph calls. Revoking first, then counting what is left, lets no two concurrent DISCONNECTs
    both leave the user linked. Google documents no response fields
    (https://developers.home.google.com/cloud-to-cloud/intents/disconnect): the answer is the
    empty object ``{}``, signalled to the edge by returning None."""
    user_id, record = token_record(call.store, call.token, call.now, call.signer)
    grant = record.get("grantId") or None
    revoked = call.store.revoke_grant(user_id, grant)
    left = tokens.grants_left(call.store.refresh_tokens(user_id), call.now)
    if not left:
        call.store.set_linked(user_id, False)
    logs.info("disconnected", revokedTokens=revoked, grantsLeft=len(left))


INTENTS: dict[str, Callable[[Call], dict[str, Any] | None]] = {
    "action.devices.SYNC": sync,
    "action.devices.QUERY": query_intent,
    "action.devices.EXECUTE": execute_intent,
    "action.devices.DISCONNECT": disconnect,
}


def envelope(body: Any) -> tuple[str, str, Mapping[str, Any]]:
    """(requestId, intent, payload) of a request body; raises BadRequest."""
    if not isinstance(body, Mapping):
        raise BadRequest("the body must be a JSON object")
    request_id = body.get("requestId")
    if not isinstance(request_id, str) or not request_id:
        raise BadRequest("requestId must be a non-empty string")
    if len(request_id) > MAX_REQUEST_ID_CHARS:
        raise BadRequest(f"requestId is over {MAX_REQUEST_ID_CHARS} characters")
    if _UNPRINTABLE.search(request_id):
        raise BadRequest("requestId holds a control character or a lone UTF-16 surrogate")
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or len(inputs) != 1 or not isinstance(inputs[0], Mapping):
        raise BadRequest("inputs must be a list of exactly one object")
    intent = inputs[0].get("intent")
    if not isinstance(intent, str):
        raise BadRequest("inputs[0].intent must be a string")
    payload = inputs[0].get("payload", {})
    if not isinstance(payload, Mapping):
        raise BadRequest("inputs[0].payload must be an object")
    return request_id, intent, payload


def _device_ids(devices: Any, where: str, limit: int = MAX_DEVICE_IDS) -> list[str]:
    if not isinstance(devices, list):
        raise BadRequest(f"{where} must be a list")
    if len(devices) > limit:
        raise BadRequest("too many device entries in one request")
    ids = []
    for device in devices:
        device_id = device.get("id") if isinstance(device, Mapping) else None
        if not isinstance(device_id, str) or not device_id:
            raise BadRequest(f"{where}[].id must be a non-empty string")
        ids.append(device_id)
    return ids


def _commands(raw: Any) -> list[Command]:
    if not isinstance(raw, list) or not raw:
        raise BadRequest("payload.commands must be a non-empty list")
    if len(raw) > MAX_COMMANDS:
        raise BadRequest(f"more than {MAX_COMMANDS} commands in one request")
    commands = []
    device_budget, execution_budget = MAX_EXECUTE_DEVICE_IDS, MAX_EXECUTIONS
    last: dict[str, tuple[Execution, ...]] = {}
    for command in raw:
        if not isinstance(command, Mapping):
            raise BadRequest("payload.commands[] must be objects")
        listed = _device_ids(command.get("devices"), "commands[].devices", device_budget)
        device_budget -= len(listed)
        executions = command.get("execution")
        if not listed or not isinstance(executions, list) or not executions:
            raise BadRequest("commands[] needs non-empty devices and execution lists")
        execution_budget -= len(executions)
        if execution_budget < 0:
            raise BadRequest(f"more than {MAX_EXECUTIONS} executions in one request")
        parsed = tuple(_execution(e) for e in executions)
        # A device's previous command given again right after itself (challenge answers
        # included) is the same command: delivered once, one record, one answer.
        ids = tuple(i for i in _unique(listed) if last.get(i) != parsed)
        last.update(dict.fromkeys(ids, parsed))
        if ids:
            commands.append(Command(ids, parsed))
    return commands


def _execution(raw: Any) -> Execution:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("command"), str):
        raise BadRequest("execution[].command must be a string")
    params = raw.get("params", {})
    if not isinstance(params, Mapping):
        raise BadRequest("execution[].params must be an object")
    challenge = raw.get("challenge", {})
    if not isinstance(challenge, Mapping):
        raise BadRequest("execution[].challenge must be an object")
    ack, pin = challenge.get("ack", False), challenge.get("pin")
    if not isinstance(ack, bool) or not (pin is None or (isinstance(pin, str) and len(pin) <= 64)):
        raise BadRequest("execution[].challenge holds ack (boolean) and pin (string)")
    return Execution(raw["command"], params, ack, pin)


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def pin_check_once() -> Callable[[Mapping[str, Any], str], bool]:
    """A PIN check for one request that runs scrypt once per (record, PIN), however many times
    the request's commit is retried; it lives no longer than the request."""
    seen: dict[tuple[str, str], bool] = {}

    def check(record: Mapping[str, Any], pin: str) -> bool:
        key = (str((record.get("scrypt") or {}).get("hash")), pin)
        if key not in seen:
            seen[key] = pins.matches(record, pin)
        return seen[key]

    return check
