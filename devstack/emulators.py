"""Start and stop the Google Cloud emulators from the machine's Google Cloud CLI.

Each emulator runs in its own process group on 127.0.0.1, so stopping it stops Java too.
"""

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Self

FIRESTORE_SCRIPT = "platform/cloud-firestore-emulator/cloud_firestore_emulator"
PUBSUB_SCRIPT = "platform/pubsub-emulator/bin/cloud-pubsub-emulator"


def sdk_root() -> Path:
    """The Google Cloud CLI's installation folder (CLOUDSDK_ROOT_DIR, else found from gcloud)."""
    if os.environ.get("CLOUDSDK_ROOT_DIR"):
        return Path(os.environ["CLOUDSDK_ROOT_DIR"])
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise RuntimeError("gcloud is not on PATH: install the Google Cloud CLI (see README)")
    return Path(gcloud).resolve().parent.parent


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports, below the kernel's ephemeral range.

    A port handed out now is bound later by a server that starts seconds afterwards; meanwhile
    any socket bound to port 0 (an emulator's extra listener, a client) takes an ephemeral port,
    and could take that one. Below the ephemeral range only an explicit bind can, and every
    socket here stays bound until all ports are chosen, so they are distinct."""
    low = _ephemeral_low()
    rng = random.SystemRandom()
    with contextlib.ExitStack() as held:
        chosen: list[int] = []
        while len(chosen) < count:
            port = rng.randrange(PORTS_FROM, low)
            sock = held.enter_context(socket.socket())
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            chosen.append(port)
        return chosen


PORTS_FROM = 20000
"""Where the ports for local servers start (the well-known ports of other tools sit lower)."""


def _ephemeral_low() -> int:
    """The first port of the kernel's ephemeral range (Linux), or 32768."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768
    return low if low > PORTS_FROM + 1000 else 32768


@dataclass
class Emulator:
    """One running emulator process; ``host`` is what the *_EMULATOR_HOST variables take."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: IO[bytes] = field(repr=False)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def ready(self, timeout: float = 60) -> Self:
        """This emulator once it answers HTTP; if it never does, it is stopped and the error
        names its log."""
        try:
            wait_for_http(f"http://{self.host}/", self.process, timeout)
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"{self.name} emulator: {error}; see {self.log.name}") from None
        return self

    def stop(self) -> None:
        """Stop the whole process group (the launcher script and its Java child)."""
        stop_group(self.process)
        self.log.close()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_group(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM a process group started with start_new_session, then wait until all of it is gone
    (SIGKILL after ``timeout``)."""
    stop_groups([process], timeout)


def stop_groups(processes: list[subprocess.Popen[bytes]], timeout: float = 15) -> None:
    """``stop_group`` for several groups at once: all are told first, then waited for."""
    for process in processes:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        while time.monotonic() < deadline:
            process.poll()
            if not _group_alive(process.pid):
                break
            time.sleep(0.1)
        else:
            if _group_alive(process.pid):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _spawn(name: str, command: list[str], port: int, log_path: Path) -> Emulator:
    log = log_path.open("wb")
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    return Emulator(name, port, process, log)


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Wait until ``url`` answers at all (any HTTP status) while ``process`` runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with code {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def launch_firestore(
    project: str,
    log_path: Path,
    *,
    port: int | None = None,
    rules: Path | None = None,
    functions_host: str | None = None,
) -> Emulator:
    """The Firestore emulator, native mode, on 127.0.0.1, launched: ``.ready()`` waits until it
    answers, so that a caller can start other processes meanwhile."""
    port = port or free_port()
    command = [
        str(sdk_root() / FIRESTORE_SCRIPT),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--project_id",
        project,
    ]
    if rules:
        command += ["--rules", str(rules)]
    if functions_host:
        command += ["--functions_emulator", functions_host]
    return _spawn("firestore", command, port, log_path)


def launch_pubsub(project: str, log_path: Path, port: int | None = None) -> Emulator:
    """The Pub/Sub emulator on 127.0.0.1, launched (``.ready()`` waits until it answers)."""
    port = port or free_port()
    command = [
        str(sdk_root() / PUBSUB_SCRIPT),
        "--host=127.0.0.1",
        f"--port={port}",
        f"--project={project}",
    ]
    return _spawn("pubsub", command, port, log_path)
