"""The process-wide configuration and adapters, built on first use (never at import), so each
function loads only the client libraries it uses."""

import functools
from typing import TYPE_CHECKING

from functions.core.config import Config

if TYPE_CHECKING:
    from functions.core.store import FirestoreStore
    from functions.homegraph.client import HomeGraph
    from functions.homegraph.ledger import FirestoreLedger
    from functions.homegraph.pipeline import Pipeline
    from functions.homegraph.publish import Publisher
    from functions.oauth.server import Linking


@functools.cache
def config() -> Config:
    return Config.from_env()


@functools.cache
def store() -> "FirestoreStore":
    from functions.core.store import FirestoreStore

    settings = config()
    return FirestoreStore.connect(settings.project_id, settings.firestore_database)


@functools.cache
def publisher() -> "Publisher":
    from functions.homegraph.publish import PubSubPublisher

    return PubSubPublisher(config().project_id, config().topic)


@functools.cache
def homegraph() -> "HomeGraph":
    from functions.homegraph.client import GoogleHomeGraph

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
    from functions.homegraph.ledger import FirestoreLedger

    return FirestoreLedger(store().client)


@functools.cache
def pipeline() -> "Pipeline":
    from functions.homegraph.pipeline import Pipeline
    from functions.homegraph.records import FirestoreRecords

    return Pipeline(ledger(), homegraph, config(), records=FirestoreRecords(store().client))
