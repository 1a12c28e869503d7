"""The publisher port: on_device_written's only output. ``PubSubPublisher`` is the adapter;
``MemoryPublisher`` keeps the messages in a list for tests and benchmarks."""

from collections.abc import Sequence
from typing import Protocol

from functions.core.messages import Message


class Publisher(Protocol):
    """Publishes messages, in order per user; raises when any of them could not be published."""

    def publish(self, messages: Sequence[Message]) -> None: ...
