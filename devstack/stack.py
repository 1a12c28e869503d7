"""The whole local pipeline on 127.0.0.1: emulators, the three functions, Google's side.

Firestore emulator --(Eventarc-shaped CloudEvents)--> Eventarc stand-in (concurrent, retried;
devstack/eventarc.py) --> on_device_written --> Pub/Sub emulator topic --(push subscription)-->
on_device_change --> local Home Graph --(SYNC)--> fulfillment.
"""

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any

from devstack.auth_emulator import (
    API_KEY,
    AuthEmulator,
    create_user,
    delete_accounts,
    launch_auth_emulator,
)
from devstack.emulators import (
    Emulator,
    free_ports,
    launch_firestore,
    launch_pubsub,
    stop_group,
    stop_groups,
    wait_for_http,
)
from devstack.eventarc import EventarcRelay
from devstack.google_linking import GoogleLinking
from devstack.homegraph_server import HomeGraphServer
from devstack.local import ROOT
from devstack.token import issue_token
from functions.core import tokens

TOPIC = "device-changes"
SUBSCRIPTION = "on-device-change"
TRIGGER = "on_device_written"
CLIENT_ID = "google-local"
DEVICE_PATTERN = "users/{userId}/devices/{deviceId}"
SUB_TRIGGER = "on_device_subcollections_written"
SUBCOLLECTION_PATTERN = "users/{userId}/devices/{deviceId}/{collection}/{docId}"
TARGETS = {
    "fulfillment": "fulfillment",
    "written": "on_device_written",
    "change": "on_device_change",
    "linking": "account_linking",
}
"""Server name (a field of Ports) -> the entry point of main.py it serves."""


def register_trigger(host: str, project: str, trigger: str, pattern: str) -> None:
    """What firebase-tools does for a 2nd-gen Firestore function: the emulator at ``host`` then
    POSTs Eventarc-shaped CloudEvents (protobuf body, base64) for the documents that match
    ``pattern`` to its --functions_emulator host."""
    body = {
        "eventType": "google.cloud.firestore.document.v1.written",
        "database": "(default)",
        "namespace": "(default)",
        "document": {"value": pattern, "matchType": "PATH_PATTERN"},
    }
    request = urllib.request.Request(
        f"http://{host}/emulator/v1/projects/{project}/eventarcTrigger?eventarcTriggerId={trigger}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": "Bearer owner"},
    )
    urllib.request.urlopen(request, timeout=10).close()


@dataclass
class Ports:
    firestore: int = 0
    pubsub: int = 0
    fulfillment: int = 0
    written: int = 0
    change: int = 0
    linking: int = 0
    auth: int = 0
    eventarc: int = 0

    def resolved(self) -> "Ports":
        """Every port not given, each a distinct free one."""
        given = astuple(self)
        fresh = iter(free_ports(sum(1 for port in given if not port)))
        return Ports(*(port or next(fresh) for port in given))


