"""``python -m bridge``: the LAN device backend for Google Home / Nest speakers (docs/lan.md).

inventory                      speakers on the LAN (mDNS, or --static), token-free; records
                               each new certificate as a pending pin
pins list                      pinned certificates: identity, approved or pending, host, SHA-256
pins approve ID [--sha256 P]   approve a pending pin (no token, no document before)
pins forget ID                 drop a pin (a reset speaker presents a new certificate)
run --credential FILE          the long-running backend for one home (JSON logs on stderr);
                               with --local-host, also the home's local hub for Google's
                               Local Home platform (docs/local-fulfillment.md)
probe --host IP                what each endpoint answers (for firmware reports)
"""

import argparse
import json
import signal
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bridge import logs
from bridge.budget import Budget
from bridge.commands import FileJournal
from bridge.runtime import Bridge, Settings
from bridge.speaker.adapter import SpeakerAdapter
from bridge.speaker.client import SpeakerClient, Target
from bridge.speaker.discovery import Discovery, StaticDiscovery, ZeroconfDiscovery, ip_literal
from bridge.speaker.pins import PinStore
from bridge.speaker.probe import probe
from bridge.speaker.tokens import HomeGraphTokens, TokenSource, file_fetch

STATE_DIR = Path.home() / ".config" / "smarthome-bridge"


def discovery(args: argparse.Namespace) -> Discovery:
    if args.static:
        return StaticDiscovery(json.loads(Path(args.static).read_text()))
    return ZeroconfDiscovery()


def tokens(args: argparse.Namespace) -> TokenSource | None:
    if getattr(args, "tokens", None):
        return HomeGraphTokens(file_fetch(Path(args.tokens)))
    if getattr(args, "master_token_file", None):  # pragma: no cover - optional extra
        from bridge.speaker.tokens import glocaltokens_fetch

        secret = json.loads(Path(args.master_token_file).read_text())
        logs.register_secret(str(secret["masterToken"]))
        return HomeGraphTokens(glocaltokens_fetch(secret["username"], secret["masterToken"]))
    return None


def pin_store(args: argparse.Namespace) -> PinStore:
    state = Path(args.state_dir)
    state.mkdir(parents=True, exist_ok=True)
    return PinStore(state / "pins.json")


def client(args: argparse.Namespace, source: TokenSource | None) -> SpeakerClient:
    return SpeakerClient(
        Budget(args.budget_per_minute, args.budget_burst),
        pin_store(args),
        source,
        timeout=args.timeout,
    )


def inventory(args: argparse.Namespace) -> int:
    adapter = SpeakerAdapter(discovery(args), client(args, None))
    for found in adapter.discover():
        print(
            json.dumps(
                {
                    "key": found.key,
                    "identity": found.identity,
                    "name": found.name,
                    "host": found.host,
                    "model": found.model,
                    "firmware": found.firmware,
                }
            )
        )
    pending = [i for i, pin in pin_store(args).pins.items() if not pin.approved]
    if pending:
        print(f"pending pins (python -m bridge pins list): {', '.join(pending)}", file=sys.stderr)
    return 0


def pins(args: argparse.Namespace) -> int:
    """List, approve or forget pinned certificates."""
    store = pin_store(args)
    if args.action == "list":
        for identity, pin in sorted(store.pins.items()):
            state = "approved" if pin.approved else "pending"
            print(json.dumps({"identity": identity, "state": state, **asdict(pin)}))
        return 0
    if args.identity not in store.pins:
        print(f"no pin for {args.identity!r} (python -m bridge pins list)", file=sys.stderr)
        return 1
    if args.action == "forget":
        store.forget(args.identity)
        return 0
    try:
        pin = store.approve(args.identity, args.sha256 or "")
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 1
    print(json.dumps({"identity": args.identity, "state": "approved", **asdict(pin)}))
    return 0


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    from bridge.credential import BridgeAccount
    from bridge.firestore_store import FirestoreHomeStore

    logs.setup()
    account = BridgeAccount.load(Path(args.credential))
    adapter = SpeakerAdapter(
        discovery(args),
        client(args, tokens(args)),
        alarm_switch=args.alarm_switch,
        restart_scene=args.restart_scene,
    )
    settings = Settings(poll_interval=args.poll_interval, retry_base=min(15.0, args.poll_interval))
    journal = FileJournal(Path(args.state_dir) / "commands.json")  # never act twice on a record
    bridge = Bridge(
        adapter, FirestoreHomeStore.connect(account), settings, name=args.name, journal=journal
    )
    stop = stop or threading.Event()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda *_: stop.set())
    bridge.start()
    local = None
    try:
        if args.local_host:
            from bridge.local.hub import LocalHub
            from bridge.local.identity import load_or_create

            hub = load_or_create(Path(args.state_dir), args.local_port)
            host = ip_literal(args.local_host)
            local = LocalHub(bridge, hub, host, advertise=not args.no_mdns).start()
        stop.wait()
    finally:
        if local is not None:
            local.stop()
        bridge.stop()
    return 0


