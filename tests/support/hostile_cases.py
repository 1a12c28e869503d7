"""Hostile requests to the fulfillment and the answers Google's protocol documents for them, shared
by the unit tests (in-memory store) and the integration tests (Firestore emulator)."""

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from functions.core import tokens
from functions.fulfillment import intents, webhook
from functions.fulfillment.memory_store import MemoryStore

USER = "hostile-user"
OK = "SUCCESS"


@dataclass(frozen=True)
class Case:
    """A raw body, the token it is sent with, and the answer it must get."""

    raw: bytes
    token: str = "valid"
    status: int = 400
    outcomes: dict[str, str] = field(default_factory=dict)
    """For a 200: device id -> "SUCCESS" or the errorCode it must get."""


def body(intent: str, payload: Any, request_id: str = "req-h") -> bytes:
    entry: dict[str, Any] = {"intent": f"action.devices.{intent}", "payload": payload}
    envelope = {"requestId": request_id, "inputs": [entry]}
    return json.dumps(envelope).encode()


def query(*ids: str) -> bytes:
    return body("QUERY", {"devices": [{"id": i} for i in ids]})


def execute(*ids: str, params: Any = None, executions: int = 1, commands: int = 1) -> bytes:
    execution = {"command": "action.devices.commands.OnOff", "params": params or {"on": False}}
    command = {"devices": [{"id": i} for i in ids], "execution": [execution] * executions}
    return body("EXECUTE", {"commands": [command] * commands})


def with_raw(template: bytes, marker: str, raw: str) -> bytes:
    """``template`` with the JSON string ``"marker"`` replaced by raw JSON text."""
    quoted = json.dumps(marker).encode()
    assert quoted in template
    return template.replace(quoted, raw.encode())


def nested(depth: int, core: str = "true") -> str:
    return "[" * depth + core + "]" * depth


def user_token(user_id: str) -> str:
    prefix = base64.urlsafe_b64encode(user_id.encode()).rstrip(b"=").decode()
    return f"{prefix}.{'A' * 43}"


TOKENS: dict[str, Callable[[MemoryStore], str]] = {
    "valid": lambda store: store.issue_token(USER),
    "forged": lambda _: tokens.issue(USER),
    "user .": lambda _: user_token("."),
    "user ..": lambda _: user_token(".."),
    "user __x__": lambda _: user_token("__x__"),
    "user too long": lambda _: user_token("u" * 1501),
    "too long": lambda _: "dXNlcg." + "A" * 8000,
}

# --- the classes of hostile input -------------------------------------------------------------

BAD_IDS = {
    "reserved": "__x__",
    "reserved proto": "__proto__",
    "dot": ".",
    "dot dot": "..",
    "slash": "a/b",
    "only slash": "/",
    "path": "lamp/../lamp",
    "too long": "é" * 751,
}
SURROGATES = {"lone high surrogate": r'"\ud800"', "lone low surrogate": r'"x\udc00"'}

CASES: dict[str, Case] = {}
for name, bad in BAD_IDS.items():
    CASES[f"query id {name}"] = Case(query("lamp", bad), status=200)
    CASES[f"query id {name}"].outcomes.update({"lamp": OK, bad: "deviceNotFound"})
    CASES[f"execute id {name}"] = Case(execute("lamp", bad), status=200)
    CASES[f"execute id {name}"].outcomes.update({"lamp": OK, bad: "deviceNotFound"})
    CASES[f"forged token, query id {name}"] = Case(query("lamp", bad), "forged", 401)
    CASES[f"forged token, execute id {name}"] = Case(execute("lamp", bad), "forged", 401)
for name, escaped in SURROGATES.items():
    decoded = json.loads(escaped)
    CASES[f"query id {name}"] = Case(
        with_raw(query("lamp", "BAD"), "BAD", escaped),
        status=200,
        outcomes={decoded: "deviceNotFound"},
    )
    CASES[f"query id {name}"].outcomes["lamp"] = OK
    CASES[f"execute id {name}"] = Case(
        with_raw(execute("lamp", "BAD"), "BAD", escaped),
        status=200,
        outcomes={decoded: "deviceNotFound"},
    )
    CASES[f"execute id {name}"].outcomes["lamp"] = OK
    CASES[f"forged token, query id {name}"] = Case(
        with_raw(query("lamp", "BAD"), "BAD", escaped), "forged", 401
    )

