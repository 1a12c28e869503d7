"""What on_device_change works with: its dependencies (``Pipeline``, one per process) and the
message being handled (``Delivery``, one per message)."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from functions.core.config import Config
from functions.on_device_change.client import HomeGraph
from functions.on_device_change.ledger import Ledger
from functions.on_device_change.quota import CallBudget

REPORTED_ENTRIES = 10_000


class Reported:
    """The newest version of each device this process reported (from a fresh read of the
    device), so a message for that version or an older one needs no read at all. Thread-safe;
    the oldest entries are forgotten first."""

    def __init__(self, size: int = REPORTED_ENTRIES) -> None:
        self._versions: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._skipped: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._large: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def large(self, user_id: str) -> bool:
        """True when this process found the user's home too large to fold."""
        with self._lock:
            return user_id in self._large

    def mark_large(self, user_id: str) -> None:
        with self._lock:
            self._large[user_id] = None
            while len(self._large) > self._size:
                self._large.popitem(last=False)

    def covers(self, user_id: str, device_id: str, version: int) -> bool:
        with self._lock:
            return self._versions.get((user_id, device_id), -1) >= version

    def record(self, user_id: str, device_id: str, version: int) -> None:
        key = (user_id, device_id)
        with self._lock:
            self._versions[key] = max(version, self._versions.get(key, version))
            self._versions.move_to_end(key)
            while len(self._versions) > self._size:
                self._versions.popitem(last=False)
            if self._skipped.get(key, version + 1) <= version:
                del self._skipped[key]

    def skipped(self, user_id: str, device_id: str, version: int) -> int:
        """Note that the write at ``version`` was left to a newer write's message; returns the
        oldest such write since the device was last reported here: how long Google's view of
        the device has waited while each message in turn was superseded by the next."""
        key = (user_id, device_id)
        with self._lock:
            oldest = min(version, self._skipped.get(key, version))
            self._skipped[key] = oldest
            self._skipped.move_to_end(key)
            while len(self._skipped) > self._size:
                self._skipped.popitem(last=False)
            return oldest


@dataclass
class Pipeline:
    """The dependencies of on_device_change; ``budget`` defaults to this instance's share of the
    project's budget, counted in the ledger."""

    ledger: Ledger
    homegraph: Callable[[], HomeGraph]
    config: Config
    clock: Callable[[], int] = time.time_ns
    sleep: Callable[[float], None] = time.sleep
    budget: CallBudget | None = None
    reported: Reported = field(default_factory=Reported)

    def __post_init__(self) -> None:
        if self.budget is None:
            self.budget = CallBudget(
                self.ledger,
                self.config.homegraph_calls_per_minute,
                self.config.homegraph_request_sync_share,
                clock=self.clock,
                sleep=self.sleep,
            )


@dataclass(frozen=True)
class Delivery:
    """One message being handled: no Home Graph call may start after ``deadline`` (ns), so none
    is still under way when Pub/Sub gives up on this delivery and sends the message again."""

    pipeline: Pipeline
    message_id: str
    deadline: int
