"""`make run`'s stack starts, answers the curl command it prints, and stops on Ctrl-C."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from devstack.demo_home import DEMO_DEVICES
from devstack.emulators import free_port

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


def test_local_stack_answers_its_own_curl_command() -> None:
    fs_port, fn_port, ps_port, auth_port = free_port(), free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "FIRESTORE_EMULATOR_HOST"}
    process = subprocess.Popen(
        [
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
        ],
        cwd=ROOT,
        env=env,
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
        walk_through()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
    for port in (fs_port, fn_port):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            raise AssertionError(f"port {port} still answers after Ctrl-C")
        except urllib.error.HTTPError as still_up:
            raise AssertionError(f"port {port} still answers after Ctrl-C") from still_up
        except OSError:
            pass
