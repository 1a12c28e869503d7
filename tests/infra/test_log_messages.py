"""The log lines terraform/monitoring.tf counts are the ones the code writes.

Every log-based metric filters on a `message` (functions/core/logs.py writes it as
jsonPayload.message) and reads fields of that line. A renamed message or field would leave a
metric at zero and its alert silent, so this test reads the Python source under functions/ and
fails on a message or field the code no longer writes.
"""

import ast
import functools
import re
from collections import defaultdict

from tests.infra.terraform_config import ROOT, local_values, resources

FUNCTIONS = ROOT / "functions"
# Messages a metric may read before the code writes them (none: every one is written).
PENDING: set[str] = set()
# Severity and fields of each message the metrics read (the interface of issue 19).
EXPECTED = {
    "homegraph call": (None, {"method", "status", "latencyMs"}),
    "intent answered": ("info", {"intent", "latencyMs", "httpStatus", "devices", "failedDevices"}),
    "state accuracy": ("info", {"checked", "exact", "accuracy"}),
    "state mismatch": ("warning", {"deviceId", "traits"}),
    "Home Graph budget exhausted; waiting": ("warning", {"kind"}),
    "pin locked": ("warning", set()),
    "execute throttled": ("warning", set()),
    "sign-in refused: too many failed attempts": ("warning", set()),
    "token refused: too many failed client authentications": ("warning", set()),
    "message too old to retry; dropped": ("error", set()),
    "malformed message; dropped": ("error", set()),
    "event too old; dropped": ("error", set()),
    "undecodable event; dropped": ("error", set()),
    "report state refused; not retried": ("error", set()),
    "request sync refused; not retried": ("error", set()),
}
SEVERITIES = {"info", "warning", "error"}


def filtered_messages() -> set[str]:
    """Every message a log-based metric filters on: its locals and any literal in a filter."""
    locals_ = local_values()
    named = set(locals_["log_messages"].values()) | set(locals_["given_up_messages"])
    literal = set()
    for metric in resources("google_logging_metric").values():
        literal.update(re.findall(r'jsonPayload\.message="([^"$]+)"', metric["filter"]))
    return named | literal


def fields_read() -> dict[str, set[str]]:
    """Message -> the jsonPayload fields the metrics of that one message filter on or extract."""
    read: dict[str, set[str]] = defaultdict(set)
    messages = local_values()["log_messages"]
    for metric in local_values()["log_metrics"].values():
        keys = re.findall(r"local\.log_messages\.(\w+)", metric["filter"])
        if len(keys) != 1:
            continue  # a metric over several messages reads only their common fields
        text = " ".join([metric["filter"], *metric["labels"].values(), str(metric["value"])])
        read[messages[keys[0]]].update(re.findall(r"jsonPayload\.(\w+)", text))
    for fields in read.values():
        fields.discard("message")
    return read


@functools.cache
def logged() -> dict[str, list[tuple[str, set[str] | None]]]:
    """Message -> (severity, keyword fields or None when **fields are passed) of every
    logs.info/warning/error/log call under functions/ with a literal message."""
    calls: dict[str, list[tuple[str, set[str] | None]]] = defaultdict(list)
    for path in FUNCTIONS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            if ast.unparse(node.func.value) != "logs":
                continue
            severity, args = node.func.attr, list(node.args)
            first = args[0] if args else None
            if severity == "log" and isinstance(first, ast.Constant):
                severity = str(first.value).lower()
                args = args[1:]
            if severity not in SEVERITIES or not args:
                continue
            if not isinstance(args[0], ast.Constant) or not isinstance(args[0].value, str):
                continue
            keywords = {k.arg for k in node.keywords}
            fields = None if None in keywords else {k for k in keywords if k is not None}
            calls[args[0].value].append((severity, fields))
    return calls


def strings_in_source() -> set[str]:
    found = set()
    for path in FUNCTIONS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def test_every_filtered_message_has_an_expected_shape() -> None:
    assert filtered_messages() == set(EXPECTED)


def unwritten(messages: set[str], source: set[str]) -> list[str]:
    """The messages, pending ones aside, that no string in the source is."""
    return sorted(m for m in messages - PENDING if m not in source)


def test_every_message_the_metrics_filter_on_is_written_by_the_code() -> None:
    source = strings_in_source()
    missing = unwritten(filtered_messages(), source)
    assert not missing, f"monitoring.tf counts log lines the code no longer writes: {missing}"
    pending = sorted(m for m in filtered_messages() & PENDING if m not in source)
    print(f"log messages pending in the code ({len(pending)}): {pending}")
    arrived = sorted(m for m in PENDING if m in source)
    if arrived:
        print(f"now written by the code, checked, and can leave PENDING: {arrived}")


def test_each_written_message_has_its_severity_and_fields() -> None:
    calls = logged()
    for message, (severity, fields) in EXPECTED.items():
        if message not in calls:
            assert message in PENDING, f"{message!r} is not logged with a literal message"
            continue
        severities = {s for s, _ in calls[message]}
        if severity is not None:
            assert severities == {severity}, f"{message!r} is logged as {severities}"
        explicit = [f for _, f in calls[message] if f is not None]
        if explicit and len(explicit) == len(calls[message]):
            given = set().union(*explicit)
            assert fields <= given, f"{message!r} lacks fields {sorted(fields - given)}"


def test_the_metrics_read_only_the_fields_of_the_interface() -> None:
    for message, fields in fields_read().items():
        assert fields <= EXPECTED[message][1], (message, sorted(fields - EXPECTED[message][1]))
    # The ones the alerts need are read.
    read = fields_read()
    assert read["homegraph call"] >= {"method", "status", "latencyMs"}
    assert read["intent answered"] >= {"intent", "httpStatus", "failedDevices", "latencyMs"}
    assert read["state accuracy"] == {"accuracy"}


def test_the_check_fails_on_a_renamed_message() -> None:
    """A message monitoring.tf counted that no code writes (here: one renamed) is reported."""
    source = strings_in_source() - {"report state refused; not retried"}
    assert unwritten(filtered_messages(), source) == ["report state refused; not retried"]
    assert unwritten({"report state refused"}, strings_in_source()) == ["report state refused"]
