"""The bridge's own identity: a Firebase Authentication user limited to one home.

The credential file (mode 0600 on the LAN box) holds a refresh token of a Firebase user whose
custom claim ``lanHome`` names the home (the agentUserId). firestore.rules let that user read and
write only the device documents of that home it owns (``backend`` = its uid, contract fields only,
never ``secondaryVerification``), their command records' ``outcome``, and its own
``users/{lanHome}/lan/*``; nothing else: no other home, no other backend's device, no ``tokens/``,
no bookkeeping. The
bridge exchanges the refresh token for a one-hour ID token at the Secure Token API and sends it to
Firestore as the bearer, as Firebase's client SDKs do; security rules then apply. A leaked box
costs one home, and disabling that user (or revoking its refresh tokens) locks the box out.

Provisioning (``provision``) is an administrator's step with project-wide rights; it never runs
on the LAN box.
"""

import base64
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import google.auth.credentials

from bridge.files import write_atomically
from bridge.logs import register_secret

CLAIM = "lanHome"
GOOGLE_IDENTITY = "https://identitytoolkit.googleapis.com"
GOOGLE_SECURE_TOKEN = "https://securetoken.googleapis.com"  # noqa: S105 - a URL
EARLY_REFRESH_SECONDS = 300


class CredentialError(RuntimeError):
    """Signing in as the bridge failed (revoked, disabled, malformed file)."""


@dataclass(frozen=True)
class BridgeAccount:
    """What the credential file holds."""

    project: str
    api_key: str
    home: str
    refresh_token: str
    auth_emulator: str | None = None
    """host:port of the Firebase Auth emulator, for the local stack and tests."""

    @classmethod
    def load(cls, path: Path) -> "BridgeAccount":
        data = json.loads(path.read_text())
        return cls(
            project=data["project"],
            api_key=data["apiKey"],
            home=data["home"],
            refresh_token=data["refreshToken"],
            auth_emulator=data.get("authEmulator"),
        )

    def save(self, path: Path) -> None:
        body = {
            "project": self.project,
            "apiKey": self.api_key,
            "home": self.home,
            "refreshToken": self.refresh_token,
            **({"authEmulator": self.auth_emulator} if self.auth_emulator else {}),
        }
        write_atomically(path, json.dumps(body), 0o600)


def _base(service: str, emulator: str | None) -> str:
    if emulator:
        return f"http://{emulator}/{service.removeprefix('https://')}"
    return service


def _post(url: str, body: bytes, content_type: str, bearer: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": content_type}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            result: dict[str, Any] = json.load(answer)
            return result
    except urllib.error.HTTPError as error:
        try:
            reason = str(json.load(error)["error"]["message"])
        except (ValueError, KeyError, TypeError):
            reason = str(error.code)
        raise CredentialError(f"{error.code} {reason}") from None
    except OSError as error:
        raise CredentialError(f"identity service unreachable: {error}") from None


class BridgeCredentials(google.auth.credentials.Credentials):
    """google-auth credentials whose bearer is the bridge user's Firebase ID token."""

    def __init__(self, account: BridgeAccount) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.account = account
        self._refresh_token = account.refresh_token
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.refreshes = 0

    @property
    def uid(self) -> str:
        """The bridge user's uid, from its ID token (the ``backend`` of the devices it owns)."""
        payload = self.id_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims["sub"])

    @property
    def id_token(self) -> str:
        """A valid ID token, refreshed when it has under five minutes left."""
        with self._lock:
            if self.token is None or time.time() > self._expires_at - EARLY_REFRESH_SECONDS:
                self._exchange()
            return str(self.token)

    def refresh(self, request: Any) -> None:
        with self._lock:
            self._exchange()

    @property
    def expired(self) -> bool:
        return self.token is None or time.time() > self._expires_at - EARLY_REFRESH_SECONDS

    @property
    def valid(self) -> bool:
        return not self.expired

    def _exchange(self) -> None:
        url = (
            _base(GOOGLE_SECURE_TOKEN, self.account.auth_emulator)
            + f"/v1/token?key={urllib.parse.quote(self.account.api_key)}"
        )
        body = urllib.parse.urlencode(
            {"grant_type": "refresh_token", "refresh_token": self._refresh_token}
        ).encode()
        answer = _post(url, body, "application/x-www-form-urlencoded")
        self.token = answer["id_token"]
        self._refresh_token = answer.get("refresh_token", self._refresh_token)
        register_secret(str(self.token))
        register_secret(str(self._refresh_token))
        self._expires_at = time.time() + int(answer.get("expires_in", 3600))
        self.refreshes += 1


def provision(
    project: str,
    api_key: str,
    home: str,
    *,
    admin_bearer: str,
    auth_emulator: str | None = None,
    bridge_uid: str | None = None,
) -> BridgeAccount:
    """Create (or reuse) the bridge user of ``home`` with the ``lanHome`` claim and sign it in.

    ``admin_bearer``: an OAuth access token with project-wide Identity Platform admin rights (the
    emulator accepts ``owner``). Returns the account to save on the LAN box.
    """
    uid = bridge_uid or f"lan-bridge-{home}"
    base = _base(GOOGLE_IDENTITY, auth_emulator) + f"/v1/projects/{project}/accounts"
    password = os.urandom(24).hex()
    email = f"{uid}@lan-bridge.invalid"
    body = {"localId": uid, "email": email, "password": password}
    try:
        _post(base, json.dumps(body).encode(), "application/json", admin_bearer)
    except CredentialError as error:
        if "DUPLICATE" not in str(error):
            raise
    update = {"localId": uid, "password": password, "customAttributes": json.dumps({CLAIM: home})}
    _post(base + ":update", json.dumps(update).encode(), "application/json", admin_bearer)
    sign_in = (
        _base(GOOGLE_IDENTITY, auth_emulator)
        + f"/v1/accounts:signInWithPassword?key={urllib.parse.quote(api_key)}"
    )
    answer = _post(
        sign_in,
        json.dumps({"email": email, "password": password, "returnSecureToken": True}).encode(),
        "application/json",
    )
    return BridgeAccount(project, api_key, home, answer["refreshToken"], auth_emulator)
