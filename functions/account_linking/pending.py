"""The pending authorization request a sign-in page carries: GET /authorize stores nothing, so an
unauthenticated caller cannot make it write. The page's form sends the request back sealed with
an HMAC-SHA256 under a key derived from the OAuth client secret (no one else can make or alter
one), and POST /authorize opens it. Only a code marks the page used (``Records.issue_code``).
Pure."""

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from functions.account_linking import grants

PAGE_TTL = timedelta(minutes=15)
"""How long a sign-in page may be submitted."""
_PURPOSE = b"account linking: sign-in page"


@dataclass(frozen=True)
class Pending:
    """What ``GET /authorize`` accepted, until the person signs in or cancels."""

    page_id: str
    client_id: str
    redirect_uri: str
    state: str
    expires_at: datetime


def opening(client_id: str, redirect_uri: str, state: str, now: datetime) -> Pending:
    """A new sign-in page's request: a fresh id (a safe Firestore id), ``PAGE_TTL`` to live."""
    expires = datetime.fromtimestamp(int((now + PAGE_TTL).timestamp()), UTC)
    return Pending(grants.new_request_id(), client_id, redirect_uri, state, expires)


def seal(pending: Pending, secret: str) -> str:
    """The request as the page's hidden ``request`` field: ``<base64url(JSON)>.<MAC>``."""
    fields = [
        pending.page_id,
        pending.client_id,
        pending.redirect_uri,
        pending.state,
        int(pending.expires_at.timestamp()),
    ]
    body = _b64(json.dumps(fields, separators=(",", ":")).encode())
    return f"{body}.{_mac(body, secret)}"


def opened(sealed: str, secret: str) -> Pending | None:
    """The request a page sent back, or None when it is not one this server sealed (altered,
    forged, another secret's, malformed)."""
    body, dot, tag = sealed.rpartition(".")
    if not dot or not secret or not hmac.compare_digest(tag.encode(), _mac(body, secret).encode()):
        return None
    try:
        fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        page_id, client_id, redirect_uri, state, expires = fields
        when = datetime.fromtimestamp(expires, UTC)
    except (binascii.Error, ValueError, TypeError, OverflowError):
        return None
    texts = (page_id, client_id, redirect_uri, state)
    if not all(isinstance(text, str) for text in texts) or not grants.is_request_id(page_id):
        return None
    return Pending(page_id, client_id, redirect_uri, state, when)


def _mac(body: str, secret: str) -> str:
    key = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()
    return _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
