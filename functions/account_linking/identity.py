"""Who the user is: the sign-in step, behind a small interface so that a maker can plug in its
own identity provider. The default signs in with Firebase Authentication / Identity Platform
(email and password) and verifies the ID token it gets with google-auth; App Flip verifies the ID
token the maker's app holds for its signed-in user the same way."""

import base64
import json
import time
import urllib.error
import urllib.request
from typing import Any, Protocol

IDENTITY_TOOLKIT = "https://identitytoolkit.googleapis.com"
TIMEOUT_SECONDS = 10


class SignInFailed(Exception):
    """Wrong email or password, or a disabled account (the message never names which)."""


class SignInUnavailable(Exception):
    """The identity provider could not be reached or answered oddly; the user may retry."""


class PasswordSignIn(Protocol):
    """Checks an email and password; returns the user's stable id (the agentUserId)."""

    def sign_in(self, email: str, password: str) -> str: ...


class IdTokenCheck(Protocol):
    """Checks an ID token the maker's app got for its signed-in user; returns the user's stable
    id (the agentUserId); raises SignInFailed, or SignInUnavailable when it cannot tell."""

    def verify(self, id_token: str) -> str: ...


class Identity(PasswordSignIn, IdTokenCheck, Protocol):
    """Both ways account linking learns who the user is: the sign-in page and App Flip."""


class FirebasePasswordSignIn:
    """Identity Platform's ``accounts:signInWithPassword``, then ID token verification."""

    def __init__(self, project_id: str, api_key: str, emulator_host: str = "") -> None:
        self.project_id = project_id
        self.api_key = api_key
        self.emulator_host = emulator_host

    def sign_in(self, email: str, password: str) -> str:
        base = (
            f"http://{self.emulator_host}/identitytoolkit.googleapis.com"
            if (self.emulator_host)
            else IDENTITY_TOOLKIT
        )
        request = urllib.request.Request(
            f"{base}/v1/accounts:signInWithPassword?key={self.api_key}",
            data=json.dumps(
                {"email": email, "password": password, "returnSecureToken": True}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                token = json.load(answer).get("idToken", "")
        except urllib.error.HTTPError as error:
            if error.code == 400:
                raise SignInFailed("sign-in refused") from None
            raise SignInUnavailable(f"identity provider answered {error.code}") from None
        except (OSError, ValueError) as error:
            raise SignInUnavailable(f"identity provider unreachable: {error}") from None
        return self.verify(token)

    def verify(self, id_token: str) -> str:
        """The uid of a valid ID token for this project; raises SignInFailed."""
        if self.emulator_host:
            claims = _unverified_emulator_claims(id_token)
        else:
            import google.auth.transport.requests
            from google.auth import exceptions
            from google.oauth2 import id_token as google_id_token

            try:
                claims = google_id_token.verify_firebase_token(  # type: ignore[no-untyped-call]
                    id_token, google.auth.transport.requests.Request(), audience=self.project_id
                )
            except ValueError:
                raise SignInFailed("invalid ID token") from None
            except exceptions.TransportError:
                raise SignInUnavailable("Google's token certificates are unreachable") from None
        issuer = f"https://securetoken.google.com/{self.project_id}"
        if claims.get("aud") != self.project_id or claims.get("iss") != issuer:
            raise SignInFailed("ID token for another project")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise SignInFailed("ID token without a user")
        return str(claims["sub"])


def _unverified_emulator_claims(id_token: str) -> dict[str, Any]:
    """The Auth emulator signs nothing; its tokens are trusted only when talking to it."""
    try:
        payload = id_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        raise SignInFailed("malformed ID token") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int | float):
        raise SignInFailed("malformed ID token")
    if claims["exp"] < time.time():
        raise SignInFailed("expired ID token")
    return claims
