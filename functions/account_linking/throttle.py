"""Rate limits of account linking: failed sign-ins per account and per source address (an App Flip
ID token that fails counts as a failed sign-in), failed client authentications per source
address; each counted before the check it guards, in a sliding window: never more than the limit
within any 15 minutes (records.py ``reservation``)."""

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta

from functions.account_linking.records import Records
from functions.core import logs

FAILURE_WINDOW = timedelta(minutes=15)
USER_FAILURE_LIMIT = 5
"""Password attempts per account (the email, normalised) within any window, from any address: a
password guesser gets 5 tries per account per 15 minutes however many addresses it uses. The
account's owner can be locked out of linking for the window by someone who knows the email,
never every user."""
SIGN_IN_SOURCE_LIMIT = 30
"""Failed sign-ins (passwords, App Flip ID tokens) per source address (an IPv6 /64) within any
window, over all accounts: bounds how many accounts one address can probe or lock. High enough
for a household behind one NAT."""
TOKEN_SOURCE_LIMIT = 20
"""Failed client authentications at /token per source address within any window. A correctly
authenticated client is never refused by any counter: the client secret (384 random bits, see
docs/deployment.md) is what stops guessing; this limit only bounds what a source can cost."""
UNKNOWN_SOURCE = "unknown"


def counter_key(kind: str, value: str) -> str:
    return f"{kind}-" + hashlib.sha256(value.strip().lower().encode()).hexdigest()


def release(records: Records, counters: Mapping[str, int], now: datetime) -> None:
    """Take back attempts that did not fail; a leftover count only delays, so never raise."""
    try:
        records.release(list(counters), now, FAILURE_WINDOW)
    except Exception as error:
        logs.warning("sign-in counter not released", error=type(error).__name__)
