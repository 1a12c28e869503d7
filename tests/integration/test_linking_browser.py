"""Account linking end to end in a real headless browser, on the local stack: Google's side
sends the browser to the authorization page, the person signs in (Firebase Auth emulator), the
browser is redirected back with a code, Google's side exchanges it and calls SYNC; then refresh,
DISCONNECT and linking again."""

import json
import secrets
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.browser import launch_browser
from devstack.google_linking import LinkingFailed
from devstack.stack import LocalStack
from functions.fulfillment.webhook import respond
from tests.support.emulator import NewStack
from tests.support.world import intent, light


@pytest.fixture(scope="module")
def stack(new_stack: NewStack) -> Iterator[LocalStack]:
    """The local stack with signed tokens, as `make run` and a deployment have them."""
    settings = {"TOKEN_MAC_KEY": secrets.token_urlsafe(48)}
    with new_stack(settings) as stack:
        yield stack


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as browser:
        yield browser


@pytest.fixture
def person(stack: LocalStack) -> dict[str, str]:
    uid = f"person-{uuid.uuid4().hex[:8]}"
    who = {"uid": uid, "email": f"{uid}@example.com", "password": "a long passphrase"}
    stack.add_person(who["uid"], who["email"], who["password"])
    stack.store.device(uid, "lamp").set(light())
    return who


def sign_in(browser: Any, stack: LocalStack, email: str, password: str, button: str) -> Any:
    assert stack.google
    page = browser.new_page()
    page.goto(stack.google.authorization_url())
    assert "Link your smart home account to Google" in page.content()
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click(f"button[value={button}]")
    return page


def fulfillment(stack: LocalStack, token: str, name: str) -> Any:
    return respond(
        "POST", f"Bearer {token}", json.dumps(intent(name)).encode(), lambda: stack.store
    )


def over_http(stack: LocalStack, token: str, name: str) -> int:
    """The status the fulfillment's server answers, as Google calls it."""
    request = urllib.request.Request(
        stack.url("fulfillment"),
        data=json.dumps(intent(name)).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_link_refresh_disconnect_and_link_again(stack, browser, person) -> None:
    assert stack.google and stack.homegraph
    page = sign_in(browser, stack, person["email"], person["password"], "link")
    assert page.inner_text("#result") == f"Linked: {person['uid']} with 1 devices"
    page.close()
    account = stack.google.accounts[person["uid"]]
    assert [d["id"] for d in stack.homegraph.synced_devices(person["uid"])] == ["lamp"]
    assert stack.store.is_linked(person["uid"])

    first_access, first_refresh = account.access_token, account.refresh_token
    assert first_access.count(".") == 2 and first_refresh.count(".") == 2, "signed tokens"
    assert over_http(stack, first_access, "SYNC") == 200
    forged = first_access.rpartition(".")[0] + ".forged"
    assert over_http(stack, forged, "SYNC") == 401
    refreshed = stack.google.refresh(person["uid"])
    assert refreshed != first_access
    assert stack.google.accounts[person["uid"]].refresh_token != first_refresh, "rotated"
    assert fulfillment(stack, refreshed, "SYNC").status == 200

    answer = fulfillment(stack, refreshed, "DISCONNECT")
    assert (answer.status, answer.body) == (200, {})  # Google documents an empty answer
    assert fulfillment(stack, refreshed, "SYNC").status == 401
    with pytest.raises(LinkingFailed, match="invalid_grant"):
        stack.google.refresh(person["uid"])
    assert not stack.store.is_linked(person["uid"])

    page = sign_in(browser, stack, person["email"], person["password"], "link")
    assert page.inner_text("#result") == f"Linked: {person['uid']} with 1 devices"
    page.close()
    assert fulfillment(stack, stack.token_for(person["uid"]), "SYNC").status == 200
    assert stack.store.is_linked(person["uid"])


def test_cancel_returns_access_denied_to_google(stack, browser, person) -> None:
    page = sign_in(browser, stack, person["email"], "", "cancel")
    assert page.inner_text("#result") == "Linking failed: authorization refused: access_denied"
    page.close()
    assert stack.google and person["uid"] not in stack.google.accounts


def test_a_wrong_password_stays_on_the_sign_in_page(stack, browser, person) -> None:
    page = sign_in(browser, stack, person["email"], "not the password", "link")
    assert "Wrong email or password." in page.content()
    page.fill("#password", person["password"])
    with page.expect_navigation():
        page.click("button[value=link]")
    assert page.inner_text("#result") == f"Linked: {person['uid']} with 1 devices"
    page.close()


def test_a_token_the_local_stack_mints_is_signed_and_accepted(stack: LocalStack) -> None:
    """What `make run` hands the pre-linked demo user (and `make token` prints)."""
    token = stack.token_for(f"minted-{uuid.uuid4().hex[:8]}")
    assert token.count(".") == 2
    assert over_http(stack, token, "SYNC") == 200
    unsigned = token.rpartition(".")[0]
    assert over_http(stack, unsigned, "SYNC") == 401, "no unsigned tokens on a signing stack"
