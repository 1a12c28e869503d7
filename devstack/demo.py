"""``make demo ARGS="..."``: act as a device backend on the running local stack, and look at
what Google's side (the local Home Graph) knows.

  state DEVICE KEY=VALUE...   change states (values are JSON: on=true brightness=40)
  add DEVICE                  add a dimmable light
  rename DEVICE NAME          rename a device
  delete DEVICE               delete a device
  google [DEVICE]             Google's view: the synced devices, or one device's reported state
"""

import json
import os
import sys
import urllib.request
from typing import Any

from devstack.demo_home import DEMO_DEVICES
from devstack.local import PROJECT, firestore_host, running_stack

USER = "demo"


def google(path: str, body: dict[str, Any]) -> Any:
    stack = running_stack()
    assert stack, "the local stack stopped"
    base = stack["homegraph"]
    request = urllib.request.Request(
        f"{base}/v1/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def main(argv: list[str]) -> int:
    stack = running_stack()
    if not stack or "homegraph" not in stack:
        waiting = "wait until it says it is up" if stack else "start it first: make run"
        print(f"the local stack is not up; {waiting}", file=sys.stderr)
        return 2
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    os.environ["FIRESTORE_EMULATOR_HOST"] = firestore_host()
    from google.cloud import firestore

    devices = (
        firestore.Client(project=PROJECT).collection("users").document(USER).collection("devices")
    )
    command, args = argv[0], argv[1:]
    if command == "state" and len(args) >= 2:
        updates = {f"states.{k}": json.loads(v) for k, v in (a.split("=", 1) for a in args[1:])}
        devices.document(args[0]).update(updates)
    elif command == "add" and len(args) == 1:
        light = {**DEMO_DEVICES["kitchen-light"], "name": {"name": args[0].replace("-", " ")}}
        devices.document(args[0]).set(light)
    elif command == "rename" and len(args) == 2:
        devices.document(args[0]).update({"name.name": args[1]})
    elif command == "delete" and len(args) == 1:
        devices.document(args[0]).delete()
    elif command == "google" and len(args) <= 1:
        if args:
            body = {
                "requestId": "demo",
                "agentUserId": USER,
                "inputs": [{"payload": {"devices": [{"id": args[0]}]}}],
            }
            print(json.dumps(google("devices:query", body)["payload"]["devices"], indent=2))
        else:
            answer = google("devices:sync", {"requestId": "demo", "agentUserId": USER})
            for device in answer["payload"]["devices"]:
                print(
                    f"{device['id']:24} {device['type'].rsplit('.', 1)[1]:12} "
                    f"{device['name']['name']}"
                )
        return 0
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print("written to Firestore; Home Graph follows in a moment")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
