"""Bearer tokens: issue, parse and check; pure, the store does the I/O.

An access token is ``<base64url(agentUserId)>.<256 random bits>``: opaque to Google, and it names
its user so that QUERY can read the token record and the devices in one round trip. Firestore
keeps only the SHA-256 of each token, with its user, kind, expiry and revocation flag.
"""

import base64
import binascii
import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from functions.core.errors import Unauthorized

ACCESS = "access"


def issue(user_id: str) -> str:
    """A fresh random token for ``user_id``."""
    prefix = base64.urlsafe_b64encode(user_id.encode()).rstrip(b"=").decode()
    return f"{prefix}.{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    """The key a token is stored under: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def record(user_id: str, kind: str, now: datetime, ttl: timedelta) -> dict[str, Any]:
    """The stored form of a token (its hash is the document id)."""
    return {
        "userId": user_id,
        "kind": kind,
        "createdAt": now,
        "expiresAt": now + ttl,
        "revoked": False,
    }


def bearer_token(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header; raises Unauthorized."""
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token")
    return token.strip()


def claimed_user(token: str) -> str:
    """The user a well-formed token names (not yet trusted); raises Unauthorized."""
    prefix, dot, secret = token.partition(".")
    if not dot or len(secret) < 32 or not prefix:
        raise Unauthorized("malformed token")
    try:
        user_id = base64.urlsafe_b64decode(prefix + "=" * (-len(prefix) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Unauthorized("malformed token") from None
    if not user_id or "/" in user_id:
        raise Unauthorized("malformed token")
    return user_id


def check(stored: Mapping[str, Any] | None, user_id: str, kind: str, now: datetime) -> None:
    """Accept the token only if its record exists, matches, is unexpired and unrevoked."""
    if stored is None:
        raise Unauthorized("unknown token")
    if stored.get("userId") != user_id or stored.get("kind") != kind:
        raise Unauthorized("token does not match its record")
    if stored.get("revoked") is not False:
        raise Unauthorized("revoked token")
    expires = stored.get("expiresAt")
    if not isinstance(expires, datetime) or expires <= now:
        raise Unauthorized("expired token")
