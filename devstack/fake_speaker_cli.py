"""``make speaker ARGS="..."``: act on the running local stack's fake speaker, as a person would.

state                 what the fake speaker holds (DND, alarms, timers, alarm volume)
dnd on|off            flip Do Not Disturb on the speaker itself
alarm SECONDS         set an alarm that rings in SECONDS
timer SECONDS         start a timer that rings in SECONDS
rotate                rotate the speaker's local token (the bridge refreshes it once)
"""

import json
import ssl
import sys
import urllib.request
from typing import Any

from devstack.local import running_stack


def control(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the fake's self-signed certificate, on 127.0.0.1
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=10, context=context) as answer:
        return json.load(answer)


def main(argv: list[str]) -> int:
    stack = running_stack()
    if not stack or "speaker" not in stack:
        print("the local stack is not up (or has no fake speaker): make run", file=sys.stderr)
        return 2
    url = stack["speaker"]
    if argv == ["state"]:
        answer = control(url, "/fake/state")
    elif len(argv) == 2 and argv[0] == "dnd" and argv[1] in ("on", "off"):
        answer = control(url, "/fake/dnd", {"on": argv[1] == "on"})
    elif len(argv) == 2 and argv[0] in ("alarm", "timer"):
        body = {"in_seconds": float(argv[1]), "timer": argv[0] == "timer"}
        answer = control(url, "/fake/alarm", body)
    elif argv == ["rotate"]:
        answer = control(url, "/fake/rotate", {})
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(answer, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
