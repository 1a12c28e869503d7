"""Google's Home Graph API (Request Sync, Report State, Query): the port and its adapter, the only
module importing googleapiclient.

``GoogleHomeGraph`` calls https://homegraph.googleapis.com/v1 (or a local fake given as
``endpoint``) with the discovery document that ships with google-api-python-client, so nothing is
fetched but the calls themselves. It never retries: every failure becomes a ``HomeGraphError``
saying whether a retry can help, and the caller decides.
Request Sync: https://developers.home.google.com/cloud-to-cloud/integration/request-sync
Report State: https://developers.home.google.com/cloud-to-cloud/integration/report-state
Query: https://developers.home.google.com/reference/home-graph/rest/v1/devices/query
"""

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

SCOPE = "https://www.googleapis.com/auth/homegraph"
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class HomeGraphError(Exception):
    """A failed Home Graph call: HTTP ``status`` (None when no answer came), whether a retry can
    help, and Google's ``reason`` (its error message and status; never a credential)."""

    def __init__(self, status: int | None, reason: str, *, retryable: bool | None = None) -> None:
        super().__init__(f"Home Graph {status or 'no answer'}: {reason}")
        self.status = status
        self.reason = reason
        self.retryable = status in RETRYABLE_STATUSES if retryable is None else retryable
        self.not_found = status == 404


class HomeGraph(Protocol):
    """What the product asks of Home Graph."""

    def request_sync(self, agent_user_id: str) -> None:
        """Ask Google to send SYNC for the user (``async: true``: queued, answered at once)."""

    def report_state(
        self, agent_user_id: str, request_id: str, states: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """Report device states (device id -> complete states of the reported traits)."""

    def notify(
        self,
        agent_user_id: str,
        request_id: str,
        event_id: str,
        notifications: Mapping[str, Mapping[str, Any]],
    ) -> None:
        """Announce a follow-up response or a device event (device id -> trait -> payload)."""

    def query(
        self, agent_user_id: str, request_id: str, device_ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        """The states Google holds for the user's devices (device id -> states)."""
        ...


class GoogleHomeGraph:
    """``HomeGraph`` over the real API (or a local fake at ``endpoint``), built on first use."""

    def __init__(self, make_http: Callable[[], Any], endpoint: str = "") -> None:
        self._make_http = make_http
        self._endpoint = endpoint
        self._service: Any = None
        self._lock = threading.Lock()
        self._local = threading.local()

    @classmethod
    def connect(cls, endpoint: str = "", timeout: float = 10.0) -> "GoogleHomeGraph":
        """Anonymous credentials for a local fake at ``endpoint``, else the runtime's service
        account (Application Default Credentials); nothing is fetched until the first call."""

        lock = threading.Lock()
        found: list[Any] = []  # the credentials, shared by every thread's connection pool

        def make_http() -> Any:
            import google.auth
            import google_auth_httplib2  # type: ignore[import-untyped]
            import httplib2  # type: ignore[import-untyped]
            from google.auth.credentials import AnonymousCredentials

            with lock:
                if not found:
                    anonymous = AnonymousCredentials()  # type: ignore[no-untyped-call]
                    found.append(anonymous if endpoint else google.auth.default(scopes=[SCOPE])[0])
            return google_auth_httplib2.AuthorizedHttp(
                found[0], http=httplib2.Http(timeout=timeout)
            )

        return cls(make_http, endpoint)

    def request_sync(self, agent_user_id: str) -> None:
        """POST devices:requestSync with ``async: true``."""
        self._call(
            lambda devices: devices.requestSync(body={"agentUserId": agent_user_id, "async": True})
        )

    def report_state(
        self, agent_user_id: str, request_id: str, states: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """POST devices:reportStateAndNotification with the given device states."""
        body = {
            "requestId": request_id,
            "agentUserId": agent_user_id,
            "payload": {"devices": {"states": {k: dict(v) for k, v in states.items()}}},
        }
        self._call(lambda devices: devices.reportStateAndNotification(body=body))

    def notify(
        self,
        agent_user_id: str,
        request_id: str,
        event_id: str,
        notifications: Mapping[str, Mapping[str, Any]],
    ) -> None:
        """POST devices:reportStateAndNotification with notifications and their ``eventId``."""
        body = {
            "requestId": request_id,
            "agentUserId": agent_user_id,
            "eventId": event_id,
            "payload": {
                "devices": {"notifications": {k: dict(v) for k, v in notifications.items()}}
            },
        }
        self._call(lambda devices: devices.reportStateAndNotification(body=body))

    def query(
        self, agent_user_id: str, request_id: str, device_ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        """POST devices:query; the ``payload.devices`` map of the answer."""
        body = {
            "requestId": request_id,
            "agentUserId": agent_user_id,
            "inputs": [{"payload": {"devices": [{"id": d} for d in device_ids]}}],
        }
        answer = self._call(lambda devices: devices.query(body=body)) or {}
        found = (answer.get("payload") or {}).get("devices") or {}
        return {k: dict(v) for k, v in found.items() if isinstance(v, dict)}

    def _call(self, make_request: Callable[[Any], Any]) -> Any:
        import http.client

        import httplib2
        from google.auth.exceptions import GoogleAuthError
        from googleapiclient.errors import HttpError

        try:
            request = make_request(self._devices())
            return request.execute(http=self._http(), num_retries=0)
        except HttpError as exc:
            raise HomeGraphError(int(exc.resp.status), _reason(exc.content)) from None
        except GoogleAuthError as exc:
            retryable = bool(getattr(exc, "retryable", False))
            raise HomeGraphError(
                None, f"credentials failed: {type(exc).__name__}", retryable=retryable
            ) from None
        except (OSError, http.client.HTTPException, httplib2.HttpLib2Error) as exc:
            raise HomeGraphError(None, f"{type(exc).__name__}: {exc}", retryable=True) from None

    def _http(self) -> Any:
        """One authorized httplib2 connection pool per thread (httplib2 is not thread-safe)."""
        if getattr(self._local, "http", None) is None:
            self._local.http = self._make_http()
        return self._local.http

    def _devices(self) -> Any:
        with self._lock:
            if self._service is None:
                from googleapiclient.discovery import build

                self._service = build(
                    "homegraph",
                    "v1",
                    http=self._http(),
                    static_discovery=True,
                    cache_discovery=False,
                    client_options={"api_endpoint": self._endpoint} if self._endpoint else None,
                )
            return self._service.devices()


def _reason(content: bytes) -> str:
    """Google's ``error.message`` and ``error.status`` from a JSON error body."""
    try:
        error = json.loads(content)["error"]
        return f"{error.get('status', '')}: {error.get('message', '')}".strip(": ")
    except (ValueError, KeyError, TypeError, AttributeError):
        return content[:200].decode("utf-8", "replace")
