"""``make run``: the whole local pipeline on 127.0.0.1, the demo home linked; Ctrl-C stops it."""

import argparse
import contextlib
import json
import os
import signal
import socket
import sys
from dataclasses import asdict
from pathlib import Path

from bridge.runtime import Bridge
from devstack.demo_home import BRIDGE_UID, SPEAKER_NAME, seed
from devstack.device_backend import DeviceBackend, demo_backend
from devstack.fake_speaker import FakeSpeaker
from devstack.local import PROJECT, ROOT, STATE_FILE, emulator_address, running_stack
from devstack.stack import LocalStack, Ports
from functions.devices.pins import pin_record

DEMO_USER = "demo"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - the local Auth emulator's demo person only
DEMO_PIN = "1234"
"""The demo user's PIN for secondary user verification (unlocking, opening the garage)."""


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


def refuse_to_start(ports: Ports) -> str | None:
    """Why the stack cannot start here: one is already running, or its ports are taken."""
    running = running_stack()
    if running:
        pid = running["pid"]
        return (
            f"a local stack is already running (pid {pid}); use it, or stop it with Ctrl-C in "
            f"its terminal or: kill {pid}"
        )
    busy = {name: port for name, port in asdict(ports).items() if not port_free(port)}
    if not busy:
        return None
    lines = ["ports in use (see firebase.json), so the stack cannot start:"]
    for name, port in busy.items():
        holders = port_holders(port) or ["held by a process this user cannot see"]
        lines += [f"  {port} ({name})"] + [f"    {holder}" for holder in holders]
    lines.append("stop what holds them (a stack left by an earlier run: kill <pid>), then retry")
    return "\n".join(lines)


def start_speaker_bridge(stack: LocalStack, logs: Path) -> tuple[FakeSpeaker, Bridge]:
    """A fake speaker on 127.0.0.1, and the LAN bridge for the demo home, signed in as the
    demo home's own bridge user (firestore.rules limit it to users/demo/...)."""
    import logging

    from bridge import logs as bridge_logs
    from bridge.budget import Budget
    from bridge.credential import provision
    from bridge.firestore_store import FirestoreHomeStore
    from bridge.runtime import Settings
    from bridge.speaker.adapter import SpeakerAdapter
    from bridge.speaker.client import SpeakerClient
    from bridge.speaker.discovery import StaticDiscovery
    from bridge.speaker.pins import PinStore
    from bridge.speaker.tokens import HomeGraphTokens
    from devstack.auth_emulator import API_KEY

    assert stack.auth
    handler = logging.FileHandler(logs / "bridge.log")
    handler.setFormatter(bridge_logs.JsonFormatter())
    bridge_logs.LOGGER.handlers[:] = [handler]
    bridge_logs.LOGGER.setLevel(logging.INFO)
    bridge_logs.LOGGER.propagate = False
    speaker = FakeSpeaker(SPEAKER_NAME).start()
    try:
        account = provision(
            PROJECT,
            API_KEY,
            DEMO_USER,
            admin_bearer="owner",
            auth_emulator=stack.auth.host,
            bridge_uid=BRIDGE_UID,
        )
        # Google's Home Graph hands out local tokens by identity; the static map's key is the
        # fake speaker's identity here, and the person running the stack knows its certificate.
        discovery = StaticDiscovery({SPEAKER_NAME: f"127.0.0.1:{speaker.port}"})
        [endpoint] = discovery.endpoints()
        tokens = HomeGraphTokens(lambda: {endpoint.identity: speaker.token}, min_interval=0)
        pins = PinStore()
        pins.trust(endpoint.identity, speaker.fingerprint, name=SPEAKER_NAME, host=endpoint.host)
        client = SpeakerClient(Budget(60, 6), pins, tokens)
        bridge = Bridge(
            SpeakerAdapter(discovery, client),
            FirestoreHomeStore.connect(account),
            Settings(poll_interval=5, retry_base=2, heartbeat_interval=30),
            name="make-run",
        ).start()
    except BaseException:
        speaker.stop()
        raise
    return speaker, bridge


