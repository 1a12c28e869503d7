"""The local Google Home page (``make run`` prints its address): a browser page that plays the
Google Home app and Google's own view of one user's home, on 127.0.0.1 only.

Its server is Google's side of the page: it reads what Google holds from the local Home Graph's
records (``/local/homes``, ``/local/records``), the device documents from Firestore, and sends
real intents to the fulfillment (devstack/home_google.py). It also plays the device backend for
the maker (writes device documents and events, presses the fake speaker's button), so the whole
loop happens in one place. The page itself is plain HTML, CSS and JavaScript in
devstack/home_page/ (no framework, nothing from another host). docs/local-google-home.md.
"""

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devstack import assistant, home_requests
from devstack.home_google import PageGoogle
from devstack.home_requests import DeviceEvent, DeviceWrite, Refused
from devstack.home_view import home_view
from devstack.homegraph_journal import timestamp
from functions.devices.traits import CATALOGUE

STATIC = Path(__file__).resolve().parent / "home_page"
FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/dom.js": ("dom.js", "text/javascript; charset=utf-8"),
    "/controls.js": ("controls.js", "text/javascript; charset=utf-8"),
    "/backend.js": ("backend.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
}
MAX_BODY = 1 << 20
FEED_PAGE = 200
BACKEND_WATCH = 10
"""EXECUTEs whose command records the page follows (the backend's outcomes)."""
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class HomePage:
    """``start()`` then ``stop()``; ``url`` is the page's address."""

    def __init__(
        self,
        user_id: str,
        *,
        fulfillment_url: str,
        homegraph_url: str,
        client: Any,
        issue_token: Callable[[], str],
        speaker_url: str | None = None,
        linking_url: str | None = None,
        templates: Mapping[str, Mapping[str, Any]] | None = None,
        port: int = 0,
    ) -> None:
        self.user_id = user_id
        self.homegraph_url = homegraph_url.rstrip("/")
        self.client = client
        self.google = PageGoogle(fulfillment_url, issue_token)
        self.speaker_url = speaker_url
        self.linking_url = linking_url
        self.templates = dict(templates or {})
        self.port = port
        self._outcomes: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> "HomePage":
        httpd = _Server(("127.0.0.1", self.port), _Handler)
        self.port = int(httpd.server_address[1])
        httpd.page = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="home-page"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None and self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._httpd.server_close()  # joins the request threads
            self._httpd = None

    def __enter__(self) -> "HomePage":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # What the page reads --------------------------------------------------------------------

    def setup(self) -> dict[str, Any]:
        """What the page needs once: the user, the traits' commands, device templates, links."""
        return {
            "user": self.user_id,
            "catalogue": CATALOGUE,
            "templates": self.templates,
            "links": {
                "linking": self.linking_url,
                "fulfillment": self.google.fulfillment_url,
                "homegraph": self.homegraph_url,
            },
            "speaker": self.speaker_url is not None,
        }

    def updates(self, since: int) -> dict[str, Any]:
        """The home (Google's and Firestore's), Google's records after ``since``, the last
        intents with what the device backend recorded for them, and the fake speaker."""
        google = self._homegraph(f"/local/homes/{urllib.parse.quote(self.user_id, safe='')}")
        home = home_view(google, self.documents())
        names = {d["id"]: d["name"] or d["id"] for d in home["devices"]}
        return {
            "home": home,
            "feed": self.feed(since, names),
            "intents": [self._with_outcomes(r) for r in self.google.recent()],
            "speaker": self._speaker("/fake/state", None) if self.speaker_url else None,
        }

    def documents(self) -> dict[str, dict[str, Any]]:
        devices = self.client.collection(f"users/{self.user_id}/devices")
        return {snap.id: jsonable(snap.to_dict() or {}) for snap in devices.stream()}

    def feed(self, since: int, names: Mapping[str, str]) -> dict[str, Any]:
        """Google's records for the user after ``since``, each notification and follow-up with
        what the Assistant announces; ``reset`` when the local Home Graph restarted."""
        query = urllib.parse.urlencode(
            {"agentUserId": self.user_id, "since": since, "limit": FEED_PAGE}
        )
        try:
            page = self._homegraph(f"/local/records?{query}")
        except Refused:  # a cursor from before a restart: start again
            return {"records": [], "cursor": 0, "missed": 0, "reset": True}
        assert page is not None
        for record in page["records"]:
            name = names.get(record.get("deviceId", ""), record.get("deviceId", ""))
            if record["kind"] == "followUp":
                response = record["payload"].get("followUpResponse") or {}
                record["said"] = assistant.follow_up(record["trait"], response, name)
            elif record["kind"] == "notification":
                record["said"] = assistant.notification(record["trait"], record["payload"], name)
        return {"records": page["records"], "cursor": page["cursor"], "missed": page["missed"]}

    # What the page does ---------------------------------------------------------------------

    def send(self, body: Any) -> dict[str, Any]:
        """An intent, sent as Google sends it."""
        intent = home_requests.intent(body)
        google = self._homegraph(f"/local/homes/{urllib.parse.quote(self.user_id, safe='')}")
        names = {
            d["id"]: (d.get("name") or {}).get("name") or d["id"]
            for d in (google or {}).get("devices") or []
        }
        return self._with_outcomes(self.google.send(intent, names))

    def write(self, write: DeviceWrite) -> dict[str, Any]:
        """A device backend's write to a device document."""
        from google.api_core import exceptions
        from google.cloud import firestore
        from google.cloud.firestore_v1.field_path import FieldPath

        document = self.client.document(f"users/{self.user_id}/devices/{write.device_id}")
        if write.set is not None:
            document.set(write.set)
        elif write.update is not None:
            fields = {
                FieldPath(*name.split(".")).to_api_repr(): (
                    firestore.DELETE_FIELD if value is None else value
                )
                for name, value in write.update.items()
            }
            try:
                document.update(fields)
            except exceptions.NotFound:
                raise Refused(f"no device {write.device_id} in Firestore") from None
        else:
            document.delete()
        return {"written": write.device_id, "at": timestamp()}

    def record_event(self, event: DeviceEvent) -> dict[str, Any]:
        """A device backend's event record (a doorbell press), as docs/on_device_change.md says."""
        event_id = f"page-{uuid.uuid4().hex[:12]}"
        path = f"users/{self.user_id}/devices/{event.device_id}/events/{event_id}"
        self.client.document(path).set(
            {
                "trait": event.trait,
                "notification": event.notification,
                "occurredAt": datetime.now(UTC),
            }
        )
        return {"eventId": event_id}

    def press_dnd(self, on: bool) -> Any:
        """Do Not Disturb flipped on the fake speaker itself, as a person would."""
        if self.speaker_url is None:
            raise Refused("this stack has no fake speaker")
        return self._speaker("/fake/dnd", {"on": on})

    # I/O helpers ----------------------------------------------------------------------------

    def _homegraph(self, path: str) -> Any:
        """A GET of the local Home Graph; None for a 404, Refused for a 400."""
        try:
            with urllib.request.urlopen(self.homegraph_url + path, timeout=10) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            if error.code == 400:
                raise Refused(json.load(error)["error"]["message"]) from None
            raise

    def _speaker(self, path: str, body: dict[str, Any] | None) -> Any:
        from devstack.fake_speaker_cli import control

        assert self.speaker_url is not None
        try:
            return control(self.speaker_url, path, body)
        except OSError as error:
            return {"error": f"the fake speaker did not answer: {error}"}

    def _with_outcomes(self, record: dict[str, Any]) -> dict[str, Any]:
        """An intent record with, for an EXECUTE among the last few, the command records the
        fulfillment wrote and the outcomes the device backend recorded on them."""
        if record["intent"] != "EXECUTE" or record["seq"] <= self._oldest_watched():
            return record
        request_id = record["request"]["body"]["requestId"]
        devices = {
            str(d.get("id"))
            for i in record["request"]["body"]["inputs"]
            for c in (i.get("payload") or {}).get("commands") or []
            for d in c.get("devices") or []
        }
        return {**record, "backend": [self._outcome(request_id, d) for d in sorted(devices)]}

    def _oldest_watched(self) -> int:
        executes = [r["seq"] for r in self.google.recent() if r["intent"] == "EXECUTE"]
        return executes[BACKEND_WATCH] if len(executes) > BACKEND_WATCH else 0

    def _outcome(self, request_id: str, device_id: str) -> dict[str, Any]:
        """The command record of one device for one request (cached once it has an outcome)."""
        key = (request_id, device_id)
        with self._lock:
            if key in self._outcomes:
                return self._outcomes[key]
        from google.cloud import firestore

        if not home_requests.DEVICE_ID.match(device_id):
            return {"deviceId": device_id, "record": None}
        commands = self.client.collection(f"users/{self.user_id}/devices/{device_id}/commands")
        query = commands.where(filter=firestore.FieldFilter("requestId", "==", request_id))
        found = [(snap.id, jsonable(snap.to_dict() or {})) for snap in query.stream()]
        entry: dict[str, Any] = {"deviceId": device_id, "record": None}
        if found:
            command_id, record = found[0]
            entry = {
                "deviceId": device_id,
                "commandId": command_id,
                "record": {
                    k: record.get(k) for k in ("mode", "answer", "patch", "issuedAt", "outcome")
                },
            }
            if record.get("outcome") is not None:
                with self._lock:
                    self._outcomes[key] = entry
        return entry