def probe_command(args: argparse.Namespace) -> int:
    """The owner names the host and the token: its certificate is trusted for this run only."""
    where = Target("probe", "probe", ip_literal(args.host), args.port)
    speaker = SpeakerClient(
        Budget(args.budget_per_minute, args.budget_burst),
        PinStore(approve_new=True),
        tokens(args),
        timeout=args.timeout,
    )
    if args.token_env:
        import os

        token = os.environ[args.token_env]
        speaker.tokens = HomeGraphTokens(lambda: {"probe": token})
    print(json.dumps(probe(speaker, where), indent=2))
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m bridge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    main.add_argument(
        "--state-dir", default=str(STATE_DIR), help="pins.json and commands.json live here"
    )
    main.add_argument("--timeout", type=float, default=3.0, help="per request, seconds")
    main.add_argument("--budget-per-minute", type=float, default=6.0)
    main.add_argument("--budget-burst", type=int, default=6)
    commands = main.add_subparsers(dest="command", required=True)
    found = commands.add_parser("inventory", help="speakers on the LAN, token-free")
    found.add_argument("--static", help="JSON file {name: ip} instead of mDNS")
    running = commands.add_parser("run", help="the long-running backend for one home")
    running.add_argument("--credential", required=True, help="the bridge's home-limited account")
    running.add_argument("--static", help="JSON file {name: ip} instead of mDNS")
    running.add_argument(
        "--tokens", help="JSON file {identity: local token}, kept current elsewhere"
    )
    running.add_argument("--master-token-file", help="JSON {username, masterToken} (glocaltokens)")
    running.add_argument("--poll-interval", type=float, default=180.0)
    running.add_argument("--alarm-switch", action="store_true", help="opt-in: alarm ringing switch")
    running.add_argument("--restart-scene", action="store_true", help="opt-in: restart scene")
    running.add_argument("--name", default="bridge", help="this box's name in the heartbeat")
    running.add_argument(
        "--local-host", help="the LAN address to serve Google's Local Home platform on (off: none)"
    )
    running.add_argument("--local-port", type=int, default=8765, help="0: a free port")
    running.add_argument(
        "--no-mdns", action="store_true", help="serve locally without the mDNS advertisement"
    )
    pinning = commands.add_parser("pins", help="list, approve or forget certificate pins")
    pinning.add_argument("action", choices=["list", "approve", "forget"])
    pinning.add_argument("identity", nargs="?", default="", help="the speaker's identity")
    pinning.add_argument("--sha256", help="approve only if the pin starts with this")
    probing = commands.add_parser("probe", help="what each endpoint answers")
    probing.add_argument("--host", required=True, help="the speaker's IP address")
    probing.add_argument("--port", type=int, default=8443)
    probing.add_argument("--tokens", help="JSON file {probe: local token}")
    probing.add_argument("--token-env", help="environment variable holding the local token")
    return main


def main(argv: list[str]) -> int:
    args: Any = parser().parse_args(argv)
    if args.command == "inventory":
        return inventory(args)
    if args.command == "run":
        return run(args)
    if args.command == "pins":
        return pins(args)
    return probe_command(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
