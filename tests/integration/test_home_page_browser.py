"""The local Google Home page in a real headless browser, on the parts `make run` starts: the
stack, the demo home with its PIN and device backend, the LAN bridge with a fake speaker, and the
page. One stack for every scenario; each test opens the page afresh.

Unlock the front door with a wrong PIN first; open the slow garage and see PENDING turn into open;
flip the LAN speaker's Do Not Disturb both ways; ring the doorbell and see the notification; write a
state behind Google's back and see the divergence marked; add and rename a device as the README's
tour does; and the page's server refuses what it should."""

import http.client
import json
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from devstack.browser import launch_browser
from devstack.demo_stack import DEMO_PIN, Demo
from functions.devices.pins import pin_record
from tests.support.emulator import NewStack

USER = "demo"
WAIT = 30_000
"""Milliseconds a page waits for the stack (Report State, Request Sync, a bridge poll)."""


@pytest.fixture(scope="module")
def demo(new_stack: NewStack) -> Iterator[Demo]:
    settings = {"REQUEST_SYNC_MIN_INTERVAL_SECONDS": "1"}
    with (
        new_stack(settings) as stack,
        Demo(stack, stack.logs, bridge_poll=1.0) as demo,
    ):
        yield demo


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as browser:
        yield browser


@pytest.fixture
def page(demo: Demo, browser: Any) -> Iterator[Page]:
    """The page, loaded; every request it makes is recorded on ``page.requested``."""
    assert demo.page
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    requested: list[str] = []
    errors: list[str] = []
    tab.on("request", lambda request: requested.append(request.url))
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(demo.page.url)
    expect(tab.locator("#connection")).to_have_text("Connected to the local stack.", timeout=WAIT)
    tab.requested = requested
    yield tab
    context.close()
    assert errors == [], errors


def card(page: Page, device_id: str) -> Any:
    return page.locator(f"#device-{device_id}")


def held(page: Page, device_id: str, key: str) -> Any:
    """The cell of the states Google holds for one key of a device."""
    return card(page, device_id).locator(f"tr[data-key={key}] td.google")


def backend(page: Page, device_id: str) -> Any:
    """The device's device-backend panel, opened (it stays open when the card is rebuilt)."""
    panel = card(page, device_id).locator("details.backend")
    if panel.get_attribute("open") is None:
        panel.locator("> summary").click()
    return panel


def test_unlock_the_front_door_after_a_wrong_pin(page: Page, demo: Demo) -> None:
    door = card(page, "front-door-lock")
    expect(held(page, "front-door-lock", "isLocked")).to_have_text("true", timeout=WAIT)
    door.get_by_role("button", name="Unlock").click()
    dialog = page.locator("#pin-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#pin-prompt")).to_have_text("What's the PIN for Front door?")
    expect(page.locator("#pin")).to_be_focused()  # type the PIN and press Enter
    page.keyboard.type("0000")
    page.keyboard.press("Enter")
    expect(page.locator("#pin-title")).to_have_text("Wrong PIN")
    expect(page.locator("#pin-prompt")).to_have_text(
        "Sorry, that PIN is incorrect. What's the PIN for Front door?"
    )
    page.keyboard.type(DEMO_PIN)
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(door.locator(".said")).to_have_text("Front door is unlocked.")
    expect(held(page, "front-door-lock", "isLocked")).to_have_text("false", timeout=WAIT)
    assert demo.stack.homegraph
    assert demo.stack.homegraph.reported_states(USER)["front-door-lock"]["isLocked"] is False

    latest = page.locator("#intents li").first
    summary = latest.locator("summary")
    expect(summary).to_contain_text("EXECUTE LockUnlock + challenge → front-door-lock · HTTP 200")
    summary.click()
    body = latest.locator(".body")
    expect(body).to_contain_text('"pin": "1234"')
    expect(body).to_contain_text('"followUpToken"')
    expect(body).to_contain_text("Bearer <token>")
    expect(body).to_contain_text("The device backend's command records")
    assert re.search(r"· \d+(\.\d)? ms", summary.inner_text())


