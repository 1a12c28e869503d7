"""`make run`'s stack starts, answers the curl command it prints, refuses a second start, and
stops everything on Ctrl-C (pressed twice) and on a hangup (the terminal closed)."""

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devstack.demo_home import DEMO_DEVICES
from devstack.emulators import free_ports
from devstack.local import STATE_FILE

ROOT = Path(__file__).resolve().parents[2]


def demo(*args: str) -> str:
    """`make demo ARGS=...` as the README's walk-through runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "devstack.demo", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def walk_through() -> None:
    """Flip a state: Report State arrives; add a device: Request Sync and the new SYNC."""
    demo("state", "desk-outlet", "on=true")
    deadline = time.monotonic() + 60
    while json.loads(demo("google", "desk-outlet"))["desk-outlet"].get("on") is not True:
        assert time.monotonic() < deadline, "the state never reached the local Home Graph"
        time.sleep(0.5)
    demo("add", "hall-light")
    while "hall-light" not in demo("google"):
        assert time.monotonic() < deadline, "the new device never reached Google's SYNC view"
        time.sleep(0.5)


def run_command(fs_port: int, fn_port: int, ps_port: int, auth_port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "devstack.run",
        "--firestore-port",
        str(fs_port),
        "--functions-port",
        str(fn_port),
        "--pubsub-port",
        str(ps_port),
        "--auth-port",
        str(auth_port),
    ]


def stack_ports() -> tuple[int, int, int, int]:
    """Free ports for the Firestore emulator, the functions (which take the given port and the
    three above it; the Google Home page the fourth above), Pub/Sub and Auth, none shared."""
    for _ in range(100):
        firestore, functions, pubsub, auth = free_ports(4)
        block = range(functions, functions + 5)
        if firestore in block or pubsub in block or auth in block:
            continue
        try:
            with contextlib.ExitStack() as held:
                for port in block[1:]:
                    held.enter_context(socket.socket()).bind(("127.0.0.1", port))
        except OSError:
            continue
        return firestore, functions, pubsub, auth
    raise RuntimeError("no block of four free ports")


def without_emulator_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "FIRESTORE_EMULATOR_HOST"}


def test_busy_port_is_reported_with_its_holder() -> None:
    """A port held by a stray process (a stack left behind, say) is named with its holder."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        done = subprocess.run(
            run_command(busy, *stack_ports()[1:]),
            cwd=ROOT,
            env=without_emulator_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert f"{busy} (firestore)" in done.stderr
    assert f"pid {os.getpid()}:" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGHUP], ids=["ctrl-c", "hangup"])
def test_local_stack_answers_its_own_curl_command(stop: signal.Signals) -> None:
    ports = stack_ports()
    fs_port, fn_port = ports[:2]
    process = subprocess.Popen(
        run_command(*ports),
        cwd=ROOT,
        env=without_emulator_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = ""
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 90
        while "Stop: Ctrl-C" not in output and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output += line
        command = re.search(
            r"curl -s (\S+) -H 'Authorization: Bearer (\S+)'.*?-d '(.+?)'", output, re.DOTALL
        )
        assert command, output
        url, token, body = command.groups()
        request = urllib.request.Request(
            url,
            data=body.encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
        assert answer["payload"]["agentUserId"] == "demo"
        assert sorted(d["id"] for d in answer["payload"]["devices"]) == sorted(DEMO_DEVICES)
        page = re.search(r"Google Home page    (\S+)", output)
        assert page and page.group(1) == f"http://127.0.0.1:{fn_port + 4}/", output
        with urllib.request.urlopen(page.group(1), timeout=30) as response:
            assert "<title>Local Google Home</title>" in response.read().decode()
        if stop == signal.SIGINT:
            walk_through()
            usage = subprocess.run(
                [sys.executable, "-m", "devstack.demo"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            assert usage.returncode == 2
            assert "state DEVICE KEY=VALUE" in usage.stderr
        else:
            second = subprocess.run(
                run_command(*stack_ports()),
                cwd=ROOT,
                env=without_emulator_env(),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert second.returncode == 1
            assert f"already running (pid {process.pid})" in second.stderr
    finally:
        if stop == signal.SIGHUP:
            assert process.stdout is not None
            process.stdout.close()  # the terminal is gone: printing now fails
        process.send_signal(stop)
        if stop == signal.SIGINT:
            time.sleep(0.5)
            process.send_signal(stop)  # an impatient second Ctrl-C, while it stops
        process.wait(timeout=60)
    assert process.returncode == 0
    assert not STATE_FILE.exists()
    not_up = subprocess.run(
        [sys.executable, "-m", "devstack.demo", "google"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert not_up.returncode == 2
    assert "make run" in not_up.stderr
    for port in (fs_port, fn_port, fn_port + 4):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            raise AssertionError(f"port {port} still answers after Ctrl-C")
        except urllib.error.HTTPError as still_up:
            raise AssertionError(f"port {port} still answers after Ctrl-C") from still_up
        except OSError:
            pass
