"""A client of the fake Local Home platform (local-home/fake-platform/driver.mjs), which runs
the built Local Home app in Node: one JSON line per operation, one answer per line."""

import json
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any

from devstack.local import ROOT

LOCAL_HOME = ROOT / "local-home"
BUNDLE = LOCAL_HOME / "dist" / "app.js"
DRIVER = LOCAL_HOME / "fake-platform" / "driver.mjs"


def build() -> Path:
    """Type-check and bundle the app (``npm run build``); its toolchain comes from
    ``make local-home`` (npm ci with the lock file)."""
    if not (LOCAL_HOME / "node_modules" / ".bin" / "esbuild").exists():
        raise RuntimeError("the Local Home app's toolchain is missing: run `make local-home`")
    subprocess.run(
        ["npm", "run", "--silent", "build"],
        cwd=LOCAL_HOME,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return BUNDLE


class LocalPlatform:
    """``start()``, operations, ``stop()``."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.process: subprocess.Popen[str] | None = None
        self._answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self._ids = 0

    def start(self, bundle: Path = BUNDLE) -> "LocalPlatform":
        with self.log.open("a") as errors:
            self.process = subprocess.Popen(
                ["node", str(DRIVER)],
                cwd=LOCAL_HOME,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        threading.Thread(target=self._read, daemon=True, name="local-platform").start()
        self.call("load", bundle=str(bundle))
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self._answers.put(json.loads(line))

    def call(self, op: str, timeout: float = 30.0, **fields: Any) -> Any:
        """The result of one operation; raises RuntimeError with the platform's error."""
        assert self.process is not None and self.process.stdin is not None
        self._ids += 1
        self.process.stdin.write(json.dumps({"id": self._ids, "op": op, **fields}) + "\n")
        self.process.stdin.flush()
        answer = self._answers.get(timeout=timeout)
        if answer.get("id") != self._ids:
            raise RuntimeError(f"out of order answer {answer}")
        if not answer["ok"]:
            raise RuntimeError(answer["error"])
        return answer["result"]

    def stop(self) -> None:
        if self.process is not None:
            if self.process.stdin is not None:
                self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
