"""The process-wide configuration and adapters, built on first use (never at import), so each
function loads only the client libraries it uses."""

import functools
from typing import TYPE_CHECKING

from functions.core.config import Config
from functions.core.tokens import Signer

if TYPE_CHECKING:
    from google.cloud import firestore

    from functions.account_linking.http import Linking
    from functions.fulfillment.firestore_store import FirestoreStore
    from functions.fulfillment.throttle import Throttle
    from functions.on_device_change.client import HomeGraph
    from functions.on_device_change.context import Pipeline
    from functions.on_device_written.publisher import Publisher


@functools.cache
def config() -> Config:
    return Config.from_env()


@functools.cache
def signer() -> Signer:
    """What signs and checks bearer tokens: TOKEN_MAC_KEY, UNSIGNED_TOKENS_UNTIL."""
    return config().signer()


@functools.cache
def firestore_client() -> "firestore.Client":
    from google.cloud import firestore

    settings = config()
    return firestore.Client(project=settings.project_id, database=settings.firestore_database)


@functools.cache
def store() -> "FirestoreStore":
    from functions.fulfillment.firestore_store import FirestoreStore

    return FirestoreStore(firestore_client())


@functools.cache
def throttle() -> "Throttle":
    """The instance's bound on each user's EXECUTEs."""
    from functions.fulfillment.throttle import Throttle

    return Throttle()


@functools.cache
def publisher() -> "Publisher":
    from functions.on_device_written.pubsub_publisher import PubSubPublisher

    return PubSubPublisher(config().project_id, config().topic)


@functools.cache
def homegraph() -> "HomeGraph":
    from functions.on_device_change.client import GoogleHomeGraph

    settings = config()
    return GoogleHomeGraph.connect(settings.homegraph_endpoint, settings.homegraph_timeout_seconds)


@functools.cache
def linking() -> "Linking":
    from functions.account_linking.firestore_records import FirestoreRecords
    from functions.account_linking.http import Linking
    from functions.account_linking.identity import FirebasePasswordSignIn

    settings = config()
    identity = FirebasePasswordSignIn(
        settings.project_id, settings.identity_api_key, settings.auth_emulator_host
    )
    return Linking(FirestoreRecords(firestore_client()), identity, settings)


@functools.cache
def pipeline() -> "Pipeline":
    from functions.on_device_change.context import Pipeline
    from functions.on_device_change.firestore_ledger import FirestoreLedger

    return Pipeline(FirestoreLedger(firestore_client()), homegraph, config())
