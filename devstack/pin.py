"""Set a user's PIN on the running local stack: ``make pin USER_ID=x PIN=1234``.

The PIN is stored as functions.devices.pins.pin_record makes it (a salted scrypt hash at
``users/{agentUserId}/secrets/pin``); failures and any lock start again from zero.
"""

import os
import socket
import sys
from typing import TYPE_CHECKING

from devstack.local import PROJECT, firestore_host
from functions.devices.pins import PIN_FORMAT, pin_record

if TYPE_CHECKING:
    from functions.core.store import FirestoreStore

USAGE = "usage: make pin USER_ID=<agentUserId> PIN=<4 to 12 digits>"


def set_pin(store: "FirestoreStore", user_id: str, pin: str) -> None:
    """Set (or replace) ``user_id``'s PIN; raises pins.BadPin for one that is not 4-12 digits."""
    store.set_pin(user_id, pin_record(pin))


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not argv[1] or "/" in argv[1] or not PIN_FORMAT.fullmatch(argv[2]):
        print(USAGE, file=sys.stderr)
        return 2
    host = firestore_host()
    address, _, port = host.rpartition(":")
    try:
        socket.create_connection((address, int(port)), timeout=2).close()
    except OSError:
        print(
            f"no Firestore emulator at {host}: start the local stack with `make run`",
            file=sys.stderr,
        )
        return 1
    os.environ["FIRESTORE_EMULATOR_HOST"] = host
    from functions.core.store import FirestoreStore

    set_pin(FirestoreStore.connect(PROJECT), argv[1], argv[2])
    print(f"PIN set for {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
