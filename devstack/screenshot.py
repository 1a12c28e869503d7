"""``make screenshot``: remake docs/local-google-home.png, the local Google Home page after a short
tour (the front door unlocked with its PIN, the doorbell rung, the garage answered PENDING then
opened, a state written behind Google's back), on a stack of its own on free ports (``make run``
may be up meanwhile)."""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect

from devstack.browser import launch_browser
from devstack.demo_stack import DEMO_PIN, Demo
from devstack.local import PROJECT, ROOT
from devstack.stack import LocalStack

OUT = ROOT / "docs" / "local-google-home.png"
WAIT = 60_000


def tour(page: Page) -> None:
    """What the screenshot shows having happened."""
    expect(page.locator("#connection")).to_have_text("Connected to the local stack.", timeout=WAIT)
    door = page.locator("#device-front-door-lock")
    door.get_by_role("button", name="Unlock").click()
    page.locator("#pin").fill(DEMO_PIN)
    page.locator("#pin-send").click()
    expect(door.locator(".said")).to_have_text("Front door is unlocked.", timeout=WAIT)
    bell = page.locator("#device-front-doorbell details.backend")
    bell.locator("> summary").click()
    bell.get_by_role("button", name="Ring the doorbell").click()
    expect(page.locator("#feed li.feed-notification")).to_have_count(1, timeout=WAIT)
    bell.locator("> summary").click()
    garage = page.locator("#device-garage-door")
    garage.get_by_role("button", name="Open").click()
    page.locator("#pin").fill(DEMO_PIN)
    page.locator("#pin-send").click()
    expect(garage.locator(".badge.pending")).to_have_count(1, timeout=WAIT)
    expect(garage.locator(".said")).to_have_text("Garage door is open.", timeout=WAIT)
    fan = page.locator("#device-bedroom-fan details.backend")
    fan.locator("> summary").click()
    fan.get_by_label("Reports state (willReportState)").uncheck()
    fan.get_by_role("button", name="Write state").click()
    expect(page.locator("#device-bedroom-fan")).to_have_attribute(
        "data-verdict", "differs", timeout=WAIT
    )
    fan.locator("> summary").click()
    page.locator("#intents li summary").first.click()
    page.evaluate("window.scrollTo(0, 0)")


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    with tempfile.TemporaryDirectory(prefix="screenshot-") as folder:
        logs = Path(folder)
        with (
            LocalStack(PROJECT, logs) as stack,
            Demo(stack, logs, bridge_poll=1.0) as demo,
            launch_browser() as browser,
        ):
            assert demo.page
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            page.goto(demo.page.url)
            tour(page)
            page.screenshot(path=str(out))
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
