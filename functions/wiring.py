"""The process-wide configuration and adapters, built on first use (never at import), so each
function loads only the client libraries it uses."""

import functools
from typing import TYPE_CHECKING

from functions.config import Config

if TYPE_CHECKING:
    from functions.homegraph import HomeGraph
    from functions.ledger import FirestoreLedger
    from functions.oauth.server import Linking
    from functions.pipeline import Pipeline
    from functions.publish import Publisher
    from functions.store import FirestoreStore


@functools.cache
def config() -> Config:
    return Config.from_env()


@functools.cache
def store() -> "FirestoreStore":
    from functions.store import FirestoreStore

    settings = config()
    return FirestoreStore.connect(settings.project_id, settings.firestore_database)


@functools.cache
def publisher() -> "Publisher":
    from functions.publish import PubSubPublisher

    return PubSubPublisher(config().project_id, config().topic)


@functools.cache
def homegraph() -> "HomeGraph":
    from functions.homegraph import GoogleHomeGraph

    settings = config()
    return GoogleHomeGraph.connect(settings.homegraph_endpoint, settings.homegraph_timeout_seconds)


@functools.cache
def linking() -> "Linking":
    from functions.oauth.identity import FirebasePasswordSignIn
    from functions.oauth.records import OAuthRecords
    from functions.oauth.server import Linking

    settings = config()
    identity = FirebasePasswordSignIn(
        settings.project_id, settings.identity_api_key, settings.auth_emulator_host
    )
    return Linking(OAuthRecords(store().client), identity, settings)


@functools.cache
def ledger() -> "FirestoreLedger":
    from functions.ledger import FirestoreLedger

    return FirestoreLedger(store().client)


@functools.cache
def pipeline() -> "Pipeline":
    from functions.pipeline import Pipeline

    return Pipeline(ledger(), homegraph, config())
