"""Hypothesis strategies for hostile fulfillment and account-linking requests, and the checks
every answer must pass: no 5xx, strict JSON (or a whole HTML page), no internal detail."""

import base64
import json
import re
from html.parser import HTMLParser
from typing import Any

from hypothesis import strategies as st

from tests.support.figures import ROOT

# --- what an answer must never hold -----------------------------------------------------------

LEAKS = re.compile(
    r"Traceback|File \"|site-packages|\.py\b|(?:/[\w.-]+){2,}\.py"
    r"|\b[A-Z]\w*(?:Error|Exception|Warning)\b"
    r"|\b(?:Unauthorized|BadRequest|InvalidDevice|Redeliver|StopIteration|KeyboardInterrupt"
    r"|Conflict|FailedPrecondition|DeadlineExceeded|ServiceUnavailable|RetryError)\b"
)
"""A trace, a file path, an exception's class name."""


def leaks(answer: str, *request: str) -> list[str]:
    """Internal details in ``answer`` that are not an echo of the request itself."""
    found = [m.group(0) for m in LEAKS.finditer(answer)]
    if str(ROOT) in answer:
        found.append(str(ROOT))
    echoed = " ".join(request)
    return [leak for leak in found if leak not in echoed]


def strict_json(text: str) -> Any:
    """The answer as JSON; NaN and Infinity (which Google cannot parse) are refused."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} in the answer")

    return json.loads(text, parse_constant=refuse)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.seen: set[str] = set()

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.seen.add(tag)
        if tag not in {"meta", "input", "br", "link", "img", "hr"}:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()


def whole_html(text: str) -> None:
    """A complete page: doctype, html/head/body, every element closed in order."""
    assert text.lower().lstrip().startswith("<!doctype html>"), text[:80]
    page = _Page()
    page.feed(text)
    page.close()
    assert not page.open, f"unclosed {page.open}"
    assert {"html", "head", "body"} <= page.seen


# --- fulfillment requests ---------------------------------------------------------------------

OWN = ["lamp", "hall"]
"""The token user's devices."""
VICTIM_ONLY = ["victim-lamp"]
"""Devices only the other user has (the other user also has a "lamp")."""
BAD_IDS = ["__x__", ".", "..", "a/b", "/", "lamp/../lamp", "", "é" * 751, "users/victim/x"]
COMMANDS = [
    "OnOff",
    "BrightnessAbsolute",
    "BrightnessRelative",
    "ColorAbsolute",
    "ThermostatTemperatureSetpoint",
    "ThermostatSetMode",
    "LockUnlock",
    "SetModes",
    "StartStop",
]
PARAM_NAMES = [
    "on",
    "brightness",
    "brightnessRelativePercent",
    "brightnessRelativeWeight",
    "color",
    "thermostatTemperatureSetpoint",
    "thermostatMode",
    "lock",
    "start",
    "updateModeSettings",
    "followUpToken",
]

