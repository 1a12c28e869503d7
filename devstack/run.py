"""``make run``: the local stack. Firestore emulator, demo home, fulfillment; Ctrl-C stops all."""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from devstack.demo_home import seed
from devstack.emulators import start_firestore, stop_group
from devstack.local import PROJECT, ROOT, emulator_address
from devstack.token import issue_token

DEMO_USER = "demo"


def port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with code {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--firestore-port", type=int, help="default: firebase.json's")
    parser.add_argument("--functions-port", type=int, help="default: firebase.json's")
    args = parser.parse_args(argv)
    logs = ROOT / ".devstack"
    logs.mkdir(exist_ok=True)
    fs_host, fs_port = emulator_address("firestore")
    fn_host, fn_port = emulator_address("functions")
    fs_port = args.firestore_port or fs_port
    fn_port = args.functions_port or fn_port
    for host, port in ((fs_host, fs_port), (fn_host, fn_port)):
        if not port_free(host, port):
            print(f"{host}:{port} is in use (see firebase.json); stop what holds it first")
            return 1
    print(f"starting the Firestore emulator on {fs_host}:{fs_port} ...", flush=True)
    firestore = start_firestore(
        PROJECT, logs / "firestore.log", port=fs_port, rules=ROOT / "firestore.rules"
    )
    server: subprocess.Popen[bytes] | None = None
    try:
        env = {
            **os.environ,
            "FIRESTORE_EMULATOR_HOST": firestore.host,
            "GOOGLE_CLOUD_PROJECT": PROJECT,
        }
        os.environ.update(FIRESTORE_EMULATOR_HOST=firestore.host, GOOGLE_CLOUD_PROJECT=PROJECT)
        from functions.store import FirestoreStore

        store = FirestoreStore.connect(PROJECT)
        devices = seed(store, DEMO_USER)
        token = issue_token(store, DEMO_USER)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "functions_framework",
                "--target",
                "fulfillment",
                "--source",
                str(ROOT / "main.py"),
                "--host",
                fn_host,
                "--port",
                str(fn_port),
            ],
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        url = f"http://{fn_host}:{fn_port}/"
        wait_for_http(url, server)
        print(
            f"""
Local stack is up (project {PROJECT}).
  Firestore emulator  {firestore.host}   (FIRESTORE_EMULATOR_HOST)
  fulfillment         {url}
  demo home           user '{DEMO_USER}', {devices} devices

Try it:
  curl -s {url} -H 'Authorization: Bearer {token}' \\
    -H 'Content-Type: application/json' \\
    -d '{{"requestId":"1","inputs":[{{"intent":"action.devices.SYNC"}}]}}'

Another token: make token USER_ID={DEMO_USER}      Stop: Ctrl-C
""",
            flush=True,
        )
        signal.pause()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        print("stopping ...", flush=True)
        if server is not None:
            stop_group(server)
        firestore.stop()


def interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, interrupt)
    sys.exit(main(sys.argv[1:]))
