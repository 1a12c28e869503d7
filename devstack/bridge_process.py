"""The LAN bridge as its own process (``python -m bridge run``), as a LAN box runs it: for the
local-fulfillment tests and bench, which stop and start it for real. Its JSON log goes to a file;
``start()`` returns once the local endpoint is up and gives the mDNS record it serves."""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.speaker.pins import PinStore
from devstack.emulators import stop_group
from devstack.local import ROOT


@dataclass
class BridgeProcess:
    """``python -m bridge run`` for one home, one speaker, the local hub on 127.0.0.1:port."""

    state_dir: Path
    credential: Path
    speaker: tuple[str, str]
    """(name, host:port) of the speaker, the static map's one entry."""
    token: str
    fingerprint: str
    """The speaker's certificate SHA-256, approved by the owner before the first start (as
    ``python -m bridge pins approve`` would)."""
    local_port: int
    env: dict[str, str]
    log: Path
    poll_interval: float = 30.0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    scan_data: dict[str, Any] = field(default_factory=dict)
    starts: int = 0

    def start(self, timeout: float = 60.0) -> "BridgeProcess":
        self.state_dir.mkdir(parents=True, exist_ok=True)
        static, tokens = self.state_dir / "speakers.json", self.state_dir / "tokens.json"
        static.write_text(json.dumps({self.speaker[0]: self.speaker[1]}))
        tokens.write_text(json.dumps({self.speaker[0]: self.token}))
        pins = PinStore(self.state_dir / "pins.json")
        if pins.get(self.speaker[0]) is None:
            pins.trust(self.speaker[0], self.fingerprint)
        offset = self.log.stat().st_size if self.log.exists() else 0
        # fmt: off
        command = [
            sys.executable, "-m", "bridge", "--state-dir", str(self.state_dir),
            "--timeout", "2", "--budget-per-minute", "600", "--budget-burst", "20",
            "run", "--credential", str(self.credential), "--static", str(static),
            "--tokens", str(tokens), "--poll-interval", str(self.poll_interval),
            "--local-host", "127.0.0.1", "--local-port", str(self.local_port), "--no-mdns",
        ]
        # fmt: on
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        started = self.wait_for("local_endpoint_started", offset, timeout)
        self.scan_data = started["scanData"]
        self.starts += 1
        return self

    def events(self, offset: int = 0) -> list[dict[str, Any]]:
        """The JSON lines the bridge logged after byte ``offset``."""
        lines = self.log.read_bytes()[offset:].decode(errors="replace").splitlines()
        found = []
        for line in lines:
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
        return found

    def wait_for(self, event: str, offset: int = 0, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = next((e for e in self.events(offset) if e.get("event") == event), None)
            if match is not None:
                return match
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the bridge exited ({self.process.returncode}); see {self.log}")
            time.sleep(0.1)
        raise TimeoutError(f"no {event} from the bridge in {timeout} s; see {self.log}")

    def stop(self) -> None:
        """SIGTERM, as systemd stops it (SIGKILL if it does not go)."""
        if self.process is not None:
            stop_group(self.process)
            self.process = None
