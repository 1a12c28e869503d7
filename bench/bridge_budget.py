"""A speaker's request budget, commands against polls: how long a Do Not Disturb command takes
from its command record to its recorded outcome on the fake speaker, with ``make run``'s settings
(60 requests a minute, burst 6, a poll of 3 requests every 5 s).

- ``after rotation``: the speaker's token is rotated at a random moment of the poll cycle and a
  confirmed DND command follows at once (the first request meets a 401, a refresh, a retry);
- ``1 s apart``: rounds of five commands sent one second apart (a person flipping the switch),
  each round from a steady state. Two requests a second against a budget of one a second: after
  the burst, the budget itself makes the later commands of a round wait.

Over 800 ms (the DND switch's ``timeoutMs``) Google hears PENDING. The store is in memory (no
Firestore round trips): the figures are the bridge's own share of an EXECUTE.

    python -m bench.bridge_budget [--trials 12] [--rounds 6] [--json .bench/bridge_budget.json]
"""

import argparse
import json
import random
import statistics
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bridge.budget import Budget
from bridge.memory_store import MemoryHomeStore
from bridge.runtime import Bridge, Settings
from bridge.speaker.adapter import SpeakerAdapter
from bridge.speaker.client import SpeakerClient
from bridge.speaker.discovery import StaticDiscovery
from bridge.speaker.pins import PinStore
from bridge.speaker.tokens import HomeGraphTokens
from devstack.fake_speaker import FakeSpeaker

DND = "bedroom-dnd"
ON_OFF = "action.devices.commands.OnOff"
POLL_SECONDS = 5.0
PENDING_AFTER_MS = 800
STEADY_SECONDS = 2 * POLL_SECONDS
"""Polls on their cycle, the budget back to its steady level."""
SETTINGS = Settings(poll_interval=POLL_SECONDS, retry_base=2, heartbeat_interval=30)


class TimedStore(MemoryHomeStore):
    """The in-memory store, noting when each command's outcome is recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.answered: dict[str, float] = {}
        self.changed = threading.Condition()

    def record_outcome(
        self,
        device_id: str,
        command_id: str,
        outcome: Mapping[str, Any],
        states: Mapping[str, Any],
    ) -> bool:
        written = super().record_outcome(device_id, command_id, outcome, states)
        with self.changed:
            self.answered[command_id] = time.monotonic()
            self.changed.notify_all()
        return written

    def command(self, on: bool) -> tuple[str, float]:
        """A confirmed DND command, as EXECUTE writes it; (its id, when it was written)."""
        sent = time.monotonic()
        return self.execute(DND, ON_OFF, {"on": on}, patch={"on": on}, mode="confirmed"), sent

    def took_ms(self, command_id: str, sent: float, timeout: float = 30) -> float:
        with self.changed:
            self.changed.wait_for(lambda: command_id in self.answered, timeout)
        return (self.answered[command_id] - sent) * 1000


def rig(speaker: FakeSpeaker) -> tuple[Bridge, TimedStore]:
    """``make run``'s bridge for one fake speaker, on the in-memory store."""
    discovery = StaticDiscovery({"bedroom": f"127.0.0.1:{speaker.port}"})
    pins = PinStore()
    pins.trust("bedroom", speaker.fingerprint)
    tokens = HomeGraphTokens(lambda: {"bedroom": speaker.token}, min_interval=0)
    client = SpeakerClient(Budget(60, 6), pins, tokens)
    store = TimedStore()
    return Bridge(SpeakerAdapter(discovery, client), store, SETTINGS).start(), store


def summary(took: list[float]) -> dict[str, Any]:
    return {
        "commands": len(took),
        "medianMs": round(statistics.median(took)),
        "p90Ms": round(statistics.quantiles(took, n=10)[-1]) if len(took) > 1 else round(took[0]),
        "maxMs": round(max(took)),
        "pending": sum(1 for t in took if t > PENDING_AFTER_MS),
    }


def after_rotation(speaker: FakeSpeaker, store: TimedStore, trials: int) -> list[float]:
    took = []
    for trial in range(trials):
        time.sleep(random.uniform(0, POLL_SECONDS))  # any moment of the poll cycle
        speaker.rotate_token()
        command, sent = store.command(trial % 2 == 0)
        took.append(store.took_ms(command, sent))
        time.sleep(1)
    return took


def one_second_apart(store: TimedStore, rounds: int, commands: int = 5) -> list[float]:
    took = []
    for _ in range(rounds):
        time.sleep(STEADY_SECONDS + random.uniform(0, POLL_SECONDS))  # any moment of the cycle
        sent_ids = []
        for number in range(commands):
            sent_ids.append(store.command(number % 2 == 0))
            time.sleep(1)
        took += [store.took_ms(command, sent) for command, sent in sent_ids]
    return took


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=12, help="commands after a rotation")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of 5 commands 1 s apart")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    speaker = FakeSpeaker("Bedroom speaker").start()
    bridge, store = rig(speaker)
    try:
        time.sleep(STEADY_SECONDS)
        started, before = time.monotonic(), len(speaker.requests)
        rotation = after_rotation(speaker, store, args.trials)
        apart = one_second_apart(store, args.rounds)
        elapsed = time.monotonic() - started
        sent = len(speaker.requests) - before
    finally:
        bridge.stop()
        speaker.stop()
    figures = {
        "afterRotation": summary(rotation),
        "oneSecondApart": summary(apart),
        "requestsPerMinute": round(sent * 60 / elapsed, 1),
        "budgetPerMinute": 60,
    }
    print("DND command, record to outcome, on the fake speaker (make run's budget and poll):")
    for name, row in (("after rotation", rotation), ("1 s apart", apart)):
        line = summary(row)
        print(
            f"  {name:15} median {line['medianMs']:5} ms  p90 {line['p90Ms']:5} ms  "
            f"max {line['maxMs']:5} ms  over {PENDING_AFTER_MS} ms: "
            f"{line['pending']}/{line['commands']}"
        )
    print(f"  requests to the speaker: {figures['requestsPerMinute']} a minute (budget 60)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1))
    return figures


if __name__ == "__main__":
    main()
