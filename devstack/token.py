"""Print a fresh access token for a user of the running local stack: ``make token USER_ID=x``."""

import sys
from datetime import UTC, datetime, timedelta

from devstack.local import running_store
from functions.core import tokens
from functions.fulfillment.store import Store


def issue_token(store: Store, user_id: str, ttl_seconds: int = 3600) -> str:
    """Store a new access token's hash for ``user_id`` and return the token."""
    token = tokens.issue(user_id)
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
    print(issue_token(store, argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
