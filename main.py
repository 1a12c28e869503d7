"""Cloud Functions entry points; each decodes its input and hands it to one function."""

from typing import TYPE_CHECKING

import functions_framework

from functions import webhook, wiring

if TYPE_CHECKING:
    from flask import Request


@functions_framework.http
def fulfillment(request: "Request") -> tuple[str, int, dict[str, str]]:
    """Google Assistant's smart-home intents (SYNC, QUERY, EXECUTE, DISCONNECT)."""
    answer = webhook.respond(
        request.method, request.headers.get("Authorization"), request.get_data(), wiring.store
    )
    return answer.flask()
