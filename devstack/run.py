"""``make run``: the whole local pipeline on 127.0.0.1, the demo home linked; Ctrl-C stops it."""

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from devstack.demo_stack import DEMO_EMAIL, DEMO_PASSWORD, DEMO_PIN, DEMO_USER, Demo
from devstack.local import PROJECT, ROOT, STATE_FILE, emulator_address, running_stack
from devstack.stack import LocalStack, Ports

PAGE_OFFSET = 4
"""The local Google Home page listens on the functions port + 4 (the four functions take the
port and the three above it)."""


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def port_holders(port: int) -> list[str]:
    """``pid command`` of each process listening on ``port`` (Linux /proc; empty elsewhere)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for row in Path(table).read_text().splitlines()[1:]:
                fields = row.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                    inodes.add(f"socket:[{fields[9]}]")
    holders = []
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                holders.append(f"pid {proc.name}: {command.strip()[:100]}")
    return holders


def refuse_to_start(ports: Ports, page_port: int) -> str | None:
    """Why the stack cannot start here: one is already running, or its ports are taken."""
    running = running_stack()
    if running:
        pid = running["pid"]
        return (
            f"a local stack is already running (pid {pid}); use it, or stop it with Ctrl-C in "
            f"its terminal or: kill {pid}"
        )
    wanted = {**asdict(ports), "Google Home page": page_port}
    busy = {name: port for name, port in wanted.items() if port and not port_free(port)}
    if not busy:
        return None
    lines = ["ports in use (see firebase.json), so the stack cannot start:"]
    for name, port in busy.items():
        holders = port_holders(port) or ["held by a process this user cannot see"]
        lines += [f"  {port} ({name})"] + [f"    {holder}" for holder in holders]
    lines.append("stop what holds them (a stack left by an earlier run: kill <pid>), then retry")
    return "\n".join(lines)


@dataclass(frozen=True)
class Addresses:
    """What ``make run``'s banner names (the README shows it with example values)."""

    project: str
    page: str
    firestore: str
    pubsub: str
    fulfillment: str
    written: str
    change: str
    homegraph: str
    linking: str
    auth: str
    devices: int
    speaker: str
    token: str
    google_start: str


def banner(a: Addresses) -> str:
    """What ``make run`` prints once the stack is up; README.md shows it (a test keeps them
    equal)."""
    return f"""Local stack is up (project {a.project}).
  Google Home page    {a.page}  (open it in a browser: the demo home as Google sees it)
  Firestore emulator  {a.firestore}   (FIRESTORE_EMULATOR_HOST)
  Pub/Sub emulator    {a.pubsub}   (PUBSUB_EMULATOR_HOST)
  fulfillment         {a.fulfillment}
  on_device_written   {a.written}  (document events via the Eventarc stand-in)
  on_device_change    {a.change}  (Pub/Sub push subscription)
  local Home Graph    {a.homegraph}  (Google's side; calls the fulfillment's SYNC)
  account_linking     {a.linking}authorize and {a.linking}token
  Auth emulator       {a.auth}   (FIREBASE_AUTH_EMULATOR_HOST)
  demo home           user '{DEMO_USER}', {a.devices} devices, linked, PIN {DEMO_PIN}
  device backend      answers the demo home's commands (.devstack/device-backend.log):
                      front-door-lock in time, garage-door after 3 s (Google hears PENDING)
  fake speaker        {a.speaker}  (LAN bridge: bedroom-speaker-dnd, polls every 5 s)

Try it:
  curl -s {a.fulfillment} -H 'Authorization: Bearer {a.token}' \\
    -H 'Content-Type: application/json' \\
    -d '{{"requestId":"1","inputs":[{{"intent":"action.devices.SYNC"}}]}}'

Walk-through (in the Google Home page, or another terminal; README "A tour of the local stack"):
  make demo ARGS="state desk-outlet on=true"     then   make demo ARGS="google desk-outlet"
  make demo ARGS="add hall-light"                then   make demo ARGS="google"
  make speaker ARGS="dnd on"                     then   make demo ARGS="google bedroom-speaker-dnd"

Account linking as Google does it: open {a.google_start} in a browser,
  sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}; Google's side exchanges the code and calls SYNC.

Another PIN: make pin USER_ID={DEMO_USER} PIN=4321
Another token: make token USER_ID={DEMO_USER}      Logs: .devstack/*.log      Stop: Ctrl-C"""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--firestore-port", type=int, help="default: firebase.json's")
    parser.add_argument("--functions-port", type=int, help="default: firebase.json's")
    parser.add_argument("--pubsub-port", type=int, help="default: firebase.json's")
    parser.add_argument("--auth-port", type=int, help="default: firebase.json's")
    args = parser.parse_args(argv)
    functions = args.functions_port or emulator_address("functions")[1]
    ports = Ports(
        firestore=args.firestore_port or emulator_address("firestore")[1],
        pubsub=args.pubsub_port or emulator_address("pubsub")[1],
        fulfillment=functions,
        written=functions + 1,
        change=functions + 2,
        linking=functions + 3,
        auth=args.auth_port or emulator_address("auth")[1],
    )
    page_port = functions + PAGE_OFFSET
    refusal = refuse_to_start(ports, page_port)
    if refusal:
        print(refusal, file=sys.stderr)
        return 1
    STATE_FILE.parent.mkdir(exist_ok=True)
    STATE_FILE.write_text(json.dumps({"pid": os.getpid()}))
    print(
        "starting the emulators (Firestore, Pub/Sub, Auth) and the four functions ...", flush=True
    )
    logs = ROOT / ".devstack"
    # Tokens are signed as deployed ones are (a fresh key per run; `make token` reads it from
    # the state file): a forged token costs the fulfillment no Firestore read.
    token_key = secrets.token_urlsafe(48)
    stack = LocalStack(
        PROJECT,
        logs,
        ports=ports,
        settings={"REQUEST_SYNC_MIN_INTERVAL_SECONDS": "2", "TOKEN_MAC_KEY": token_key},
    )
    demo = Demo(stack, logs, page_port=page_port)
    try:
        stack.start()
        demo.start()
        assert stack.homegraph and stack.firestore and stack.pubsub and stack.auth and stack.google
        assert demo.speaker and demo.page
        state = {
            "pid": os.getpid(),
            "homegraph": stack.homegraph.url,
            "speaker": demo.speaker.url,
            "page": demo.page.url,
        }
        state = {**state, "firestore": stack.firestore.host, "tokenKey": token_key}
        STATE_FILE.write_text(json.dumps(state))
        addresses = Addresses(
            project=PROJECT,
            page=demo.page.url,
            firestore=stack.firestore.host,
            pubsub=stack.pubsub.host,
            fulfillment=stack.url("fulfillment"),
            written=stack.url("written"),
            change=stack.url("change"),
            homegraph=stack.homegraph.url,
            linking=stack.url("linking"),
            auth=stack.auth.host,
            devices=demo.devices,
            speaker=demo.speaker.url,
            token=stack.token_for(DEMO_USER),
            google_start=stack.google.start_url,
        )
        print("\n" + banner(addresses) + "\n", flush=True)
        signal.pause()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        for again in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(again, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop short
        with contextlib.suppress(OSError):  # after a hangup the terminal is gone
            print("stopping ...", flush=True)
        demo.stop()
        stack.stop()
        STATE_FILE.unlink(missing_ok=True)


def interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):  # kill, and a closed terminal
        signal.signal(stop_signal, interrupt)
    sys.exit(main(sys.argv[1:]))
