"""Set a user's PIN on the running local stack: ``make pin USER_ID=x PIN=1234``.

The PIN is stored as functions.devices.pins.pin_record makes it (a salted scrypt hash at
``users/{agentUserId}/secrets/pin``); failures and any lock start again from zero.
"""

import sys
from typing import TYPE_CHECKING

from devstack.local import running_store
from functions.devices.pins import PIN_FORMAT, pin_record

if TYPE_CHECKING:
    from functions.fulfillment.firestore_store import FirestoreStore

USAGE = "usage: make pin USER_ID=<agentUserId> PIN=<4 to 12 digits>"


def set_pin(store: "FirestoreStore", user_id: str, pin: str) -> None:
    """Set (or replace) ``user_id``'s PIN; raises pins.BadPin for one that is not 4-12 digits."""
    store.set_pin(user_id, pin_record(pin))


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not argv[1] or "/" in argv[1] or not PIN_FORMAT.fullmatch(argv[2]):
        print(USAGE, file=sys.stderr)
        return 2
    store = running_store()
    if store is None:
        return 1
    set_pin(store, argv[1], argv[2])
    print(f"PIN set for {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
