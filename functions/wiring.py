"""The process-wide configuration and store, built on first use (not at import)."""

import functools

from functions.config import Config
from functions.repository import Store


@functools.cache
def config() -> Config:
    return Config.from_env()


@functools.cache
def store() -> Store:
    from functions.store import FirestoreStore  # the Firestore client loads on first request

    settings = config()
    return FirestoreStore.connect(settings.project_id, settings.firestore_database)
