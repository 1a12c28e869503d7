"""Bearer tokens: issue, parse, sign and check; pure, the store does the I/O.

A token is ``<base64url(agentUserId)>.<256 random bits>.<MAC>``: opaque to Google. It names its
user so that QUERY can read the token record and the devices in one round trip, and it carries an
HMAC-SHA256 of the rest under a server-side key (``TOKEN_MAC_KEY``), so that a forged token is
refused before any I/O. Firestore keeps only the SHA-256 of each token, with its user, kind,
grant, expiry and revocation flag; the record decides, the MAC only saves reads.

An *unsigned* token (``<user>.<random>``, the form issued before signing began, or wherever no
key is configured) still works where no key is configured. Where one is, it is accepted only until
``UNSIGNED_TOKENS_UNTIL`` (the transition: an access token lives an hour) and checked against its
record alone first, so that a forged one costs one read however many devices it names.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from functions.core.errors import Unauthorized

ACCESS = "access"
REFRESH = "refresh"
MIN_KEY_CHARS = 32
"""A signing key's least length: 32 characters of a random password are at least 190 bits."""


@dataclass(frozen=True)
class Signer:
    """The keys that sign tokens, and until when unsigned tokens are accepted. The first key
    signs; every key verifies, so a rotation adds the new key first and drops the old one an
    access-token lifetime later. No key: tokens are issued and accepted unsigned."""

    keys: tuple[bytes, ...] = field(default=(), repr=False)
    unsigned_until: datetime | None = None

    @classmethod
    def parse(cls, keys: str, unsigned_until: str = "") -> "Signer":
        """From TOKEN_MAC_KEY (keys separated by spaces) and UNSIGNED_TOKENS_UNTIL (RFC 3339,
        or empty); raises ValueError."""
        parts = keys.split()
        if any(len(part) < MIN_KEY_CHARS for part in parts):
            raise ValueError(f"a token key has at least {MIN_KEY_CHARS} characters")
        until = None
        if unsigned_until.strip():
            until = datetime.fromisoformat(unsigned_until.strip().replace("Z", "+00:00"))
            if until.tzinfo is None:
                raise ValueError("UNSIGNED_TOKENS_UNTIL needs a time zone (Z or +00:00)")
        return cls(tuple(part.encode() for part in parts), until)

    def mac(self, body: str, kind: str, key: bytes | None = None) -> str:
        """The MAC of a token's ``<user>.<random>`` part, bound to the token's kind."""
        digest = hmac.new(key or self.keys[0], f"{kind}\0{body}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


UNSIGNED = Signer()


def issue(user_id: str, kind: str = ACCESS, signer: Signer = UNSIGNED) -> str:
    """A fresh random token of ``kind`` for ``user_id``, signed when the signer has a key."""
    prefix = base64.urlsafe_b64encode(user_id.encode()).rstrip(b"=").decode()
    body = f"{prefix}.{secrets.token_urlsafe(32)}"
    return f"{body}.{signer.mac(body, kind)}" if signer.keys else body


def signed(token: str) -> bool:
    """Whether a token has the signed form (three parts); says nothing about the MAC."""
    return token.count(".") == 2


def screen(token: str, kind: str, signer: Signer, now: datetime) -> None:
    """Check a token's MAC before any I/O; raises Unauthorized for a signed token whose MAC no
    key gives, and for an unsigned one once unsigned tokens are no longer accepted. Without a
    key, every token goes on to its record."""
    if not signer.keys:
        return
    if signed(token):
        body, _, tag = token.rpartition(".")
        if not any(hmac.compare_digest(tag, signer.mac(body, kind, key)) for key in signer.keys):
            raise Unauthorized("forged token")
    elif signer.unsigned_until is None or now >= signer.unsigned_until:
        raise Unauthorized("unsigned token")


def read_alone(token: str, signer: Signer) -> bool:
    """Whether a token's record must be checked before anything else is read: an unsigned
    token where tokens are signed (the transition), which no MAC vouches for."""
    return bool(signer.keys) and not signed(token)


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


def grants_left(refresh_tokens: Iterable[Mapping[str, Any]], now: datetime) -> set[str]:
    """The grants (linkings) still alive among a user's unused, unrevoked refresh-token
    records: each live grant has one such unexpired record (its latest refresh token)."""
    return {
        str(stored["grantId"])
        for stored in refresh_tokens
        if stored.get("grantId")
        and stored.get("kind") == REFRESH
        and stored.get("revoked") is False
        and not stored.get("used")
        and isinstance(stored.get("expiresAt"), datetime)
        and stored["expiresAt"] > now
    }
