"""Settings from the environment, read once; Terraform sets the same variable names."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    """Everything the functions read from their environment."""

    project_id: str
    """GOOGLE_CLOUD_PROJECT: the Google Cloud project (and Home Graph agent) id."""
    firestore_database: str = "(default)"
    """FIRESTORE_DATABASE: the Firestore database id."""
    access_token_ttl_seconds: int = 3600
    """ACCESS_TOKEN_TTL_SECONDS: lifetime of the access tokens this product issues."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Config":
        """Read the settings; a missing project id or a bad number fails at start-up, loudly."""
        env = dict(os.environ if env is None else env)
        project = env.get("GOOGLE_CLOUD_PROJECT") or env.get("GCLOUD_PROJECT")
        if not project:
            raise RuntimeError("GOOGLE_CLOUD_PROJECT is not set")
        ttl = int(env.get("ACCESS_TOKEN_TTL_SECONDS", "3600"))
        if not 60 <= ttl <= 86400:
            raise RuntimeError("ACCESS_TOKEN_TTL_SECONDS must be between 60 and 86400")
        return cls(
            project_id=project,
            firestore_database=env.get("FIRESTORE_DATABASE", "(default)"),
            access_token_ttl_seconds=ttl,
        )
