"""A fake Google Home speaker's local API (from the GHLocalApi OpenAPI file, docs/lan.md): real
TLS on 127.0.0.1 with a certificate generated at start, stateful where the bridge needs truth,
and faults to inject.

State: Do Not Disturb (the inverted ``notifications_enabled`` flag), alarms and timers that ring
at their time, alarm volume, reboot (uptime restarts). Faults: ``rotate_token()`` (the old token
answers 401), ``delay`` (slow), ``hang`` (no answer until released), ``profile="chromecast"``
(404 on assistant endpoints), ``lie`` (setters answer 200 and change nothing), ``truncate``
(bodies cut short), ``move()`` (a new address). ``requests`` records every call.
``/fake/...`` is the test's and the person's control panel (``make speaker``).
"""

import datetime
import hashlib
import ipaddress
import json
import secrets
import ssl
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TOKEN_HEADER = "cast-local-authorization-token"  # noqa: S105 - a header name
RING_SECONDS = 60.0


@dataclass
class Request:
    at: float
    method: str
    path: str
    status: int
    body: Any
    token: str | None = None
    """The local token the request carried (what a box posing as a speaker would collect)."""


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate and its key (PEM files in ``directory``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    speaker: "FakeSpeaker"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeouts, truncation) is expected here: no traceback."""


class FakeSpeaker:
    """``start()`` then ``stop()``; ``url``, ``port``, ``token`` and the state are public."""

    def __init__(
        self,
        name: str = "Bedroom speaker",
        *,
        profile: str = "speaker",
        model: str = "Google Nest Mini",
        udn: str | None = None,
    ) -> None:
        self.name = name
        self.profile = profile
        self.model = model
        self.udn = udn or str(uuid.uuid4())
        self.token = secrets.token_urlsafe(80)
        self.notifications_enabled = True
        self.volume = 0.5
        self.alarms: list[dict[str, Any]] = []
        self.timers: list[dict[str, Any]] = []
        self.booted_at = time.time()
        self.reboots = 0
        self.delay = 0.0
        self.hang = False
        self.lie = False
        self.truncate = False
        self.requests: list[Request] = []
        self.port = 0
        self.fingerprint = ""
        """SHA-256 of the certificate, as the bridge pins it (known once started)."""
        self._release = threading.Event()
        self._lock = threading.RLock()
        self._context: ssl.SSLContext | None = None
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self, port: int = 0) -> "FakeSpeaker":
        if self._context is None:
            with tempfile.TemporaryDirectory(prefix="fake-speaker-") as folder:
                cert, key = self_signed(Path(folder), self.name)
                self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                self._context.load_cert_chain(cert, key)
                der = ssl.PEM_cert_to_DER_cert(cert.read_text())
            self.fingerprint = hashlib.sha256(der).hexdigest()
        self._release.clear()
        httpd = _Server(("127.0.0.1", port), _Handler)  # port 0: the OS picks a free one
        self.port = int(httpd.server_address[1])
        httpd.socket = self._context.wrap_socket(
            httpd.socket, server_side=True, do_handshake_on_connect=False
        )
        httpd.speaker = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-speaker"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._httpd is not None and self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._httpd.server_close()
            self._httpd = None

    def move(self) -> int:
        """Answer on a new address (the router gave the speaker another one); the old is dead."""
        self.stop()
        self.start()
        return self.port

    def release(self) -> None:
        """End a hang: held requests answer now."""
        self.hang = False
        self._release.set()

    # -- what a person (or a test) does on the speaker ------------------------------------------

    def rotate_token(self) -> str:
        with self._lock:
            self.token = secrets.token_urlsafe(80)
            return self.token

    def set_dnd(self, on: bool) -> None:
        with self._lock:
            self.notifications_enabled = not on

    @property
    def dnd(self) -> bool:
        return not self.notifications_enabled

    def add_alarm(self, in_seconds: float, *, timer: bool = False) -> str:
        fire = (time.time() + in_seconds) * 1000
        with self._lock:
            if timer:
                entry = {
                    "id": f"timer/{uuid.uuid4()}",
                    "fire_time": fire,
                    "original_duration": int(in_seconds * 1000),
                    "status": 1,
                }
                self.timers.append(entry)
            else:
                entry = {"id": f"alarm/{uuid.uuid4()}", "fire_time": fire, "status": 1}
                self.alarms.append(entry)
            return str(entry["id"])

    def rate(self, since: float = 0.0) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.at >= since and not r.path.startswith("/fake")]

    # -- the API -----------------------------------------------------------------------------

    def _ring(self) -> None:
        now = time.time() * 1000
        self.alarms = [a for a in self.alarms if now < a["fire_time"] + RING_SECONDS * 1000]
        for alarm in self.alarms:
            alarm["status"] = 2 if now >= alarm["fire_time"] else 1
        for timer in self.timers:
            timer["status"] = 3 if now >= timer["fire_time"] else 1

    def answer(  # noqa: PLR0911, PLR0912 - one branch per endpoint, as the spec lists them
        self, method: str, path: str, headers: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        """(status, JSON body or None) for one request; the handler writes it."""
        bare = path.split("?", 1)[0]
        if bare.startswith("/fake/"):
            return self._control(method, bare, body)
        host = headers.get("host", "").rsplit(":", 1)[0].strip("[]")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return 403, None  # speakers refuse a Host that is a name
        if not bare.startswith("/setup/"):
            return 404, None
        endpoint = bare.removeprefix("/setup/")
        if endpoint == "eureka_info":
            return 200, self._eureka()
        if headers.get(TOKEN_HEADER) != self.token:
            return 401, None
        if self.profile == "chromecast" and endpoint.startswith("assistant/"):
            return 404, None
        with self._lock:
            self._ring()
            if method == "GET" and endpoint == "assistant/alarms":
                return 200, {"alarm": self.alarms, "timer": self.timers}
            if method != "POST":
                return 404, None
            if endpoint == "assistant/notifications":
                if isinstance(body, dict) and "notifications_enabled" in body and not self.lie:
                    self.notifications_enabled = bool(body["notifications_enabled"])
                return 200, {"notifications_enabled": self.notifications_enabled}
            if endpoint == "assistant/alarms/volume":
                if isinstance(body, dict) and "volume" in body and not self.lie:
                    self.volume = min(1.0, max(0.0, float(body["volume"])))
                return 200, {"volume": self.volume}
            if endpoint == "assistant/alarms/delete":
                ids = set(body.get("ids", [])) if isinstance(body, dict) else set()
                if not self.lie:
                    self.alarms = [a for a in self.alarms if a["id"] not in ids]
                    self.timers = [t for t in self.timers if t["id"] not in ids]
                return 200, {"success": True}
            if endpoint == "reboot":
                if (
                    isinstance(body, dict)
                    and body.get("params") == "now"
                    and self.profile != "no-reboot"
                ):
                    self.booted_at = time.time()
                    self.reboots += 1
                return 200, None  # 200 whatever happened, as real speakers do
        return 404, None

    def _eureka(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": 12,
            "build_info": {"cast_build_revision": "1.56.500000", "system_build_number": "500000"},
            "device_info": {
                "manufacturer": "Google Inc.",
                "model_name": self.model if self.profile != "chromecast" else "Chromecast",
                "ssdp_udn": self.udn,
                "uptime": round(time.time() - self.booted_at, 2),
                "capabilities": {
                    "assistant_supported": self.profile != "chromecast",
                    "reboot_supported": self.profile != "no-reboot",
                },
            },
            "net": {"ip_address": "127.0.0.1", "online": True},
        }

    def _control(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        body = body if isinstance(body, dict) else {}
        if path == "/fake/dnd" and method == "POST":
            self.set_dnd(bool(body.get("on")))
        elif path == "/fake/alarm" and method == "POST":
            self.add_alarm(float(body.get("in_seconds", 5)), timer=bool(body.get("timer")))
        elif path == "/fake/rotate" and method == "POST":
            self.rotate_token()
        elif path != "/fake/state":
            return 404, None
        with self._lock:
            self._ring()
            return 200, {
                "name": self.name,
                "dnd": self.dnd,
                "alarmVolume": self.volume,
                "alarms": self.alarms,
                "timers": self.timers,
                "reboots": self.reboots,
            }


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        speaker = self.server.speaker
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        control = self.path.startswith("/fake/")
        if not control and speaker.delay:
            time.sleep(speaker.delay)
        if not control and speaker.hang:
            speaker._release.wait(30)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, answer = speaker.answer(method, self.path, headers, body)
        with speaker._lock:
            speaker.requests.append(
                Request(
                    time.monotonic(), method, self.path, status, body, headers.get(TOKEN_HEADER)
                )
            )
        data = json.dumps(answer).encode() if answer is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if data else "text/plain")
        if speaker.truncate and data and not control:
            self.send_header("Content-Length", str(len(data) + 50))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return None
