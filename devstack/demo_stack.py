"""What ``make run`` starts around a LocalStack: the demo home seeded and linked with its PIN,
the reference device backend, the LAN bridge with a fake speaker, and the local Google Home
page. ``Demo(stack, logs).start()`` then ``stop()``; the browser tests start the same parts."""

import logging
from dataclasses import dataclass, field
from pathlib import Path

from bridge.runtime import Bridge
from devstack.demo_home import BRIDGE_UID, DEMO_DEVICES, SPEAKER_NAME, seed
from devstack.device_backend import DeviceBackend, demo_backend
from devstack.fake_speaker import FakeSpeaker
from devstack.home_page import HomePage
from devstack.stack import LocalStack
from functions.devices.pins import pin_record

DEMO_USER = "demo"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - the local Auth emulator's demo person only
DEMO_PIN = "1234"
"""The demo user's PIN for secondary user verification (unlocking, opening the garage)."""


@dataclass
class Demo:
    """The demo home's parts on a started ``stack``; every part it starts, ``stop()`` stops."""

    stack: LocalStack
    logs: Path
    page_port: int = 0
    bridge_poll: float = 5.0
    user: str = DEMO_USER
    devices: int = 0
    backend: DeviceBackend | None = None
    speaker: FakeSpeaker | None = None
    bridge: Bridge | None = None
    page: HomePage | None = None
    _handlers: list[tuple[logging.Logger, list[logging.Handler]]] = field(default_factory=list)

    def start(self) -> "Demo":
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __enter__(self) -> "Demo":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _start(self) -> None:
        stack = self.stack
        assert stack.homegraph and stack.google
        self.devices = seed(stack.store, self.user)
        stack.store.set_pin(self.user, pin_record(DEMO_PIN))
        self.backend = self._device_backend()
        stack.add_person(self.user, DEMO_EMAIL, DEMO_PASSWORD)
        stack.link(self.user)
        self.speaker = FakeSpeaker(SPEAKER_NAME).start()
        self.bridge = self._speaker_bridge(self.speaker)
        self.page = HomePage(
            self.user,
            fulfillment_url=stack.url("fulfillment"),
            homegraph_url=stack.homegraph.url,
            client=stack.store.client,
            issue_token=lambda: stack.token_for(self.user),
            speaker_url=self.speaker.url,
            linking_url=stack.google.start_url,
            templates=DEMO_DEVICES,
            port=self.page_port,
        ).start()

    def stop(self) -> None:
        """Stop the page, the backend, the bridge and the speaker; the stack is the caller's."""
        for part in (self.page, self.backend, self.bridge, self.speaker):
            if part is not None:
                part.stop()
        self.page = self.backend = self.bridge = self.speaker = None
        for logger, handlers in self._handlers:
            for handler in logger.handlers:
                handler.close()
            logger.handlers[:] = handlers
        self._handlers.clear()

    def _log_to(self, logger: logging.Logger, file: str, formatter: logging.Formatter) -> None:
        """``logger`` writes to ``logs/file`` only, until ``stop()``."""
        self._handlers.append((logger, list(logger.handlers)))
        handler = logging.FileHandler(self.logs / file)
        handler.setFormatter(formatter)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False

    def _device_backend(self) -> DeviceBackend:
        """The reference device backend for the demo home; it logs what it does."""
        from devstack import device_backend

        self._log_to(
            device_backend.LOG, "device-backend.log", logging.Formatter("%(asctime)s %(message)s")
        )
        return demo_backend(self.stack.store.client, self.user).start()

    def _speaker_bridge(self, speaker: FakeSpeaker) -> Bridge:
        """The LAN bridge for the demo home, signed in as the home's own bridge user
        (firestore.rules limit it to users/<demo>/...)."""
        from bridge import logs as bridge_logs
        from bridge.budget import Budget
        from bridge.credential import provision
        from bridge.firestore_store import FirestoreHomeStore
        from bridge.runtime import Settings
        from bridge.speaker.adapter import SpeakerAdapter
        from bridge.speaker.client import SpeakerClient
        from bridge.speaker.discovery import StaticDiscovery
        from bridge.speaker.pins import PinStore
        from bridge.speaker.tokens import HomeGraphTokens
        from devstack.auth_emulator import API_KEY

        assert self.stack.auth
        self._log_to(bridge_logs.LOGGER, "bridge.log", bridge_logs.JsonFormatter())
        account = provision(
            self.stack.project,
            API_KEY,
            self.user,
            admin_bearer="owner",
            auth_emulator=self.stack.auth.host,
            bridge_uid=BRIDGE_UID,
        )
        # Google's Home Graph hands out local tokens by identity; the static map's key is the
        # fake speaker's identity here, and the person running the stack knows its certificate.
        discovery = StaticDiscovery({SPEAKER_NAME: f"127.0.0.1:{speaker.port}"})
        [endpoint] = discovery.endpoints()
        tokens = HomeGraphTokens(lambda: {endpoint.identity: speaker.token}, min_interval=0)
        pins = PinStore()
        pins.trust(endpoint.identity, speaker.fingerprint, name=SPEAKER_NAME, host=endpoint.host)
        client = SpeakerClient(Budget(60, 6), pins, tokens)
        settings = Settings(poll_interval=self.bridge_poll, retry_base=2, heartbeat_interval=30)
        return Bridge(
            SpeakerAdapter(discovery, client),
            FirestoreHomeStore.connect(account),
            settings,
            name="make-run",
        ).start()
