"""The README's device examples are exactly the demo home that `make run` seeds."""

import json
import re
from pathlib import Path

from devstack.demo_home import DEMO_DEVICES
from functions.devices.model import parse_device

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_shows_every_demo_device_exactly() -> None:
    text = README.read_text()
    shown = dict(
        re.findall(r"#### `users/demo/devices/([\w-]+)`.*?\n\n```json\n(.*?)\n```", text, re.DOTALL)
    )
    assert list(shown) == list(DEMO_DEVICES)
    for device_id, block in shown.items():
        assert json.loads(block) == DEMO_DEVICES[device_id], device_id


def test_every_demo_device_follows_the_contract() -> None:
    for device_id, document in DEMO_DEVICES.items():
        parse_device(device_id, document)


def test_readme_documents_every_setting() -> None:
    from functions.core.config import ENV_VARS

    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", README.read_text(), re.MULTILINE))
    assert documented == set(ENV_VARS.values())