# A requestId is echoed in every answer and written into every command record: one that is not
# Unicode (a lone surrogate) or holds control characters is malformed (HTTP 400), whatever the
# intent; so is one far longer than any id Google sends.
REQUEST_IDS = {
    "lone high surrogate": r'"\ud800"',
    "lone low surrogate": r'"r\udc00"',
    "NUL": r'"r\u0000"',
    "control characters": r'"\u0001\u001b[2J"',
    "DEL and C1": r'"r\u007f\u0085"',
    "control characters and surrogates": r'"\u0007\ud800\u0000\udfff"',
    "newline": r'"r\nX-Forged: 1"',
    "over 512 characters": json.dumps("r" * 513),
}
INTENT_BODIES = {
    "sync": body("SYNC", {}),
    "query": query("lamp"),
    "execute": execute("lamp"),
    "disconnect": body("DISCONNECT", {}),
}
for name, escaped in REQUEST_IDS.items():
    for intent_name, template in INTENT_BODIES.items():
        CASES[f"requestId {name}, {intent_name}"] = Case(with_raw(template, "req-h", escaped))
    CASES[f"forged token, requestId {name}"] = Case(
        with_raw(INTENT_BODIES["execute"], "req-h", escaped), "forged", 401
    )
CASES["requestId a surrogate pair, execute"] = Case(
    with_raw(execute("lamp"), "req-h", r'"r\ud83d\ude00"'), status=200, outcomes={"lamp": OK}
)
for name, escaped in SURROGATES.items():
    decoded = json.loads(escaped)
    CASES[f"execute only id {name}"] = Case(
        with_raw(execute("BAD"), "BAD", escaped), status=200, outcomes={decoded: "deviceNotFound"}
    )
    CASES[f"query only id {name}"] = Case(
        with_raw(query("BAD"), "BAD", escaped), status=200, outcomes={decoded: "deviceNotFound"}
    )
    CASES[f"execute id {name} in a second command"] = Case(
        with_raw(
            body(
                "EXECUTE",
                {
                    "commands": [
                        {
                            "devices": [{"id": "lamp"}],
                            "execution": [
                                {
                                    "command": "action.devices.commands.OnOff",
                                    "params": {"on": False},
                                }
                            ],
                        },
                        {
                            "devices": [{"id": "BAD"}, {"id": "lamp"}],
                            "execution": [
                                {
                                    "command": "action.devices.commands.OnOff",
                                    "params": {"on": False},
                                }
                            ],
                        },
                    ]
                },
            ),
            "BAD",
            escaped,
        ),
        status=200,
        outcomes={decoded: "deviceNotFound", "lamp": OK},
    )

for depth in (40, 900, 5_000, 100_000):
    CASES[f"nesting {depth} as the body"] = Case(nested(depth).encode())
    CASES[f"nesting {depth} in params"] = Case(
        with_raw(execute("lamp", params={"on": "DEEP"}), "DEEP", nested(depth))
    )
    CASES[f"nesting {depth} in customData"] = Case(
        with_raw(
            body("QUERY", {"devices": [{"id": "lamp", "customData": "DEEP"}]}),
            "DEEP",
            nested(depth, "{}"),
        )
    )
    CASES[f"nesting {depth} as requestId"] = Case(
        with_raw(body("SYNC", {}, request_id="DEEP"), "DEEP", nested(depth, '"r"'))
    )
    CASES[f"forged token, nesting {depth}"] = Case(nested(depth).encode(), "forged", 401)

NUMBERS = {
    "1e400": "1e400",
    "-1e400": "-1e400",
    "1E309": "1E309",
    "309 digits": "9" * 309,
    "5000 digits": "9" * 5000,
    "2^63": str(2**63),
    "-2^63-1": str(-(2**63) - 1),
}
for name, number in NUMBERS.items():
    CASES[f"number {name} in params"] = Case(
        with_raw(execute("lamp", params={"on": True, "x": "N"}), "N", number)
    )
    CASES[f"number {name} as brightness"] = Case(
        with_raw(
            body(
                "EXECUTE",
                {
                    "commands": [
                        {
                            "devices": [{"id": "lamp"}],
                            "execution": [
                                {
                                    "command": "action.devices.commands.BrightnessAbsolute",
                                    "params": {"brightness": "N"},
                                }
                            ],
                        }
                    ]
                },
            ),
            "N",
            number,
        )
    )
    CASES[f"number {name} in customData"] = Case(
        with_raw(
            body("QUERY", {"devices": [{"id": "lamp", "customData": {"n": "N"}}]}), "N", number
        )
    )
    CASES[f"forged token, number {name}"] = Case(
        with_raw(execute("lamp", params={"on": "N"}), "N", number), "forged", 401
    )