def jsonable(value: Any) -> Any:
    """A Firestore value as JSON: timestamps as RFC 3339, other special types as text."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return timestamp(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the request threads
    page: HomePage


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        if not self._trusted():
            return
        if parts.path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
            return
        if parts.path in FILES:
            name, content_type = FILES[parts.path]
            self._send(200, (STATIC / name).read_bytes(), content_type)
            return
        page = self.server.page
        query = urllib.parse.parse_qs(parts.query)
        if parts.path == "/api/setup":
            self._json(200, page.setup())
        elif parts.path == "/api/updates":
            since = (query.get("since") or ["0"])[0]
            if not since.isdigit():
                self._json(400, {"error": "since must be a record number (0 or more)"})
                return
            self._answer(lambda: page.updates(int(since)))
        else:
            self._json(404, {"error": f"no such page: {parts.path}"})

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if not self._trusted():
            return
        body = self._body()
        if body is _BAD:
            return
        page = self.server.page
        segments = path.strip("/").split("/")
        if path == "/api/intent":
            self._answer(lambda: page.send(body))
        elif path == "/api/speaker":
            self._answer(lambda: page.press_dnd(home_requests.speaker_dnd(body)))
        elif segments[:2] == ["api", "devices"] and len(segments) == 3:
            raw = urllib.parse.unquote(segments[2])
            self._answer(lambda: page.write(home_requests.device_write(raw, body)))
        elif segments[:2] == ["api", "devices"] and len(segments) == 4 and segments[3] == "events":
            raw = urllib.parse.unquote(segments[2])
            self._answer(lambda: page.record_event(home_requests.device_event(raw, body)))
        else:
            self._json(404, {"error": f"no such action: {path}"})

    def _trusted(self) -> bool:
        """Only this page, by its own address: a Host of another name (DNS rebinding) or a
        POST from another origin is refused."""
        port = self.server.page.port
        own = {f"127.0.0.1:{port}", f"localhost:{port}"}
        if self.headers.get("Host") not in own:
            self._json(403, {"error": f"use the page's own address: http://127.0.0.1:{port}/"})
            return False
        origin = self.headers.get("Origin")
        if (
            self.command == "POST"
            and origin is not None
            and origin not in {f"http://{host}" for host in own}
        ):
            self._json(403, {"error": "requests from other pages are refused"})
            return False
        return True

    def _body(self) -> Any:
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
            self._json(415, {"error": "send JSON (Content-Type: application/json)"})
            return _BAD
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._json(413, {"error": f"the body is over {MAX_BODY} bytes"})
            return _BAD
        try:
            return json.loads(self.rfile.read(length))
        except ValueError:
            self._json(400, {"error": "the body is not JSON"})
            return _BAD

    def _answer(self, action: Callable[[], Any]) -> None:
        try:
            self._json(200, action())
        except Refused as refused:
            self._json(400, {"error": str(refused)})
        except Exception as error:  # the emulators or a server of the stack failing under it
            reason = f"{type(error).__name__}: {error}"[:300]
            self._json(502, {"error": f"the local stack did not answer: {reason}"})

    def _json(self, status: int, answer: Any) -> None:
        self._send(status, json.dumps(answer).encode(), "application/json; charset=utf-8")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the tab was closed meanwhile
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: what matters is in the page itself."""


_BAD = object()
