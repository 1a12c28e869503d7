"""Start and stop the Firebase Auth emulator, and speak its REST API.

The emulator comes from firebase-tools, pinned in package.json and installed by `make` into
node_modules/ (`npm ci`). It is one Node.js process (no Java), started in its own process group so
that stopping it leaves nothing behind. Each start gets a fresh working folder holding a generated
firebase.json (the chosen port), firebase-tools' config store, its hub locator file and its debug
log, so runs never share state with each other or with the developer's own firebase-tools setup.

Kept offline (firebase-tools 15.x, read from its source):

- ``CI=true``: no fetch of the CLI's message of the day from firebase-public.firebaseio.com, and
  update-notifier-cjs stays off (its ``is-ci`` check);
- ``NO_UPDATE_NOTIFIER=1``: no npm registry version check (a detached process, which would also
  escape the process group);
- ``XDG_CONFIG_HOME`` in the working folder: an empty config store, so no login and no analytics
  opt-in (firebase-tools sends usage data only after an opt-in stored there);
- a ``demo-`` project id: the emulator uses a demo configuration and calls no Google API;
- ``--non-interactive``: a prompt fails at once instead of waiting on stdin;
- no ``FIREBASE_CLI_EXPERIMENTS`` from the caller's environment: default behaviour only.

The Identity Toolkit REST API that the emulator serves, under
``http://HOST/identitytoolkit.googleapis.com/v1/``, is the one Firebase Authentication serves;
``Authorization: Bearer owner`` makes a call an admin call.
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.emulators import Emulator, free_ports
from devstack.local import ROOT, emulator_address

FIREBASE_BIN = ROOT / "node_modules" / ".bin" / "firebase"
API_KEY = "fake-api-key"
"""Any key works on the emulator; the client SDKs' demo configurations use this one."""

OFFLINE_ENV = {"CI": "true", "NO_UPDATE_NOTIFIER": "1"}


class AuthApiError(RuntimeError):
    """An error answer of the Identity Toolkit API; ``message`` is its code: INVALID_PASSWORD..."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message


@dataclass
class AuthEmulator(Emulator):
    """The running Auth emulator; ``stop()`` also removes its working folder."""

    workdir: Path | None = field(default=None, repr=False)
    project: str = ""

    def stop(self) -> None:
        super().stop()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def firebase_command() -> Path:
    """The project's own firebase-tools, or a clear error naming the install step."""
    if not FIREBASE_BIN.exists():
        raise RuntimeError(
            f"{FIREBASE_BIN} is missing: run `make node_modules/.installed` (npm ci from "
            "package-lock.json)"
        )
    return FIREBASE_BIN


def launch_auth_emulator(project: str, log_path: Path, *, port: int | None = None) -> AuthEmulator:
    """The Firebase Auth emulator for a ``demo-`` project on 127.0.0.1 (a free port unless given;
    firebase.json's is ``emulator_address("auth")[1]``), launched: ``.ready()`` waits until it
    answers. Its start is seconds of CPU (firebase-tools compiles the API's schemas), so a
    caller starts its other processes meanwhile."""
    if not project.startswith("demo-"):
        raise ValueError(f"project must be a demo- project (offline only), not {project!r}")
    command_path = firebase_command()
    host, _ = emulator_address("auth")
    # firebase-tools' own hub and logging servers take fixed ports (4400, 4500) unless told: a
    # second Auth emulator on the machine (make run's, another test run's) then dies on 4500.
    chosen = free_ports(3)
    port = port or chosen[0]
    hub, logging = [p for p in chosen if p != port][:2]
    workdir = Path(tempfile.mkdtemp(prefix="firebase-auth-"))
    config = {
        "emulators": {
            "auth": {"host": host, "port": port},
            "hub": {"host": host, "port": hub},
            "logging": {"host": host, "port": logging},
            "ui": {"enabled": False},
            "singleProjectMode": True,
        }
    }
    (workdir / "firebase.json").write_text(json.dumps(config, indent=2))
    env = {
        **{k: v for k, v in os.environ.items() if k != "FIREBASE_CLI_EXPERIMENTS"},
        **OFFLINE_ENV,
        "XDG_CONFIG_HOME": str(workdir / "config"),
        "TMPDIR": str(workdir),
    }
    command = [
        str(command_path),
        "emulators:start",
        "--only",
        "auth",
        "--project",
        project,
        "--config",
        str(workdir / "firebase.json"),
        "--non-interactive",
    ]
    log = log_path.open("wb")
    process = subprocess.Popen(
        command,
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    return AuthEmulator("auth", port, process, log, workdir, project)


def _call(
    host: str, path: str, body: dict[str, Any], *, admin: bool = False, api_key: str | None = None
) -> dict[str, Any]:
    url = f"http://{host}/identitytoolkit.googleapis.com/v1/{path}"
    if api_key is not None:
        url += f"?key={api_key}"
    headers = {"Content-Type": "application/json"}
    if admin:
        headers["Authorization"] = "Bearer owner"
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            result: dict[str, Any] = json.load(answer)
            return result
    except urllib.error.HTTPError as error:
        try:
            message = str(json.load(error)["error"]["message"])
        except (ValueError, KeyError, TypeError):
            message = error.reason
        raise AuthApiError(error.code, message) from None


def delete_accounts(host: str, project: str) -> None:
    """Delete every account of ``project`` (the emulator's own endpoint): a running emulator
    then starts over as a fresh one would."""
    request = urllib.request.Request(
        f"http://{host}/emulator/v1/projects/{project}/accounts", method="DELETE"
    )
    urllib.request.urlopen(request, timeout=10).close()


def create_user(host: str, project: str, uid: str, email: str, password: str) -> dict[str, Any]:
    """Create an email + password account with a chosen uid (admin call); returns the answer
    (``localId``, ``email``)."""
    return _call(
        host,
        f"projects/{project}/accounts",
        {"localId": uid, "email": email, "password": password},
        admin=True,
    )


def sign_in_with_password(
    host: str, email: str, password: str, api_key: str = API_KEY
) -> dict[str, Any]:
    """Sign in as a browser would; returns ``idToken``, ``refreshToken``, ``localId``, ...
    Raises AuthApiError (``INVALID_PASSWORD``, ``EMAIL_NOT_FOUND``, ...) when refused."""
    return _call(
        host,
        "accounts:signInWithPassword",
        {"email": email, "password": password, "returnSecureToken": True},
        api_key=api_key,
    )


def token_claims(id_token: str) -> dict[str, Any]:
    """The payload of an ID token, unverified (the emulator's tokens are unsigned)."""
    payload = id_token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims
