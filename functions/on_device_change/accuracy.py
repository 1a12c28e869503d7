"""State accuracy, measured continuously: does Google hold the states Firestore holds?

A Cloud Scheduler message (``kind=accuracy``) makes one instance sample linked users (from a
random point of the user ids, wrapping around), read each one's devices, ask Home Graph what it
holds (``devices:query``) and compare, trait by trait, the states of every device that reports
state and has not changed for ``ACCURACY_SETTLED_SECONDS`` (a write still on its way is not a
mismatch). Each mismatch is logged (``state mismatch``) and repaired: the device is read again
and, unless it changed meanwhile, its states are reported. The run ends with one
``state accuracy`` line: devices checked, exact, and their ratio, which the operator's alert
watches (Home Vitals asks 99.5%).
"""

import json
import random
import uuid
from collections.abc import Mapping
from typing import Any

from functions.core import logs
from functions.core.errors import InvalidDevice
from functions.core.units import SECOND
from functions.devices.model import parse_device, reportable_states
from functions.devices.traits.base import TRAIT_PREFIX
from functions.on_device_change.calls import QUERY, call_homegraph
from functions.on_device_change.client import HomeGraphError
from functions.on_device_change.context import Delivery
from functions.on_device_change.errors import OverBudget, Redeliver
from functions.on_device_change.ledger import DeviceRead
from functions.on_device_change.quota import REPORT_CALL
from functions.on_device_change.report import send_report


def check_accuracy(delivery: Delivery, sample: int, rng: random.Random | None = None) -> None:
    """Compare Google's view with Firestore's for up to ``sample`` linked users."""
    pipeline = delivery.pipeline
    start = uuid.UUID(int=(rng or random.SystemRandom()).getrandbits(128)).hex
    users = pipeline.ledger.linked_users(start, sample)
    if len(users) < sample:
        users += [
            u for u in pipeline.ledger.linked_users("", sample - len(users)) if u not in users
        ]
    checked = exact = 0
    for user_id in users:
        logs.bind(user=logs.user_ref(user_id))
        try:
            found = _check_user(delivery, user_id)
        except Redeliver as busy:
            logs.warning("state accuracy check of a user skipped", reason=str(busy))
            continue
        checked += found[0]
        exact += found[1]
    logs.unbind("user")
    logs.info(
        "state accuracy",
        users=len(users),
        checked=checked,
        exact=exact,
        accuracy=round(exact / checked, 6) if checked else 1.0,
    )


def _check_user(delivery: Delivery, user_id: str) -> tuple[int, int]:
    """(devices checked, devices exact) for one user; mismatches are logged and repaired."""
    pipeline = delivery.pipeline
    settled = pipeline.clock() - int(pipeline.config.accuracy_settled_seconds * SECOND)
    reads, _ = pipeline.ledger.devices(user_id)
    expected: dict[str, dict[str, Any]] = {}
    for device_id, read in reads.items():
        states = _reportable(device_id, read)
        if states is not None and read.version < settled:
            expected[device_id] = states
    if not expected:
        return 0, 0
    held = _query(delivery, user_id, sorted(expected))
    exact = 0
    for device_id, states in expected.items():
        wrong = differing(states, held.get(device_id) or {})
        if not wrong:
            exact += 1
            continue
        logs.bind(deviceId=device_id)
        logs.warning(
            "state mismatch",
            deviceId=device_id,
            traits=_traits_of(device_id, wrong, reads[device_id]),
        )
        _repair(delivery, user_id, device_id)
        logs.unbind("deviceId")
    return len(expected), exact


def differing(expected: Mapping[str, Any], held: Mapping[str, Any]) -> list[str]:
    """The state keys whose value Google holds differently (or not at all); pure."""
    return sorted(key for key, value in expected.items() if _json(held.get(key)) != _json(value))


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def _reportable(device_id: str, read: DeviceRead) -> dict[str, Any] | None:
    try:
        return reportable_states(device_id, read.document)
    except InvalidDevice:
        return None


def _traits_of(device_id: str, keys: list[str], read: DeviceRead) -> list[str]:
    """The short names of the traits that own the differing state keys (``online`` as is)."""
    names = {"online"} & set(keys)
    device = parse_device(device_id, read.document)
    for trait in device.traits:
        if device.trait_states([trait]).keys() & set(keys):
            names.add(trait.name.removeprefix(TRAIT_PREFIX))
    return sorted(names)


def _query(delivery: Delivery, user_id: str, device_ids: list[str]) -> dict[str, dict[str, Any]]:
    pipeline = delivery.pipeline
    request_id = str(uuid.uuid4())
    held: dict[str, dict[str, Any]] = {}

    def query(_waited: float) -> None:
        held.update(pipeline.homegraph().query(user_id, request_id, device_ids))

    try:
        call_homegraph(delivery, REPORT_CALL, QUERY, query)
    except OverBudget as error:
        raise Redeliver(str(error)) from error
    except HomeGraphError as error:
        raise Redeliver(f"query failed: {error}") from error
    return held


def _repair(delivery: Delivery, user_id: str, device_id: str) -> None:
    """Report the device's states as they are now, unless it changed since the check read it
    (then its own message reports it)."""
    pipeline = delivery.pipeline
    settled = pipeline.clock() - int(pipeline.config.accuracy_settled_seconds * SECOND)
    read = pipeline.ledger.device(user_id, device_id)
    states = _reportable(device_id, read) if read is not None else None
    if read is None or states is None or read.version >= settled:
        return
    send_report(delivery, user_id, pipeline.ledger.user(user_id), {device_id: states})
    logs.info("state mismatch repaired")
