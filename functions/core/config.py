"""Settings from the environment, read once; Terraform sets exactly these variable names."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from dataclasses import field as setting

from functions.core.tokens import Signer


@dataclass(frozen=True)
class Config:
    """Everything the functions read from their environment (see ENV_VARS for the names)."""

    project_id: str
    firestore_database: str = "(default)"
    access_token_ttl_seconds: int = 3600
    topic: str = "device-changes"
    homegraph_endpoint: str = ""
    request_sync_min_interval_seconds: float = 10.0
    homegraph_timeout_seconds: float = 10.0
    homegraph_retry_seconds: float = 30.0
    new_user_grace_seconds: float = 120.0
    max_event_age_seconds: float = 3600.0
    oauth_client_id: str = ""
    oauth_client_secret: str = setting(default="", repr=False)
    oauth_redirect_uris: str = ""
    identity_api_key: str = ""
    auth_emulator_host: str = ""
    auth_code_ttl_seconds: int = 300
    refresh_token_ttl_days: int = 180
    homegraph_calls_per_minute: int = 6000
    homegraph_request_sync_share: float = 0.1
    message_deadline_seconds: float = 180.0
    accuracy_sample_users: int = 50
    accuracy_settled_seconds: float = 60.0
    token_mac_key: str = setting(default="", repr=False)
    unsigned_tokens_until: str = ""

    def signer(self) -> Signer:
        """What signs and checks bearer tokens (functions/core/tokens.py); raises ValueError."""
        return Signer.parse(self.token_mac_key, self.unsigned_tokens_until)

    def redirect_uris(self) -> frozenset[str]:
        """Where account linking may send codes: Google's two redirect URIs for this project,
        plus the operator's extra ones (OAUTH_REDIRECT_URIS, comma-separated)."""
        google = {
            f"https://oauth-redirect.googleusercontent.com/r/{self.project_id}",
            f"https://oauth-redirect-sandbox.googleusercontent.com/r/{self.project_id}",
        }
        extra = {uri.strip() for uri in self.oauth_redirect_uris.split(",") if uri.strip()}
        return frozenset(google | extra)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Config":
        """Read the settings; a missing project id or a bad number fails at start-up, loudly."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for field in fields(cls):
            raw = env.get(ENV_VARS[field.name])
            if raw is None or raw == "":
                continue
            try:
                values[field.name] = field.type(raw) if callable(field.type) else raw
            except ValueError:
                raise RuntimeError(f"{ENV_VARS[field.name]}={raw!r} is not valid") from None
        if "project_id" not in values:
            raise RuntimeError("GOOGLE_CLOUD_PROJECT is not set")
        config = cls(**values)  # type: ignore[arg-type]
        if not 60 <= config.access_token_ttl_seconds <= 86400:
            raise RuntimeError("ACCESS_TOKEN_TTL_SECONDS must be between 60 and 86400")
        if config.homegraph_calls_per_minute < 0:
            raise RuntimeError("HOMEGRAPH_CALLS_PER_MINUTE must be 0 (no budget) or more")
        if not 0 <= config.homegraph_request_sync_share < 1:
            raise RuntimeError("HOMEGRAPH_REQUEST_SYNC_SHARE must be at least 0 and below 1")
        if config.message_deadline_seconds < 15:
            raise RuntimeError("MESSAGE_DEADLINE_SECONDS must be at least 15")
        if config.accuracy_sample_users < 1:
            raise RuntimeError("ACCURACY_SAMPLE_USERS must be at least 1")
        if config.accuracy_settled_seconds < 0:
            raise RuntimeError("ACCURACY_SETTLED_SECONDS must be 0 or more")
        try:
            config.signer()
        except ValueError as error:  # the message never quotes the key
            raise RuntimeError(f"TOKEN_MAC_KEY or UNSIGNED_TOKENS_UNTIL: {error}") from None
        return config


ENV_VARS: dict[str, str] = {
    "project_id": "GOOGLE_CLOUD_PROJECT",
    "firestore_database": "FIRESTORE_DATABASE",
    "access_token_ttl_seconds": "ACCESS_TOKEN_TTL_SECONDS",
    "topic": "DEVICE_CHANGES_TOPIC",
    "homegraph_endpoint": "HOMEGRAPH_ENDPOINT",
    "request_sync_min_interval_seconds": "REQUEST_SYNC_MIN_INTERVAL_SECONDS",
    "homegraph_timeout_seconds": "HOMEGRAPH_TIMEOUT_SECONDS",
    "homegraph_retry_seconds": "HOMEGRAPH_RETRY_SECONDS",
    "new_user_grace_seconds": "NEW_USER_GRACE_SECONDS",
    "max_event_age_seconds": "MAX_EVENT_AGE_SECONDS",
    "oauth_client_id": "OAUTH_CLIENT_ID",
    "oauth_client_secret": "OAUTH_CLIENT_SECRET",
    "oauth_redirect_uris": "OAUTH_REDIRECT_URIS",
    "identity_api_key": "IDENTITY_API_KEY",
    "auth_emulator_host": "FIREBASE_AUTH_EMULATOR_HOST",
    "auth_code_ttl_seconds": "AUTH_CODE_TTL_SECONDS",
    "refresh_token_ttl_days": "REFRESH_TOKEN_TTL_DAYS",
    "homegraph_calls_per_minute": "HOMEGRAPH_CALLS_PER_MINUTE",
    "homegraph_request_sync_share": "HOMEGRAPH_REQUEST_SYNC_SHARE",
    "message_deadline_seconds": "MESSAGE_DEADLINE_SECONDS",
    "accuracy_sample_users": "ACCURACY_SAMPLE_USERS",
    "accuracy_settled_seconds": "ACCURACY_SETTLED_SECONDS",
    "token_mac_key": "TOKEN_MAC_KEY",
    "unsigned_tokens_until": "UNSIGNED_TOKENS_UNTIL",
}
"""Config field -> the environment variable that sets it."""