ABSURD = {
    "brightness 2^53": {"brightness": 2**53},
    "brightness 1.7e308": {"brightness": 1.7e308},
    "brightness -1.7e308": {"brightness": -1.7e308},
    "brightness 2^63-1": {"brightness": 2**63 - 1},
    "brightness 2^64 as a float": {"brightness": 2.0**64},
}
for name, params in ABSURD.items():
    raw = body(
        "EXECUTE",
        {
            "commands": [
                {
                    "devices": [{"id": "lamp"}],
                    "execution": [
                        {"command": "action.devices.commands.BrightnessAbsolute", "params": params}
                    ],
                }
            ]
        },
    )
    CASES[f"absurd {name}"] = Case(raw, status=200, outcomes={"lamp": "valueOutOfRange"})

MAX_IDS = intents.MAX_DEVICE_IDS
MAX_EXECUTE_IDS = intents.MAX_EXECUTE_DEVICE_IDS
BATCHES = {
    "query over the id cap": query(*(f"d{n}" for n in range(MAX_IDS + 1))),
    "query of 20,000 ids": query(*(f"d{n}" for n in range(20_000))),
    "query repeating one id over the cap": query(*["lamp"] * (MAX_IDS + 1)),
    "execute over the id cap": execute(*(f"d{n}" for n in range(MAX_EXECUTE_IDS + 1))),
    "execute over the id cap across commands": execute(
        *(f"d{n}" for n in range(MAX_EXECUTE_IDS // 2 + 1)), commands=2
    ),
    "execute over the command cap": execute("lamp", commands=intents.MAX_COMMANDS + 1),
    "execute over the execution cap": execute("lamp", executions=intents.MAX_EXECUTIONS + 1),
    "body over the size cap": query("lamp", "x" * webhook.MAX_BODY_BYTES),
}
for name, raw in BATCHES.items():
    CASES[name] = Case(raw)
    CASES[f"forged token, {name}"] = Case(raw, "forged", 401)

MALFORMED_BODY = b'{"requestId": "r", "inputs": [{"intent": '
for name in TOKENS:
    if name != "valid":
        CASES[f"token {name}, sync"] = Case(body("SYNC", {}), name, 401)
        CASES[f"token {name}, malformed body"] = Case(MALFORMED_BODY, name, 401)
        CASES[f"token {name}, query of 20,000 ids"] = Case(
            BATCHES["query of 20,000 ids"], name, 401
        )
CASES["forged token, unknown intent"] = Case(body("TELEPORT", {}), "forged", 401)
CASES["valid token, unknown intent"] = Case(body("TELEPORT", {}))

# --- running them -----------------------------------------------------------------------------


def thermostat() -> dict[str, Any]:
    return {
        "type": "action.devices.types.THERMOSTAT",
        "traits": ["action.devices.traits.TemperatureSetting"],
        "name": {"name": "Hall"},
        "willReportState": True,
        "attributes": {"availableThermostatModes": ["heat"], "thermostatTemperatureUnit": "C"},
        "states": {"online": True, "thermostatMode": "heat", "thermostatTemperatureSetpoint": 20},
    }


def check_answer(case: Case, answer: webhook.Answer, logged: str) -> None:
    """The answer is the documented one, strict JSON, and nothing failed on the way."""
    text = answer.flask()[0]
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the answer"))
    assert answer.status == case.status, answer.body
    assert "transientError" not in text
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert not [line for line in lines if line["severity"] == "ERROR" or "trace" in line]
    if case.status == 401:
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    elif case.status == 400:
        assert answer.body["payload"]["errorCode"] == "protocolError"
        assert answer.body["payload"]["debugString"]
    else:
        payload = answer.body["payload"]
        if "devices" in payload:
            got = {i: d.get("errorCode", d["status"]) for i, d in payload["devices"].items()}
        else:
            got = {
                i: c.get("errorCode", c["status"]) for c in payload["commands"] for i in c["ids"]
            }
        assert got == case.outcomes