def test_open_the_slow_garage_pending_then_open(page: Page) -> None:
    garage = card(page, "garage-door")
    garage.get_by_role("button", name="Open").click()
    expect(page.locator("#pin-prompt")).to_have_text("What's the PIN for Garage door?")
    page.locator("#pin").fill(DEMO_PIN)
    page.locator("#pin-send").click()
    expect(garage.locator(".badge.pending")).to_have_text("PENDING")
    expect(garage.locator(".said")).to_have_text("Opening Garage door.")
    expect(held(page, "garage-door", "openPercent")).to_have_text("0")
    # The reference backend opens it after 3 s: the follow-up response, then Report State.
    expect(garage.locator(".said")).to_have_text("Garage door is open.", timeout=WAIT)
    expect(garage.locator(".badge.pending")).to_have_count(0)
    expect(held(page, "garage-door", "openPercent")).to_have_text("100", timeout=WAIT)
    feed = page.locator("#feed")
    expect(feed).to_contain_text("Follow-up response: Garage door is open.")


def test_flip_the_lan_speakers_do_not_disturb(page: Page, demo: Demo) -> None:
    assert demo.speaker
    switch = card(page, "bedroom-speaker-dnd").get_by_role("button", name="Turn on")
    expect(switch).to_have_attribute("aria-pressed", "false", timeout=WAIT)
    switch.click()
    expect(held(page, "bedroom-speaker-dnd", "on")).to_have_text("true", timeout=WAIT)
    assert demo.speaker.dnd is True  # the bridge carried the command to the speaker itself
    # A person presses the speaker's own button: the bridge's poll brings it to Google.
    expect(page.locator("#speaker-state")).to_have_text(
        "The speaker itself says Do Not Disturb is on.", timeout=WAIT
    )
    page.get_by_role("button", name="Press Do Not Disturb on the speaker").click()
    expect(held(page, "bedroom-speaker-dnd", "on")).to_have_text("false", timeout=WAIT)
    assert demo.speaker.dnd is False


def test_ring_the_doorbell_and_hear_the_notification(page: Page) -> None:
    panel = backend(page, "front-doorbell")
    panel.get_by_label("Visitor").fill("Alice")
    panel.get_by_role("button", name="Ring the doorbell").click()
    announced = "Front doorbell: Alice is at the door."
    expect(page.locator("#feed li.feed-notification")).to_have_text(
        re.compile(r"^\d\d:\d\d:\d\d\.\d{3} Notification: " + re.escape(announced) + "$"),
        timeout=WAIT,
    )
    expect(page.locator("#assistant")).to_have_text(announced)


def test_a_state_written_behind_googles_back_is_marked(page: Page) -> None:
    outlet = card(page, "desk-outlet")
    expect(outlet).to_have_attribute("data-verdict", "inStep", timeout=WAIT)
    panel = backend(page, "desk-outlet")
    panel.get_by_label("Reports state (willReportState)").uncheck()
    expect(panel.locator(".result")).to_have_text("willReportState is false in Firestore.")
    panel.get_by_label("State", exact=True).fill("on")
    panel.get_by_label("Value (JSON)").fill("true")
    panel.get_by_role("button", name="Write state").click()
    expect(outlet).to_have_attribute("data-verdict", "differs", timeout=WAIT)
    expect(outlet.locator(".badge.differs")).to_have_text("Google ≠ Firestore: on")
    row = outlet.locator("tr[data-key=on]")
    expect(row).to_have_class("differs")
    expect(row.locator("td.mark")).to_have_text("≠ differs")
    expect(row.locator("td.google")).to_have_text("false")
    expect(row.locator("td.firestore")).to_have_text("true")

    # Reporting on again, the next state write reaches Google and the mark goes.
    panel = backend(page, "desk-outlet")
    panel.get_by_label("Reports state (willReportState)").check()
    panel.get_by_label("State", exact=True).fill("on")
    panel.get_by_label("Value (JSON)").fill("false")
    panel.get_by_role("button", name="Write state").click()
    expect(outlet).to_have_attribute("data-verdict", "inStep", timeout=WAIT)


