"""What the account-linking endpoints answer: a framework-free HTTP response, with the headers
of pages and of JSON, and redirects."""

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

PRODUCT = "smart home"
# No CSP form-action: Chrome applies it to the redirect after the form, and the redirect goes to
# Google's origin.
HTML = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; "
    "style-src 'unsafe-inline'; frame-ancestors 'none'",
}
JSON = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
}
RETRY_AFTER_SECONDS = 30
MALFORMED = "This request is malformed or too large. Start again from the Google Home app."


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def flask(self) -> tuple[str, int, dict[str, str]]:
        return self.body, self.status, self.headers


def redirect(uri: str, **params: str) -> Response:
    separator = "&" if urllib.parse.urlsplit(uri).query else "?"
    return Response(
        302,
        "",
        {
            "Location": uri + separator + urllib.parse.urlencode(params),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def json_answer(status: int, body: dict[str, Any], extra: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(body), {**JSON, **(extra or {})})
