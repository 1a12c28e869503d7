"""Driving account linking as Google and a person do, for the linking tests: a stand-in identity
provider, the calls of the authorization-code flow, and what their answers say."""

import json
import urllib.parse
from datetime import UTC, datetime
from typing import Any

from functions.account_linking.http import HttpRequest, Linking
from functions.account_linking.http import respond as linking_respond
from functions.account_linking.identity import SignInFailed
from functions.fulfillment.firestore_store import FirestoreStore
from functions.fulfillment.webhook import respond as fulfillment_respond
from tests.support.emulator import PROJECT
from tests.support.world import intent

GOOGLE = f"https://oauth-redirect.googleusercontent.com/r/{PROJECT}"
SECRET = "client-secret-for-tests"
USER_ADDRESS = "192.0.2.10"
GOOGLE_HOME_IOS = "https://oauth-redirect.googleusercontent.com/a/com.google.Chromecast"


class Passwords:
    """An Identity over dictionaries: email -> (password, uid), and ID token -> uid."""

    def __init__(self) -> None:
        self.users: dict[str, tuple[str, str]] = {}
        self.id_tokens: dict[str, str] = {}

    def sign_in(self, email: str, password: str) -> str:
        stored = self.users.get(email)
        if stored is None or stored[0] != password:
            raise SignInFailed("no")
        return stored[1]

    def verify(self, id_token: str) -> str:
        if id_token not in self.id_tokens:
            raise SignInFailed("invalid ID token")
        return self.id_tokens[id_token]


NOW = datetime.now(UTC)


def call(
    linking: Linking,
    method: str,
    path: str,
    *,
    query: dict | None = None,
    form: dict | None = None,
    authorization: str | None = None,
    now: datetime = NOW,
    source: str = USER_ADDRESS,
):
    request = HttpRequest(method, path, query or {}, form or {}, authorization, source)
    return linking_respond(linking, request, now)


def authorize_query(**changes: str) -> dict[str, str]:
    return {
        "client_id": "google",
        "redirect_uri": GOOGLE,
        "response_type": "code",
        "state": "state-123",
        "scope": "",
        "user_locale": "en-US",
        **changes,
    }


def location(answer: Any) -> dict[str, str]:
    url = urllib.parse.urlsplit(answer.headers["Location"])
    return dict(urllib.parse.parse_qsl(url.query))


def request_id(page: str) -> str:
    return page.split('name="request" value="')[1].split('"', maxsplit=1)[0]


def sign_in(
    linking: Linking,
    email: str,
    password: str,
    action: str = "link",
    source: str = USER_ADDRESS,
    **query: str,
):
    page = call(linking, "GET", "/account_linking/authorize", query=authorize_query(**query))
    assert page.status == 200
    return call(
        linking,
        "POST",
        "/account_linking/authorize",
        source=source,
        form={
            "request": request_id(page.body),
            "email": email,
            "password": password,
            "action": action,
        },
    )


def exchange(
    linking: Linking,
    code: str,
    redirect_uri: str = GOOGLE,
    secret: str = SECRET,
    now: datetime = NOW,
):
    return call(
        linking,
        "POST",
        "/account_linking/token",
        now=now,
        form={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": "google",
            "client_secret": secret,
        },
    )


def app_flip(
    linking: Linking,
    id_token: str | None,
    redirect_uri: str = GOOGLE_HOME_IOS,
    client_id: str = "google",
    source: str = USER_ADDRESS,
    now: datetime = NOW,
):
    """What the maker's app sends when the Google Home app flips to it."""
    return call(
        linking,
        "POST",
        "/account_linking/appflip",
        form={"client_id": client_id, "redirect_uri": redirect_uri},
        authorization=None if id_token is None else f"Bearer {id_token}",
        source=source,
        now=now,
    )


def refresh(linking: Linking, token: str, now: datetime = NOW):
    return call(
        linking,
        "POST",
        "/account_linking/token",
        now=now,
        form={
            "grant_type": "refresh_token",
            "refresh_token": token,
            "client_id": "google",
            "client_secret": SECRET,
        },
    )


def linked(linking: Linking, person: tuple[str, str, str]) -> dict[str, Any]:
    _, email, password = person
    code = location(sign_in(linking, email, password))["code"]
    answer = exchange(linking, code)
    assert answer.status == 200, answer.body
    return json.loads(answer.body)


def fulfillment(store: FirestoreStore, access_token: str, body: dict[str, Any]) -> Any:
    """What the fulfillment answers Google's request ``body`` made with ``access_token``."""
    return fulfillment_respond(
        "POST", f"Bearer {access_token}", json.dumps(body).encode(), lambda: store
    )


def sync_status(store: FirestoreStore, access_token: str) -> int:
    return int(fulfillment(store, access_token, intent("SYNC")).status)


def disconnect_status(store: FirestoreStore, access_token: str) -> int:
    return int(fulfillment(store, access_token, intent("DISCONNECT")).status)


def error_of(answer: Any) -> tuple[int, str]:
    return answer.status, json.loads(answer.body)["error"]
