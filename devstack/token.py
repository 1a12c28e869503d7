"""Print a fresh access token for a user of the running local stack: ``make token USER_ID=x``."""

import sys
from datetime import UTC, datetime, timedelta

from devstack.local import running_stack, running_store
from functions.core import tokens
from functions.fulfillment.store import Store


def issue_token(
    store: Store, user_id: str, ttl_seconds: int = 3600, signer: tokens.Signer = tokens.UNSIGNED
) -> str:
    """Store a new access token's hash for ``user_id`` and return the token (signed with the
    stack's key, when it has one)."""
    token = tokens.issue(user_id, tokens.ACCESS, signer)
    record = tokens.record(
        user_id, tokens.ACCESS, datetime.now(UTC), timedelta(seconds=ttl_seconds)
    )
    store.save_token(tokens.token_hash(token), record)
    return token


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1] or "/" in argv[1]:
        print("usage: make token USER_ID=<agentUserId>", file=sys.stderr)
        return 2
    store = running_store()
    if store is None:
        return 1
    signer = tokens.Signer.parse(str((running_stack() or {}).get("tokenKey", "")))
    print(issue_token(store, argv[1], signer=signer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
