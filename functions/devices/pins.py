"""A user's PIN for secondary user verification (``pinNeeded`` challenges); pure.

The PIN lives only as a salted scrypt hash in ``users/{agentUserId}/secrets/pin``, never in
``customData``, a device document or a log. A device backend sets it with ``pin_record``::

    from functions.devices.pins import PIN_DOCUMENT, pin_record
    db.document(PIN_DOCUMENT.format(user=agent_user_id)).set(pin_record("4321"))

Wrong PINs are counted in the same document, in the EXECUTE commit that checked them (guarded
like every read-modify-write here, so concurrent wrong PINs cannot exceed the bound): after
``MAX_FAILURES`` the PIN is locked for ``COOL_DOWN`` and Google hears ``tooManyFailedAttempts``.
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

PIN_DOCUMENT = "users/{user}/secrets/pin"
"""Where a user's PIN record lives; never in a device document."""

PIN_FORMAT = re.compile(r"[0-9]{4,12}")
"""Digits, as a person says them to a speaker: 4 to 12."""
MAX_FAILURES = 5
COOL_DOWN = timedelta(minutes=15)
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
"""scrypt costs (about 16 MiB and tens of milliseconds per check)."""


class BadPin(ValueError):
    """A PIN that is not 4 to 12 digits."""


def _digest(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024)


def pin_record(pin: str) -> dict[str, Any]:
    """The document that sets (or replaces) a user's PIN; failures start again from zero."""
    if not isinstance(pin, str) or not PIN_FORMAT.fullmatch(pin):
        raise BadPin("a PIN is 4 to 12 digits")
    salt = secrets.token_bytes(16)
    return {
        "scrypt": {**SCRYPT, "salt": salt.hex(), "hash": _digest(pin, salt, **SCRYPT).hex()},
        "failures": 0,
        "lockedUntil": None,
    }


def matches(record: Mapping[str, Any], pin: str) -> bool:
    """True when ``pin`` is the user's PIN (constant-time comparison)."""
    stored = record.get("scrypt") or {}
    try:
        salt, expected = bytes.fromhex(stored["salt"]), bytes.fromhex(stored["hash"])
        n, r, p = int(stored["n"]), int(stored["r"]), int(stored["p"])
    except (KeyError, TypeError, ValueError):
        return False
    if not PIN_FORMAT.fullmatch(pin):
        return False
    return hmac.compare_digest(_digest(pin, salt, n, r, p), expected)


def locked(record: Mapping[str, Any], now: datetime) -> bool:
    until = record.get("lockedUntil")
    return isinstance(until, datetime) and now < until


def after_failure(record: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The fields to write after a wrong PIN: one more failure, and a lock at the bound."""
    failures = int(record.get("failures") or 0) + 1
    if failures >= MAX_FAILURES:
        return {"failures": 0, "lockedUntil": now + COOL_DOWN}
    return {"failures": failures}


def after_success(record: Mapping[str, Any]) -> dict[str, Any]:
    """The fields to write after the right PIN: failures forgotten (nothing if none)."""
    return {"failures": 0} if record.get("failures") else {}
