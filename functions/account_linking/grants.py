"""The OAuth 2.0 grant rules (RFC 6749), pure: what to store and whether a code or refresh
token may be used. Records are dicts as Firestore keeps them; tokens are stored hashed.

- A code lives ``auth_code_ttl_seconds``, is bound to user, client and redirect URI, and is
  single-use: presenting it again revokes every token issued from it (RFC 6749 section 4.1.2).
- Refresh tokens rotate on use. A rotated token is accepted again (the client lost the answer
  and retries) only within ``REFRESH_RETRY_GRACE`` of its first use and only while its successor
  has never been used; the honoured retry supersedes that successor. Anything else is a replay
  that revokes the whole grant: the old token after the window or after its successor was used,
  and a superseded token. So if a thief and the legitimate client both hold a grant's tokens,
  the theft is caught at the latest when the second of them refreshes.
"""

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from functions.core import tokens

REFRESH = tokens.REFRESH
REFRESH_RETRY_GRACE = timedelta(minutes=2)
"""How long after its first use a rotated refresh token may be retried (a lost answer): long
enough for an HTTP client's timeout and retry (account_linking's own timeout is 60 s), short
enough that a stolen old token is useless soon after the legitimate client refreshed."""


class OAuthError(Exception):
    """An RFC 6749 error answer: ``error`` code, HTTP status and a description."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


class Replay(OAuthError):
    """A used code or a superseded refresh token came back: revoke its grant."""

    def __init__(self, grant_id: str, description: str) -> None:
        super().__init__("invalid_grant", description)
        self.grant_id = grant_id


def check_client(client_id: str, secret: str, expected_id: str, expected_secret: str) -> None:
    """Client authentication in constant time; raises invalid_client (401)."""
    if not expected_id or not expected_secret:
        raise OAuthError("invalid_client", "account linking is not configured", 401)
    id_ok = hmac.compare_digest(client_id.encode(), expected_id.encode())
    secret_ok = hmac.compare_digest(secret.encode(), expected_secret.encode())
    if not (id_ok and secret_ok):
        raise OAuthError("invalid_client", "unknown client or wrong secret", 401)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_request_id() -> str:
    """A sign-in request's id: 256 random bits as 64 hex digits (a safe Firestore id)."""
    return secrets.token_hex(32)


def is_request_id(value: str) -> bool:
    """Whether ``value`` can be a sign-in request's id; checked before it becomes a path."""
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def code_record(
    user_id: str, client_id: str, redirect_uri: str, now: datetime, ttl: timedelta
) -> dict[str, Any]:
    return {
        "userId": user_id,
        "clientId": client_id,
        "redirectUri": redirect_uri,
        "expiresAt": now + ttl,
        "used": False,
        "grantId": new_secret(),
    }


def check_code(
    record: dict[str, Any] | None, client_id: str, redirect_uri: str, now: datetime
) -> None:
    """A code may be exchanged once, by its client, with its redirect URI, before it expires."""
    if record is None:
        raise OAuthError("invalid_grant", "unknown authorization code")
    if record.get("used"):
        raise Replay(record["grantId"], "authorization code already used")
    if record.get("clientId") != client_id or record.get("redirectUri") != redirect_uri:
        raise OAuthError("invalid_grant", "code issued to another client or redirect_uri")
    if record["expiresAt"] <= now:
        raise OAuthError("invalid_grant", "authorization code expired")


@dataclass(frozen=True)
class Issued:
    """Fresh tokens and the records to store under their hashes."""

    access_token: str
    refresh_token: str
    expires_in: int
    records: dict[str, dict[str, Any]]

    def answer(self) -> dict[str, Any]:
        return {
            "token_type": "Bearer",
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
        }


def issue(
    user_id: str,
    client_id: str,
    grant_id: str,
    *,
    now: datetime,
    access_ttl: timedelta,
    refresh_ttl: timedelta,
    signer: tokens.Signer = tokens.UNSIGNED,
) -> Issued:
    """An access token (opaque, the fulfillment's kind) and a refresh token for one grant, each
    signed for its kind when the signer has a key."""
    access = tokens.issue(user_id, tokens.ACCESS, signer)
    refresh = tokens.issue(user_id, REFRESH, signer)
    extra = {"clientId": client_id, "grantId": grant_id}
    records = {
        tokens.token_hash(access): {
            **tokens.record(user_id, tokens.ACCESS, now, access_ttl),
            **extra,
        },
        tokens.token_hash(refresh): {
            **tokens.record(user_id, REFRESH, now, refresh_ttl),
            **extra,
            "used": False,
            "successor": None,
        },
    }
    return Issued(access, refresh, int(access_ttl.total_seconds()), records)


def check_refresh(
    record: dict[str, Any] | None, successor: dict[str, Any] | None, client_id: str, now: datetime
) -> None:
    """A refresh token may be used if it is live and either unused, or a retry within the grace
    window of its first use while its successor is unused; raises Replay for a superseded or
    replayed token."""
    if record is None or record.get("kind") != REFRESH:
        raise OAuthError("invalid_grant", "unknown refresh token")
    if record.get("clientId") != client_id:
        raise OAuthError("invalid_grant", "refresh token issued to another client")
    if record.get("superseded"):
        raise Replay(record["grantId"], "refresh token superseded by a retry of its predecessor")
    if record.get("revoked") is not False:
        raise OAuthError("invalid_grant", "refresh token revoked")
    if record["expiresAt"] <= now:
        raise OAuthError("invalid_grant", "refresh token expired")
    if not record.get("used"):
        return
    if successor is not None and successor.get("used"):
        raise Replay(record["grantId"], "refresh token already rotated and its successor used")
    used_at = record.get("usedAt")
    if not isinstance(used_at, datetime) or now - used_at > REFRESH_RETRY_GRACE:
        raise Replay(record["grantId"], "refresh token already rotated; retry window over")
