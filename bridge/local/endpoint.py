"""The local endpoint: HTTP on the LAN interface, one path, requests authenticated by the
per-home secret; what it answers comes from a ``LocalService`` (bridge/local/service.py).

Refusals are clear and change nothing: 401 for a missing or wrong secret (the app turns it into
a local failure, and Google falls back to the cloud), 400 for a body it cannot read, 404 / 405
for another path or method, 413 for a body over 256 KiB. The ``Authorization`` header and the
secret are never logged.
"""

import json
import logging
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from bridge.local import protocol
from bridge.local.identity import authorized
from bridge.local.protocol import BadRequest, Hub, LocalCommand
from bridge.logs import log


class LocalService(Protocol):
    """What the endpoint answers from (the bridge's devices, worker and journal)."""

    def reachable(self) -> list[str]:
        """The verificationIds of the devices this bridge serves."""
        ...

    def query(self, device_ids: list[str]) -> dict[str, Any]:
        """QUERY's ``devices`` map."""
        ...

    def execute(self, request_id: str, commands: list[LocalCommand]) -> list[dict[str, Any]]:
        """EXECUTE's ``commands`` list (grouped)."""
        ...


def answer(service: LocalService, body: bytes) -> dict[str, Any]:
    """The answer to an authenticated request's body; raises BadRequest."""
    request_id, intent, payload = protocol.parse(body)
    result: Mapping[str, Any]
    if intent == protocol.REACHABLE:
        result = {"devices": [{"verificationId": i} for i in service.reachable()]}
    elif intent == protocol.QUERY:
        result = {"devices": service.query(protocol.device_ids(payload))}
    else:
        result = {"commands": service.execute(request_id, protocol.commands(payload))}
    return {"requestId": request_id, "payload": dict(result)}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    service: LocalService
    hub: Hub


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    intent = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the endpoint logs JSON lines itself, without headers."""

    def do_GET(self) -> None:
        self._reply(405, {"error": "methodNotAllowed", "message": f"POST {protocol.PATH}"})

    def do_POST(self) -> None:
        started = time.monotonic()
        self.intent = ""
        status, body = self._handle()
        self._reply(status, body)
        log(
            logging.INFO if status == 200 else logging.WARNING,
            "local_request",
            status=status,
            intent=self.intent,
            client=self.client_address[0],
            tookMs=round((time.monotonic() - started) * 1000),
        )

    def _handle(self) -> tuple[int, dict[str, Any]]:
        if self.path != protocol.PATH:
            return 404, {"error": "notFound", "message": f"POST {protocol.PATH}"}
        length = int(self.headers.get("Content-Length") or 0)
        if length > protocol.MAX_BODY_BYTES:
            self.close_connection = True
            return 413, {"error": "tooLarge", "message": "at most 256 KiB"}
        body = self.rfile.read(length)
        header = self.headers.get("Authorization")
        if not authorized(header, self.server.hub.secret):
            reason = "missing" if not header else "wrong"
            return 401, {"error": "unauthorized", "message": f"{reason} local secret"}
        try:
            self.intent = protocol.parse(body)[1]
            result = answer(self.server.service, body)
        except BadRequest as bad:
            return 400, {"error": "badRequest", "message": str(bad)}
        except Exception as error:
            log(logging.ERROR, "local_request_crashed", error=repr(error))
            return 500, {"error": "internal", "message": "the bridge failed"}
        return 200, result

    def _reply(self, status: int, body: Mapping[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class LocalEndpoint:
    """``start()`` then ``stop()``; listens on ``host:port`` (port 0: a free one)."""

    def __init__(self, service: LocalService, hub: Hub, host: str) -> None:
        self.service = service
        self.hub = hub
        self.host = host
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def start(self) -> "LocalEndpoint":
        server = _Server((self.host, self.hub.port), _Handler)
        server.service, server.hub = self.service, self.hub
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="bridge-local", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
