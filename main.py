"""Cloud Functions entry points; each decodes its input and hands it to one function. Each loads
what it needs on its first call, so importing this module costs no more than
functions-framework itself (a function's cold start pays only for its own code)."""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import functions_framework

from functions import wiring

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent
    from flask import Request


@functions_framework.http
def fulfillment(request: "Request") -> tuple[str, int, dict[str, str]]:
    """Google Assistant's smart-home intents (SYNC, QUERY, EXECUTE, DISCONNECT)."""
    from functions.fulfillment import webhook

    answer = webhook.respond(
        request.method,
        request.headers.get("Authorization"),
        request.get_data(),
        wiring.store,
        signer=wiring.signer(),
        throttle=wiring.throttle(),
    )
    return answer.flask()


@functions_framework.cloud_event
def on_device_written(event: "CloudEvent") -> None:
    """Firestore ``document.v1.written`` on users/{userId}/devices/{deviceId}: publish changes."""
    from functions.on_device_written.handler import handle_written

    data: Any = event.data
    body = data.encode() if isinstance(data, str) else bytes(data or b"")
    when = datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
    settings = wiring.config()
    handle_written(
        body,
        event_id=str(event["id"]),
        event_time=when,
        publisher=wiring.publisher,
        max_age=timedelta(seconds=settings.max_event_age_seconds),
    )


@functions_framework.cloud_event
def on_device_change(event: "CloudEvent") -> None:
    """Pub/Sub ``messagePublished`` on the device-changes topic: update Home Graph."""
    from functions.on_device_change.router import handle_change

    data: Any = event.data
    message = data.get("message") if isinstance(data, dict) else None
    handle_change(wiring.pipeline(), message if isinstance(message, dict) else {"data": None})


@functions_framework.http
def account_linking(request: "Request") -> tuple[str, int, dict[str, str]]:
    """OAuth 2.0 account linking: GET/POST /authorize (sign-in page), POST /token and POST
    /appflip (App Flip)."""
    from functions.account_linking.http import HttpRequest, respond, source_address, unreadable

    try:
        http = HttpRequest(
            request.method,
            request.path,
            # Every pair as sent (a MultiDict's plain items() hides a repeated name), so that
            # the edge can refuse a repeated parameter (RFC 6749 section 3.1).
            list(request.args.items(multi=True)),
            list(request.form.items(multi=True)),
            request.headers.get("Authorization"),
            # Google's front end appends the caller's address as the last entry (see
            # source_address); several X-Forwarded-For lines are read as one list.
            source_address(
                ",".join(request.headers.getlist("X-Forwarded-For")), request.remote_addr
            ),
        )
    except Exception:  # the framework could not parse the query or body
        return unreadable(request.path).flask()
    answer = respond(wiring.linking(), http, datetime.now(UTC))
    return answer.flask()