numbers = st.one_of(
    st.integers(min_value=-5, max_value=120),
    st.integers(min_value=-5, max_value=120),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(2**70), max_value=2**70),
)
leaves = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=16))
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
device_ids = st.one_of(
    st.sampled_from(OWN + VICTIM_ONLY), st.sampled_from(BAD_IDS), st.text(max_size=12)
)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` four times in five, ``bad`` otherwise: requests that get past the first checks
    reach the intents, where the interesting answers are."""
    return st.sampled_from([True] * 4 + [False]).flatmap(lambda ok: good if ok else bad)


device_entries = mostly(
    st.fixed_dictionaries({"id": device_ids}, optional={"customData": values}), values
)
params = st.one_of(
    st.dictionaries(st.sampled_from(PARAM_NAMES) | st.text(max_size=8), values, max_size=3),
    st.fixed_dictionaries({"on": st.booleans()}),
    st.fixed_dictionaries({"brightness": numbers}),
    st.fixed_dictionaries({"brightnessRelativePercent": numbers}),
    st.fixed_dictionaries({"thermostatTemperatureSetpoint": numbers}),
    values,
)
commands_names = mostly(
    st.sampled_from(COMMANDS).map("action.devices.commands.".__add__), st.text(max_size=30)
)
executions = mostly(
    st.fixed_dictionaries(
        {"command": commands_names, "params": params}, optional={"challenge": values}
    ),
    values,
)
commands = mostly(
    st.fixed_dictionaries(
        {
            "devices": st.lists(device_entries, max_size=4),
            "execution": st.lists(executions, min_size=1, max_size=3),
        }
    ),
    values,
)
intent_names = mostly(
    st.sampled_from(["SYNC", "QUERY", "QUERY", "EXECUTE", "EXECUTE", "EXECUTE", "DISCONNECT"]).map(
        "action.devices.".__add__
    ),
    st.text(max_size=24),
)


@st.composite
def _inputs(draw: st.DrawFn) -> dict[str, Any]:
    intent = draw(intent_names)
    if intent.endswith("QUERY"):
        payload = draw(
            mostly(st.fixed_dictionaries({"devices": st.lists(device_entries, max_size=5)}), values)
        )
    elif intent.endswith("EXECUTE"):
        payload = draw(
            mostly(
                st.fixed_dictionaries({"commands": st.lists(commands, min_size=1, max_size=3)}),
                values,
            )
        )
    else:
        payload = draw(mostly(st.none() | st.just({}), values))
    return {"intent": intent} if payload is None else {"intent": intent, "payload": payload}


inputs = mostly(_inputs(), values)
envelopes = mostly(
    st.fixed_dictionaries(
        {
            "requestId": mostly(st.text(min_size=1, max_size=12), values),
            "inputs": mostly(
                st.lists(inputs, min_size=1, max_size=1), st.lists(inputs, max_size=3) | values
            ),
        }
    ),
    values,
)
RAW_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e400", "9" * 400, str(2**64), "-0", "1E-400"]


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """A request body: a JSON envelope (mostly protocol-shaped), possibly mangled."""
    text = json.dumps(draw(envelopes))
    how = draw(st.sampled_from(["as is"] * 12 + ["truncate", "number", "nest", "bytes"]))
    if how == "truncate" and text:
        text = text[: draw(st.integers(0, len(text) - 1))]
    elif how == "number":
        spot = draw(st.integers(0, len(text)))
        text = text[:spot] + draw(st.sampled_from(RAW_NUMBERS)) + text[spot:]
        if text.startswith(("{", "[")) and draw(st.booleans()):
            text = text.replace("null", draw(st.sampled_from(RAW_NUMBERS)), 1)
    elif how == "nest":
        depth = draw(st.integers(20, 3000))
        text = "[" * depth + text + "]" * depth
    elif how == "bytes":
        return draw(st.binary(max_size=64))
    return text.encode()


def token_kinds() -> st.SearchStrategy[str]:
    kinds = ["valid"] * 12 + ["victim", "victim", "forged", "swapped", "expired", "revoked", "none"]
    garbage = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
    return mostly(st.sampled_from(kinds), garbage)


def swap_user(token: str, user_id: str) -> str:
    """``token`` with its user part replaced by ``user_id``'s (the secret kept)."""
    prefix = base64.urlsafe_b64encode(user_id.encode()).rstrip(b"=").decode()
    return f"{prefix}.{token.partition('.')[2]}"


methods = st.sampled_from(["POST"] * 30 + ["GET", "PUT", "DELETE"])


# --- account-linking requests -----------------------------------------------------------------

ROUTES = ["/authorize", "/token", "/account_linking/authorize", "/account_linking/token"]
ODD_PATHS = ["/token/", "/", "/authorize/../token", "/admin", "/authorize/x"]
LINKING_NAMES = [
    "client_id",
    "client_secret",
    "redirect_uri",
    "response_type",
    "state",
    "scope",
    "user_locale",
    "grant_type",
    "code",
    "refresh_token",
    "request",
    "email",
    "password",
    "action",
]
printable = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=24)
any_text = st.text(max_size=24)
long_text = st.integers(1000, 6000).map(lambda n: "x" * n)


def linking_values(known: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(known), any_text, long_text)


def linking_forms(known: list[str]) -> st.SearchStrategy[dict[str, str]]:
    names = st.sampled_from(LINKING_NAMES) | st.text(max_size=10)
    return st.one_of(
        st.dictionaries(names, linking_values(known), max_size=8),
        st.dictionaries(st.text(max_size=3), st.just("v"), min_size=30, max_size=40),
    )


linking_paths = mostly(st.sampled_from(ROUTES), st.sampled_from(ODD_PATHS) | st.text(max_size=20))
linking_methods = mostly(
    st.sampled_from(["GET", "POST", "POST"]), st.sampled_from(["PUT", "DELETE"])
)
