"""README.md shows `make run`'s banner exactly as devstack/run.py prints it."""

import re
from pathlib import Path

from devstack.demo_home import DEMO_DEVICES
from devstack.local import emulator_address
from devstack.run import PAGE_OFFSET, Addresses, banner

README = Path(__file__).resolve().parents[2] / "README.md"
_, FUNCTIONS = emulator_address("functions")
EXAMPLE = Addresses(
    project="demo-smarthome",
    page=f"http://127.0.0.1:{FUNCTIONS + PAGE_OFFSET}/",
    firestore="127.0.0.1:8080",
    pubsub="127.0.0.1:8085",
    fulfillment=f"http://127.0.0.1:{FUNCTIONS}/",
    written=f"http://127.0.0.1:{FUNCTIONS + 1}/",
    change=f"http://127.0.0.1:{FUNCTIONS + 2}/",
    homegraph="http://127.0.0.1:40123",
    linking=f"http://127.0.0.1:{FUNCTIONS + 3}/",
    auth="127.0.0.1:9099",
    devices=len(DEMO_DEVICES),
    speaker="https://127.0.0.1:40127",
    token="ZGVtbw.Vgj…",
    google_start="http://127.0.0.1:40125/start",
)


def readme_banner(text: str) -> str:
    found = re.search(r"`make run` prints something like:\n\n```\n(.*?)\n```", text, re.DOTALL)
    assert found, "README.md no longer shows make run's banner after 'prints something like:'"
    return found.group(1)


def test_the_readme_shows_the_banner_make_run_prints() -> None:
    assert readme_banner(README.read_text()) == banner(EXAMPLE)


def test_a_banner_that_changed_is_caught() -> None:
    changed = banner(EXAMPLE).replace(f"{len(DEMO_DEVICES)} devices", "13 devices")
    assert changed != banner(EXAMPLE)
    assert readme_banner(f"`make run` prints something like:\n\n```\n{changed}\n```") != banner(
        EXAMPLE
    )