def start_device_backend(stack: LocalStack, logs: Path) -> DeviceBackend:
    """The reference device backend for the demo home; it logs what it does to ``logs``."""
    import logging

    from devstack import device_backend

    handler = logging.FileHandler(logs / "device-backend.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    device_backend.LOG.handlers[:] = [handler]
    device_backend.LOG.setLevel(logging.INFO)
    device_backend.LOG.propagate = False
    return demo_backend(stack.store.client, DEMO_USER).start()


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
    refusal = refuse_to_start(ports)
    if refusal:
        print(refusal, file=sys.stderr)
        return 1
    STATE_FILE.parent.mkdir(exist_ok=True)
    STATE_FILE.write_text(json.dumps({"pid": os.getpid()}))
    print(
        "starting the emulators (Firestore, Pub/Sub, Auth) and the four functions ...", flush=True
    )
    stack = LocalStack(
        PROJECT,
        ROOT / ".devstack",
        ports=ports,
        settings={"REQUEST_SYNC_MIN_INTERVAL_SECONDS": "2"},
    )
    speaker: FakeSpeaker | None = None
    bridge: Bridge | None = None
    backend: DeviceBackend | None = None
    try:
        stack.start()
        assert stack.homegraph and stack.firestore and stack.pubsub and stack.auth and stack.google
        devices = seed(stack.store, DEMO_USER)
        stack.store.set_pin(DEMO_USER, pin_record(DEMO_PIN))
        backend = start_device_backend(stack, ROOT / ".devstack")
        stack.add_person(DEMO_USER, DEMO_EMAIL, DEMO_PASSWORD)
        stack.link(DEMO_USER)
        token = stack.token_for(DEMO_USER)
        speaker, bridge = start_speaker_bridge(stack, ROOT / ".devstack")
        state = {"pid": os.getpid(), "homegraph": stack.homegraph.url, "speaker": speaker.url}
        STATE_FILE.write_text(json.dumps({**state, "firestore": stack.firestore.host}))
        url = stack.url("fulfillment")
        print(
            f"""
Local stack is up (project {PROJECT}).
  Firestore emulator  {stack.firestore.host}   (FIRESTORE_EMULATOR_HOST)
  Pub/Sub emulator    {stack.pubsub.host}   (PUBSUB_EMULATOR_HOST)
  fulfillment         {url}
  on_device_written   {stack.url("written")}  (document events via the Eventarc stand-in)
  on_device_change    {stack.url("change")}  (Pub/Sub push subscription)
  local Home Graph    {stack.homegraph.url}  (Google's side; calls the fulfillment's SYNC)
  account_linking     {stack.url("linking")}authorize and {stack.url("linking")}token
  Auth emulator       {stack.auth.host}   (FIREBASE_AUTH_EMULATOR_HOST)
  demo home           user '{DEMO_USER}', {devices} devices, linked, PIN {DEMO_PIN}
  device backend      answers the demo home's commands (.devstack/device-backend.log):
                      front-door-lock in time, garage-door after 3 s (Google hears PENDING)
  fake speaker        {speaker.url}  (LAN bridge: bedroom-speaker-dnd, polls every 5 s)

Try it:
  curl -s {url} -H 'Authorization: Bearer {token}' \\
    -H 'Content-Type: application/json' \\
    -d '{{"requestId":"1","inputs":[{{"intent":"action.devices.SYNC"}}]}}'

Walk-through (another terminal; README "Watch Home Graph follow Firestore"):
  make demo ARGS="state desk-outlet on=true"     then   make demo ARGS="google desk-outlet"
  make demo ARGS="add hall-light"                then   make demo ARGS="google"
  make speaker ARGS="dnd on"                     then   make demo ARGS="google bedroom-speaker-dnd"

Account linking as Google does it: open {stack.google.start_url} in a browser,
  sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}; Google's side exchanges the code and calls SYNC.

Another PIN: make pin USER_ID={DEMO_USER} PIN=4321
Another token: make token USER_ID={DEMO_USER}      Logs: .devstack/*.log      Stop: Ctrl-C
""",
            flush=True,
        )
        signal.pause()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        with contextlib.suppress(OSError):  # after a hangup the terminal is gone
            print("stopping ...", flush=True)
        if backend is not None:
            backend.stop()
        if bridge is not None:
            bridge.stop()
        if speaker is not None:
            speaker.stop()
        stack.stop()
        STATE_FILE.unlink(missing_ok=True)


def interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):  # kill, and a closed terminal
        signal.signal(stop_signal, interrupt)
    sys.exit(main(sys.argv[1:]))
