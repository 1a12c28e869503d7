"""``make bench``, the local-fulfillment half: an EXECUTE on the local path beside the same
EXECUTE on the cloud path, side by side in one run (docs/local-fulfillment.md, "Figures").

One local stack (emulators, the functions, the pipeline), one fake speaker over TLS, one real
bridge process with its local hub, and the fake Local Home platform running the built app. Each
round sends Do Not Disturb on the confirmed switch twice, alternating the paths: locally (the app
asks the bridge over the LAN, the bridge's worker writes and reads back the speaker and writes
the states to Firestore) and through the cloud (the platform has no local path: the fulfillment
writes a command record, the bridge hears it through Firestore, acts and records the outcome,
and the fulfillment answers it). Both are timed by the platform's clock, from the intent to its
answer. Printed: median, p90 and max of each, and the ratio of the medians; written to
``.bench/local_execute.json``.
"""

import argparse
import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

from bridge.credential import provision
from devstack.auth_emulator import API_KEY
from devstack.bridge_process import BridgeProcess
from devstack.emulators import free_ports
from devstack.fake_speaker import FakeSpeaker
from devstack.local import ROOT
from devstack.local_platform import LocalPlatform, build
from devstack.stack import LocalStack

PROJECT = "demo-smarthome-bench-local"
HOME = "bench-local"
DND = "bedroom-dnd"
ON_OFF = "action.devices.commands.OnOff"


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(times), 1),
        "p90": round(statistics.quantiles(times, n=10)[-1], 1),
        "max": round(max(times), 1),
        "n": len(times),
    }


def rounds(platform: LocalPlatform, bridge: BridgeProcess, count: int) -> dict[str, list[float]]:
    """``count`` rounds of one local and one cloud EXECUTE (DND on, then off, alternating)."""
    times: dict[str, list[float]] = {"local": [], "cloud": []}
    on = True
    for index in range(count):
        order = ("local", "cloud") if index % 2 == 0 else ("cloud", "local")
        for path in order:
            platform.call("forget")
            if path == "local":
                platform.call("scan", mdnsScanData=bridge.scan_data, address="127.0.0.1")
            commands = [
                {"devices": [DND], "execution": [{"command": ON_OFF, "params": {"on": on}}]}
            ]
            result = platform.call("execute", commands=commands)
            entry = result["response"]["payload"]["commands"][0]
            if result["path"] != path or entry["status"] != "SUCCESS":
                raise RuntimeError(f"{path} EXECUTE went wrong: {result}")
            times[path].append(float(result["ms"]))
            on = not on
    return times


def run(count: int, warmup: int) -> dict[str, Any]:
    settings = {"REQUEST_SYNC_MIN_INTERVAL_SECONDS": "1", "NEW_USER_GRACE_SECONDS": "0"}
    with tempfile.TemporaryDirectory(prefix="bench-local-") as scratch:
        root = Path(scratch)
        speaker = FakeSpeaker("Bedroom speaker").start()
        try:
            with LocalStack(PROJECT, root / "stack", settings=settings) as stack:
                assert stack.auth and stack.homegraph
                account = provision(
                    PROJECT, API_KEY, HOME, admin_bearer="owner", auth_emulator=stack.auth.host
                )
                account.save(root / "bridge.json")
                bridge = BridgeProcess(
                    state_dir=root / "state",
                    credential=root / "bridge.json",
                    speaker=("bedroom", f"127.0.0.1:{speaker.port}"),
                    token=speaker.token,
                    fingerprint=speaker.fingerprint,
                    local_port=free_ports(1)[0],
                    env=stack.emulator_env(),
                    log=root / "bridge.log",
                    poll_interval=180,
                ).start()
                platform = LocalPlatform(root / "platform.log")
                try:
                    stack.link(HOME)
                    wait_for_sync(stack)
                    platform.start(build())
                    platform.call(
                        "cloud", url=stack.url("fulfillment"), token=stack.token_for(HOME)
                    )
                    platform.call("sync", devices=stack.homegraph.synced_devices(HOME))
                    rounds(platform, bridge, warmup)
                    times = rounds(platform, bridge, count)
                finally:
                    platform.stop()
                    bridge.stop()
        finally:
            speaker.stop()
    local, cloud = summary(times["local"]), summary(times["cloud"])
    return {
        "local": local,
        "cloud": cloud,
        "cloudOverLocal": round(cloud["median"] / local["median"], 2),
        "times": times,
    }


def wait_for_sync(stack: LocalStack) -> None:
    """Until Google's SYNC view carries the DND switch's customData (the local fields)."""
    import time

    assert stack.homegraph
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        devices = {d["id"]: d for d in stack.homegraph.synced_devices(HOME)}
        if devices.get(DND, {}).get("customData"):
            return
        time.sleep(0.2)
    raise TimeoutError("SYNC never carried the DND switch's customData")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--json", default=str(ROOT / ".bench" / "local_execute.json"))
    args = parser.parse_args()
    result = run(args.rounds, args.warmup)
    print("EXECUTE on the confirmed DND switch, side by side (ms, from intent to answer):")
    for path in ("local", "cloud"):
        figures = result[path]
        print(
            f"  {path:5}  median {figures['median']:7.1f}  p90 {figures['p90']:7.1f}  "
            f"max {figures['max']:7.1f}  (n={figures['n']})"
        )
    print(f"  cloud / local (medians): {result['cloudOverLocal']}x")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
