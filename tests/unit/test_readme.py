"""The documented device examples are exactly the demo home that `make run` seeds, and the
configuration page lists exactly the settings the functions read."""

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from devstack.demo_home import DEMO_DEVICES
from functions.core.config import ENV_VARS
from functions.devices.model import parse_device

DOCS = Path(__file__).resolve().parents[2] / "docs"
DEVICES_PAGE = DOCS / "demo-home.md"
CONFIGURATION_PAGE = DOCS / "configuration.md"
MIN_EXAMPLES = 11
"""The demo home's device count when the examples moved to docs/demo-home.md; fewer found means
examples went missing (or the pattern below no longer matches the page's headings)."""

HEADING = re.compile(r"^#{2,4} `users/demo/devices/", re.MULTILINE)
EXAMPLE = re.compile(
    r"^#{2,4} `users/demo/devices/([\w-]+)`[^\n]*\n\n```json\n(.*?)\n```", re.MULTILINE | re.DOTALL
)


def example_problems(text: str) -> list[str]:
    """Every way the page's examples differ from DEMO_DEVICES; empty when they are equal."""
    shown = EXAMPLE.findall(text)
    problems = []
    if len(HEADING.findall(text)) != len(shown):
        problems.append("an example heading is not followed by a ```json block")
    ids = [device_id for device_id, _ in shown]
    if ids != list(DEMO_DEVICES):
        problems.append(f"examples {ids} are not the demo devices {list(DEMO_DEVICES)}")
    for device_id, block in shown:
        try:
            document = json.loads(block)
        except json.JSONDecodeError as error:
            problems.append(f"{device_id}: not JSON: {error}")
            continue
        if document != DEMO_DEVICES.get(device_id):
            problems.append(f"{device_id}: differs from devstack/demo_home.py")
    return problems


def test_devices_page_shows_every_demo_device_exactly() -> None:
    text = DEVICES_PAGE.read_text()
    assert len(EXAMPLE.findall(text)) >= MIN_EXAMPLES
    assert example_problems(text) == []


def _change_a_value(text: str) -> str:
    assert text.count('"brightness": 80') == 1
    return text.replace('"brightness": 80', '"brightness": 81')


def _drop_the_last_example(text: str) -> str:
    last = list(EXAMPLE.finditer(text))[-1]
    return text[: last.start()] + text[last.end() :]


def _swap_two_examples(text: str) -> str:
    first, second = list(EXAMPLE.finditer(text))[:2]
    return (
        text[: first.start()]
        + second.group(0)
        + text[first.end() : second.start()]
        + first.group(0)
        + text[second.end() :]
    )


def _break_a_block(text: str) -> str:
    heading = HEADING.search(text)
    assert heading is not None
    return text[: heading.end()] + text[heading.end() :].replace("```json\n", "```\n", 1)


@pytest.mark.parametrize(
    "change", [_change_a_value, _drop_the_last_example, _swap_two_examples, _break_a_block]
)
def test_a_changed_example_is_caught(change: Callable[[str], str]) -> None:
    assert example_problems(change(DEVICES_PAGE.read_text())) != []


def test_every_demo_device_follows_the_contract() -> None:
    for device_id, document in DEMO_DEVICES.items():
        parse_device(device_id, document)


def test_configuration_page_documents_every_setting() -> None:
    documented = re.findall(r"^\| `([A-Z_]+)` \|", CONFIGURATION_PAGE.read_text(), re.MULTILINE)
    assert sorted(documented) == sorted(ENV_VARS.values())
