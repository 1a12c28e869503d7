"""Rule-valid hostile device documents (tests/support/hostile_documents.py) over SYNC, QUERY,
EXECUTE and the device trigger's classification: one ill-typed field never takes down a home.

For every generated document, beside a good lamp of the same user: parsing raises nothing but
InvalidDevice; SYNC, QUERY and EXECUTE answer 200 without a global ``transientError`` and with
Google's documented shapes, and the lamp is served; on_device_written classifies the write
without raising. Issue 22 found 123 of 20,000 documents that failed a whole request; the soak
run draws 20,000.
"""

import contextlib
import io
import json
import time
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.core.errors import InvalidDevice
from functions.devices.model import parse_device, reportable_states
from functions.devices.traits import TRAITS
from functions.devices.traits.base import TRAIT_PREFIX
from functions.fulfillment import webhook
from functions.fulfillment.memory_store import MemoryStore
from functions.fulfillment.store import CommandRef
from functions.on_device_written.events import DocumentChange, messages
from tests.support.figures import MODES, Mode, record
from tests.support.google_shapes import execute_problems, query_problems
from tests.support.hostile_documents import (
    HOSTILE_DOCUMENTS,
    JSON_VALUES,
    PLAUSIBLE,
    declared,
    rule_valid,
    trait_keys,
)
from tests.support.world import intent, light

EXAMPLES = (300, 20_000)
"""(fast, soak)."""


class NoBackend(MemoryStore):
    """No device backend answers here: a confirmed device is answered PENDING at once."""

    def await_outcomes(self, user_id: str, commands: Any, timeout: float) -> dict[CommandRef, Any]:
        return super().await_outcomes(user_id, commands, 0)


def post(store: MemoryStore, token: str, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    logged = io.StringIO()
    with contextlib.redirect_stdout(logged):
        answer = webhook.respond(
            "POST", f"Bearer {token}", json.dumps(body).encode(), lambda: store
        )
    text = answer.flask()[0]
    assert answer.status == 200, text[:300]
    assert "transientError" not in text and "intent failed" not in logged.getvalue(), text[:300]
    return answer.body["payload"], logged.getvalue()


def execution(draw: Any, document: dict[str, Any]) -> dict[str, Any]:
    """A command of one of the document's traits, with params of the kinds Google sends."""
    shorts = declared(document)
    commands = sorted(c for s in shorts for c in TRAITS[TRAIT_PREFIX + s].commands)
    if not commands:  # still checked (online, deviceError, a blocking exception) and refused
        return {"command": "action.devices.commands.OnOff", "params": {"on": True}}
    keys = sorted({k for s in shorts for k in trait_keys(s)})
    params = draw(
        st.dictionaries(st.sampled_from(keys), st.one_of(PLAUSIBLE, JSON_VALUES), max_size=3)
    )
    return {"command": draw(st.sampled_from(commands)), "params": params}


@pytest.mark.parametrize("mode", MODES)
def test_an_ill_typed_field_never_takes_down_a_home(mode: Mode) -> None:
    seen: Counter[str] = Counter()
    started = time.monotonic()

    @settings(
        max_examples=EXAMPLES[mode.soak],
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(document=HOSTILE_DOCUMENTS, data=st.data())
    def one(document: dict[str, Any], data: st.DataObject) -> None:
        assert rule_valid(document)
        try:
            parse_device("odd", document)
            seen["valid"] += 1
        except InvalidDevice:
            seen["invalid"] += 1
        with contextlib.suppress(InvalidDevice):
            reportable_states("odd", document)
        messages(DocumentChange("u", "odd", light(), document, 1))
        messages(DocumentChange("u", "odd", document, None, 1))
        store = NoBackend()
        store.put_device("u", "odd", document)
        store.put_device("u", "lamp", light(on=False))
        token = store.issue_token("u")
        synced, _ = post(store, token, intent("SYNC"))
        assert "lamp" in [d["id"] for d in synced["devices"]]
        queried, _ = post(
            store, token, intent("QUERY", {"devices": [{"id": "odd"}, {"id": "lamp"}]})
        )
        assert query_problems(queried) == []
        assert queried["devices"]["lamp"]["status"] == "SUCCESS"
        seen["query " + queried["devices"]["odd"].get("errorCode", "SUCCESS")] += 1
        given = execution(data.draw, document)
        commands = [
            {
                "devices": [{"id": "lamp"}],
                "execution": [{"command": "action.devices.commands.OnOff", "params": {"on": True}}],
            }
        ]
        if given:
            commands.insert(0, {"devices": [{"id": "odd"}], "execution": [given]})
        executed, _ = post(store, token, intent("EXECUTE", {"commands": commands}))
        assert execute_problems(executed) == []
        outcomes = {i: c for c in executed["commands"] for i in c["ids"]}
        assert outcomes["lamp"]["status"] == "SUCCESS"
        seen["execute " + outcomes["odd"].get("errorCode", outcomes["odd"]["status"])] += 1

    one()
    record(
        "hostile documents over SYNC/QUERY/EXECUTE",
        mode.name,
        time.monotonic() - started,
        examples=seen["valid"] + seen["invalid"],
        valid=seen["valid"],
        outcomes=dict(seen.most_common(12)),
    )