def test_a_device_added_and_renamed_in_firestore_appears_after_the_request_sync(
    page: Page,
) -> None:
    form = page.locator("#add-device")
    form.get_by_label("Device id", exact=True).fill("porch-light")
    form.get_by_label("Name", exact=True).fill("Porch light")
    form.get_by_label("Room", exact=True).fill("Porch")
    form.get_by_role("button", name="Add to Firestore").click()
    expect(form.locator(".result")).to_contain_text("Added porch-light to Firestore")
    porch = page.locator("#s-room-Home-Porch #device-porch-light")
    expect(porch.locator("h5")).to_have_text("Porch light", timeout=WAIT)
    panel = backend(page, "porch-light")
    panel.get_by_label("Name", exact=True).fill("Front porch light")
    panel.get_by_role("button", name="Rename").click()
    expect(porch.locator("h5")).to_have_text("Front porch light", timeout=WAIT)
    expect(page.locator("#feed")).to_contain_text("Request Sync")


def test_an_acknowledgement_is_asked_and_no_sends_nothing(page: Page, demo: Demo) -> None:
    speaker = demo.stack.store.client.document(f"users/{USER}/devices/kitchen-speaker")
    speaker.update({"secondaryVerification": {"action.devices.commands.OnOff": "ackNeeded"}})
    assert demo.page
    switch = card(page, "kitchen-speaker").locator("#onoff-kitchen-speaker")
    expect(switch).to_have_text("Turn off", timeout=WAIT)
    switch.click()
    dialog = page.locator("#ack-dialog")
    expect(page.locator("#ack-prompt")).to_have_text("Turning Kitchen speaker off. Are you sure?")
    expect(page.locator("#ack-yes")).to_be_focused()
    sent = len(demo.page.google.recent())
    dialog.get_by_role("button", name="No", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(card(page, "kitchen-speaker").locator(".said")).to_have_text(
        "OK, I won't change Kitchen speaker."
    )
    assert len(demo.page.google.recent()) == sent  # No sends nothing
    switch.click()
    dialog.get_by_role("button", name="Yes", exact=True).click()
    expect(held(page, "kitchen-speaker", "on")).to_have_text("false", timeout=WAIT)
    challenge = demo.page.google.recent()[0]["request"]["body"]["inputs"][0]["payload"]
    assert challenge["commands"][0]["execution"][0]["challenge"] == {"ack": True}


def test_any_command_and_device_errors_as_the_assistant_says_them(page: Page) -> None:
    light = card(page, "kitchen-light")
    light.get_by_text("Any command of Kitchen light").click()
    light.get_by_label("Command").select_option("action.devices.commands.BrightnessAbsolute")
    light.get_by_label("Params (JSON)").fill('{"brightness": 30}')
    light.get_by_role("button", name="Send EXECUTE").click()
    expect(light.locator(".said")).to_have_text("Setting Kitchen light to 30%.")
    expect(held(page, "kitchen-light", "brightness")).to_have_text("30", timeout=WAIT)
    light.get_by_label("Params (JSON)").fill('{"brightness": 300}')
    light.get_by_role("button", name="Send EXECUTE").click()
    expect(light.locator(".said")).to_have_text("Sorry, Kitchen light can't be set to that value.")
    card(page, "garage-outlet").get_by_role("button", name="Turn on").click()
    expect(card(page, "garage-outlet").locator(".said")).to_have_text(
        "Sorry, it looks like Garage outlet is unavailable right now."
    )


def test_the_page_loads_nothing_from_another_host(page: Page, demo: Demo) -> None:
    assert demo.page
    hosts = {urllib.parse.urlsplit(url).netloc for url in page.requested}  # type: ignore[attr-defined]
    assert hosts == {f"127.0.0.1:{demo.page.port}"}


def call(demo: Demo, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
    assert demo.page
    connection = http.client.HTTPConnection("127.0.0.1", demo.page.port, timeout=30)
    data = (
        None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    )
    sent = {
        "Content-Type": "application/json",
        **{k.replace("_", "-"): v for k, v in headers.items()},
    }
    connection.request(method, path, body=data, headers=sent)
    answer = connection.getresponse()
    status, raw = answer.status, answer.read()
    connection.close()
    return status, json.loads(raw) if raw else None


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "error"),
    [
        ("POST", "/api/intent", {"intent": "action.devices.DISCONNECT"}, {}, 400, "intent must be"),
        (
            "POST",
            "/api/devices/desk-outlet",
            {"update": {"customData.x": 1}},
            {},
            400,
            "cannot be written",
        ),
        (
            "POST",
            "/api/devices/nothing-here",
            {"update": {"states.on": True}},
            {},
            400,
            "no device",
        ),
        (
            "POST",
            "/api/devices/desk-outlet/events",
            {"trait": "OnOff", "notification": {"a": 1}},
            {},
            400,
            "trait must be",
        ),
        ("POST", "/api/intent", b"{not json", {}, 400, "not JSON"),
        (
            "POST",
            "/api/intent",
            {"intent": "action.devices.SYNC"},
            {"Content_Type": "text/plain"},
            415,
            "send JSON",
        ),
        (
            "POST",
            "/api/intent",
            {"intent": "action.devices.SYNC"},
            {"Origin": "http://evil.example"},
            403,
            "other pages",
        ),
        ("GET", "/api/updates", None, {"Host": "evil.example"}, 403, "own address"),
        ("GET", "/api/updates?since=x", None, {}, 400, "since must be"),
        ("GET", "/api/nothing", None, {}, 404, "no such page"),
    ],
)
def test_the_pages_server_refuses_what_it_should_and_changes_nothing(
    demo: Demo,
    method: str,
    path: str,
    body: Any,
    headers: dict[str, str],
    status: int,
    error: str,
) -> None:
    assert demo.page
    before = demo.page.documents()
    intents = len(demo.page.google.recent())
    got_status, answer = call(demo, method, path, body, **headers)
    assert (got_status, error in answer["error"]) == (status, True), answer
    assert demo.page.documents() == before
    assert len(demo.page.google.recent()) == intents


