"""Google's side of account linking, for the local stack and tests (never deployed).

It plays what Google does when a user links in the Google Home app: it sends the browser to the
authorization URL with a fresh ``state``, receives the redirect on its redirect URI
(``/r/<project>``, like ``https://oauth-redirect.googleusercontent.com/r/<project>``), exchanges
the code at the token endpoint (client id and secret in an HTTP Basic header), calls SYNC with the
new access token to learn the agentUserId, and from then on refreshes the access token when it
expires, as Google does.
"""

import base64
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Linked:
    """One linked account as Google keeps it."""

    access_token: str
    refresh_token: str
    expires_at: float


class LinkingFailed(Exception):
    """The token endpoint or SYNC refused; the message says which and why."""


class GoogleLinking:
    """Start with ``start()``, stop with ``stop()``."""

    def __init__(
        self,
        project: str,
        client_id: str,
        client_secret: str,
        *,
        linking_url: str,
        fulfillment_url: str,
    ) -> None:
        self.project = project
        self.client_id = client_id
        self.client_secret = client_secret
        self.linking_url = linking_url.rstrip("/")
        self.fulfillment_url = fulfillment_url
        self.accounts: dict[str, Linked] = {}
        self.results: list[dict[str, Any]] = []
        """What each redirect led to: {"agentUserId", "devices"} or {"error"}."""
        self._states: set[str] = set()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.on_linked: list[Any] = []
        """Callbacks ``(agent_user_id)`` run after a successful link (e.g. Home Graph learns it)."""

    @property
    def start_url(self) -> str:
        """Open this in a browser to link, as the Google Home app does (a fresh state each time)."""
        return f"http://127.0.0.1:{self.port}/start"

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/r/{self.project}"

    def start(self) -> "GoogleLinking":
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)  # the OS picks a free port
        self.port = int(self._httpd.server_address[1])
        self._httpd.app = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="google-linking"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd and self._thread:
            self._httpd.shutdown()
            self._thread.join()
            self._httpd.server_close()
            self._httpd = None

    def authorization_url(self) -> str:
        """Where Google sends the user's browser to link (a fresh state each time)."""
        state = secrets.token_urlsafe(16)
        with self._lock:
            self._states.add(state)
        query = urllib.parse.urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "response_type": "code",
                "state": state,
                "scope": "",
                "user_locale": "en-US",
            }
        )
        return f"{self.linking_url}/authorize?{query}"

    def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        request = urllib.request.Request(
            f"{self.linking_url}/token",
            data=urllib.parse.urlencode(form).encode(),
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:
                return dict(json.load(answer))
        except urllib.error.HTTPError as error:
            raise LinkingFailed(f"token endpoint {error.code}: {error.read().decode()}") from None

    def _sync(self, access_token: str) -> dict[str, Any]:
        body = {"requestId": secrets.token_hex(8), "inputs": [{"intent": "action.devices.SYNC"}]}
        request = urllib.request.Request(
            self.fulfillment_url,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:
                return dict(json.load(answer)["payload"])
        except urllib.error.HTTPError as error:
            raise LinkingFailed(f"SYNC {error.code}") from None

    def complete(self, query: dict[str, str]) -> dict[str, Any]:
        """Handle the redirect: check state, exchange the code, SYNC, keep the tokens."""
        with self._lock:
            known = query.get("state") in self._states
            self._states.discard(query.get("state", ""))
        if not known:
            raise LinkingFailed("unknown state")
        if "error" in query:
            raise LinkingFailed(f"authorization refused: {query['error']}")
        tokens = self._token_request(
            {
                "grant_type": "authorization_code",
                "code": query.get("code", ""),
                "redirect_uri": self.redirect_uri,
            }
        )
        payload = self._sync(tokens["access_token"])
        user = payload["agentUserId"]
        with self._lock:
            self.accounts[user] = Linked(
                tokens["access_token"], tokens["refresh_token"], time.time() + tokens["expires_in"]
            )
        for callback in self.on_linked:
            callback(user)
        return {"agentUserId": user, "devices": len(payload["devices"])}

    def refresh(self, user_id: str) -> str:
        """A new access token with the refresh token (rotated if the server rotates it)."""
        account = self.accounts[user_id]
        tokens = self._token_request(
            {"grant_type": "refresh_token", "refresh_token": account.refresh_token}
        )
        with self._lock:
            self.accounts[user_id] = Linked(
                tokens["access_token"],
                tokens.get("refresh_token", account.refresh_token),
                time.time() + tokens["expires_in"],
            )
        return str(tokens["access_token"])

    def access_token(self, user_id: str) -> str:
        """The user's access token, refreshed first when it has (nearly) expired."""
        account = self.accounts[user_id]
        if account.expires_at - 60 < time.time():
            return self.refresh(user_id)
        return account.access_token


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def do_GET(self) -> None:
        app: GoogleLinking = self.server.app  # type: ignore[attr-defined]
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/start":
            self.send_response(302)
            self.send_header("Location", app.authorization_url())
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if url.path != f"/r/{app.project}":
            self._answer(404, "Not found")
            return
        try:
            result = app.complete(dict(urllib.parse.parse_qsl(url.query)))
        except LinkingFailed as error:
            app.results.append({"error": str(error)})
            self._answer(400, f"Linking failed: {error}")
            return
        app.results.append(result)
        self._answer(200, f"Linked: {result['agentUserId']} with {result['devices']} devices")

    def _answer(self, status: int, text: str) -> None:
        body = f"<!doctype html><title>Google</title><p id=result>{escape(text)}</p>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no request lines (they would carry codes)."""