@dataclass
class LocalStack:
    """Start with ``start()``, stop with ``stop()``; every process it starts, it stops."""

    project: str
    logs: Path
    ports: Ports = field(default_factory=Ports)
    settings: dict[str, str] = field(default_factory=dict)
    homegraph: HomeGraphServer | None = None
    firestore: Emulator | None = None
    pubsub: Emulator | None = None
    servers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    store: Any = None
    auth: Emulator | None = None
    shared_auth: AuthEmulator | None = None
    """An Auth emulator for this project that outlives the stack (a test run's, whose start is
    seconds of CPU): used instead of starting one, its accounts deleted at start, left running."""
    google: GoogleLinking | None = None
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    saved_env: dict[str, str | None] = field(default_factory=dict, repr=False)
    sweep_seconds: float = 60.0
    """How often the stand-in for Cloud Scheduler publishes a sweep message."""
    accuracy_seconds: float = 300.0
    """How often it publishes an accuracy message (the state-accuracy check)."""
    eventarc_concurrency: int = 8
    """Firestore events delivered to on_device_written at once (devstack/eventarc.py)."""
    eventarc: EventarcRelay | None = None
    _eventarc_log: Any = field(default=None, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)
    _scheduler: threading.Thread | None = field(default=None, repr=False)
    """The emulator variables as they were before ``start()`` set them."""
    server_env: dict[str, str] = field(default_factory=dict, repr=False)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{getattr(self.ports, name)}/"

    def start(self) -> "LocalStack":
        self.logs.mkdir(parents=True, exist_ok=True)
        self.ports = self.ports.resolved()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _start(self) -> None:
        """Launch every process first, then wait for them all: the Auth emulator's start is
        seconds of CPU, and the others start on the second core meanwhile. Every address is
        known before anything answers (the ports are chosen up front)."""
        if self.shared_auth and self.shared_auth.project != self.project:
            raise ValueError(f"the shared Auth emulator is {self.shared_auth.project}'s")
        self._eventarc_log = (self.logs / "eventarc.log").open("a")
        self.eventarc = EventarcRelay(
            self.ports.written, concurrency=self.eventarc_concurrency, log=self._eventarc_log
        ).start(self.ports.eventarc)
        if self.shared_auth:
            delete_accounts(self.shared_auth.host, self.project)
        self.auth = self.shared_auth or launch_auth_emulator(
            self.project, self.logs / "auth.log", port=self.ports.auth
        )
        self.pubsub = launch_pubsub(self.project, self.logs / "pubsub.log", port=self.ports.pubsub)
        self.firestore = launch_firestore(
            self.project,
            self.logs / "firestore.log",
            port=self.ports.firestore,
            rules=ROOT / "firestore.rules",
            functions_host=self.eventarc.host,
        )
        emulators = self.emulator_env()
        self.saved_env = {name: os.environ.get(name) for name in emulators}
        os.environ.update(emulators)
        from functions.fulfillment.firestore_store import FirestoreStore

        self.store = FirestoreStore.connect(self.project)
        self.homegraph = HomeGraphServer(self.url("fulfillment"), self.token_for)
        self.homegraph.start()
        self.google = GoogleLinking(
            self.project,
            CLIENT_ID,
            self.client_secret,
            linking_url=self.url("linking"),
            fulfillment_url=self.url("fulfillment"),
        ).start()
        self.google.on_linked.append(self._google_knows)
        env = {
            **os.environ,
            **self.emulator_env(),
            "DEVICE_CHANGES_TOPIC": TOPIC,
            "HOMEGRAPH_ENDPOINT": self.homegraph.url,
            "OAUTH_CLIENT_ID": CLIENT_ID,
            "OAUTH_CLIENT_SECRET": self.client_secret,
            "OAUTH_REDIRECT_URIS": self.google.redirect_uri,
            "IDENTITY_API_KEY": API_KEY,
            "FIREBASE_AUTH_EMULATOR_HOST": self.auth.host,
            **self.settings,
        }
        self.server_env = env
        for name, target in TARGETS.items():
            self.servers[name] = self._serve(name, target, env)
        for emulator in (self.pubsub, self.firestore, self.auth):
            emulator.ready()
        for name, process in self.servers.items():
            wait_for_http(self.url(name), process)
        self._register_trigger()
        self._create_subscription()
        self._stopping.clear()
        self._scheduler = threading.Thread(target=self._schedule, name="scheduler")
        self._scheduler.start()

    def restart(self, name: str) -> None:
        """Kill one function's server (SIGKILL to its process group, as a crashed instance
        dies mid-request) and start it again on the same port, with the same settings; its log
        goes on in the same file."""
        target = TARGETS[name]
        process = self.servers.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        stop_group(process)
        self.servers[name] = self._serve(name, target, self.server_env, append=True)
        wait_for_http(self.url(name), self.servers[name])

    def emulator_env(self) -> dict[str, str]:
        assert self.firestore and self.pubsub
        return {
            "FIRESTORE_EMULATOR_HOST": self.firestore.host,
            "PUBSUB_EMULATOR_HOST": self.pubsub.host,
            "GOOGLE_CLOUD_PROJECT": self.project,
        }

    def _serve(
        self, name: str, target: str, env: dict[str, str], append: bool = False
    ) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab" if append else "wb")
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "functions_framework",
                "--target",
                target,
                "--source",
                str(ROOT / "main.py"),
                "--host",
                "127.0.0.1",
                "--port",
                str(getattr(self.ports, name)),
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _register_trigger(self) -> None:
        """Two triggers, as Terraform deploys them: device documents, and the documents of their
        subcollections (command records, device events)."""
        assert self.firestore
        for trigger, pattern in ((TRIGGER, DEVICE_PATTERN), (SUB_TRIGGER, SUBCOLLECTION_PATTERN)):
            register_trigger(self.firestore.host, self.project, trigger, pattern)

    def _schedule(self) -> None:
        """What Cloud Scheduler does in production (terraform/pubsub.tf): a ``sweep`` message on
        the device-changes topic every ``sweep_seconds``, an ``accuracy`` one every
        ``accuracy_seconds``."""
        due = {"sweep": self.sweep_seconds, "accuracy": self.accuracy_seconds}
        tick = min(due.values())
        elapsed = 0.0
        while not self._stopping.wait(tick):
            elapsed += tick
            for kind, every in due.items():
                if elapsed % every < tick:
                    self.publish_scheduled(kind)

    def publish_scheduled(self, kind: str) -> None:
        """Publish one Cloud Scheduler message (``sweep`` or ``accuracy``) now."""
        from google.cloud import pubsub_v1  # type: ignore[attr-defined]

        publisher = pubsub_v1.PublisherClient()
        topic = publisher.topic_path(self.project, TOPIC)
        try:
            publisher.publish(topic, b"{}", kind=kind).result(timeout=10)
        except Exception as error:  # the emulator stopping under it; the next tick retries
            print(f"{kind} not published: {type(error).__name__}", file=sys.stderr)

    def _create_subscription(self) -> None:
        from google.cloud import pubsub_v1  # type: ignore[attr-defined]

        publisher = pubsub_v1.PublisherClient()
        subscriber = pubsub_v1.SubscriberClient()
        topic = publisher.topic_path(self.project, TOPIC)
        publisher.create_topic(name=topic)
        subscriber.create_subscription(
            request={
                "name": subscriber.subscription_path(self.project, SUBSCRIPTION),
                "topic": topic,
                "push_config": {"push_endpoint": self.url("change")},
                "enable_message_ordering": True,
                "ack_deadline_seconds": 180,
                "retry_policy": {
                    "minimum_backoff": {"seconds": 1},
                    "maximum_backoff": {"seconds": 10},
                },
            }
        )
        subscriber.close()

    def _google_knows(self, user_id: str) -> None:
        """After account linking, Home Graph knows the user and holds Google's SYNC view."""
        if self.homegraph:
            self.homegraph.link(user_id, sync=True)

    def token_for(self, user_id: str) -> str:
        """Google's side holds each linked user's access token: the one it got through account
        linking (refreshed when expired), or, for a user pre-linked by the local stack, a fresh
        one minted directly."""
        if self.google and user_id in self.google.accounts:
            return self.google.access_token(user_id)
        signer = tokens.Signer.parse(self.settings.get("TOKEN_MAC_KEY", ""))
        return issue_token(self.store, user_id, signer=signer)

    def add_person(self, uid: str, email: str, password: str) -> None:
        """A user who can sign in (Identity Platform's job; here the Auth emulator's)."""
        assert self.auth
        create_user(self.auth.host, self.project, uid, email, password)

    def link(self, user_id: str) -> None:
        """What account linking does: Google knows the user and sends SYNC."""
        assert self.homegraph
        self.homegraph.link(user_id, sync=True)

    def stop(self) -> None:
        """Stop everything, and give the process back the environment it had (a later client
        must not find this stack's stopped emulators)."""
        for name, value in self.saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self.saved_env = {}
        self._stopping.set()
        if self._scheduler:
            self._scheduler.join()
            self._scheduler = None
        if self.eventarc:
            self.eventarc.stop()
            self.eventarc = None
        if self._eventarc_log:
            self._eventarc_log.close()
            self._eventarc_log = None
        stop_groups(list(self.servers.values()))
        self.servers.clear()
        if self.google:
            self.google.stop()
            self.google = None
        if self.homegraph:
            self.homegraph.stop()
            self.homegraph = None
        owned = self.auth if self.auth is not self.shared_auth else None
        emulators = [e for e in (owned, self.firestore, self.pubsub) if e]
        stop_groups([emulator.process for emulator in emulators])
        for emulator in emulators:
            emulator.stop()  # already gone: closes its log, removes its working folder
        self.auth = self.firestore = self.pubsub = None