def test_too_many_wrong_pins_are_refused_until_the_pin_is_set_again(page: Page, demo: Demo) -> None:
    """Last: it locks the user's PIN-protected commands for 15 minutes."""
    door = card(page, "front-door-lock")
    door.get_by_role("button", name="Lock", exact=True).click()  # no PIN needed to lock
    expect(door.locator(".said")).to_have_text("Front door is locked.")
    door.get_by_role("button", name="Unlock").click()
    for attempt in range(1, 6):
        expect(page.locator("#pin")).to_be_focused()
        expect(page.locator("#pin")).to_have_value("")
        page.keyboard.type("9999")
        page.keyboard.press("Enter")
        if attempt < 5:
            expect(page.locator("#pin-title")).to_have_text("Wrong PIN")
            expect(page.locator("#pin")).to_have_value("", timeout=WAIT)
    expect(page.locator("#pin-dialog")).to_be_hidden()
    expect(door.locator(".said")).to_have_text(
        "Sorry, too many failed attempts. Try again later, or use the app."
    )
    demo.stack.store.set_pin(USER, pin_record(DEMO_PIN))  # the PIN set again clears the lock
    door.get_by_role("button", name="Unlock").click()
    expect(page.locator("#pin-prompt")).to_have_text("What's the PIN for Front door?")
