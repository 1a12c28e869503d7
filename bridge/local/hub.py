"""The bridge as the home's local hub: ``start()`` serves the local endpoint on the LAN address,
writes the local path's fields on the devices it serves (``otherDeviceIds`` and ``customData``,
which SYNC hands to Google) and advertises the hub over mDNS; ``stop()`` withdraws all three but
the fields (the secret stays valid across a restart)."""

import logging
from dataclasses import replace
from typing import Any

from bridge.local.advertise import Advertiser, Registry, scan_data, service_info
from bridge.local.endpoint import LocalEndpoint
from bridge.local.protocol import SERVICE_TYPE, Hub, local_fields
from bridge.local.service import BridgeLocal
from bridge.logs import log
from bridge.runtime import Bridge

SOFTWARE = "1.0.0"


class LocalHub:
    def __init__(
        self,
        bridge: Bridge,
        hub: Hub,
        host: str,
        *,
        advertise: bool = True,
        registry: Registry | None = None,
        wait: float = 3.0,
    ) -> None:
        self.bridge = bridge
        self.hub = hub
        self.host = host
        self.advertise = advertise
        self.registry = registry
        self.endpoint = LocalEndpoint(BridgeLocal(bridge, wait), hub, host)
        self.advertiser: Advertiser | None = None
        self.info: Any = None

    def start(self) -> "LocalHub":
        self.endpoint.start()
        self.hub = replace(self.hub, port=self.endpoint.port)
        self.publish()
        self.info = service_info(self.hub, self.host, self.hub.port, SOFTWARE)
        if self.advertise:
            self.advertiser = Advertiser(self.info, self.host, self.registry).start()
        log(
            logging.INFO,
            "local_endpoint_started",
            host=self.host,
            port=self.hub.port,
            hub=self.hub.id,
            service=SERVICE_TYPE,
            mdns=self.advertise,
            scanData=scan_data(self.info),
        )
        return self

    def publish(self) -> int:
        """Write the local fields where a served device's document lacks them; how many."""
        written = 0
        for device_id in self.bridge.device_ids():
            document = self.bridge.document(device_id)
            if document is None:
                continue
            try:
                fields = local_fields(device_id, document, self.hub)
            except ValueError as error:
                log(logging.ERROR, "local_path_skipped", device=device_id, reason=str(error))
                continue
            if fields and self.bridge.store.set_fields(device_id, fields):
                written += 1
                log(logging.INFO, "local_fields_written", device=device_id, fields=sorted(fields))
        return written

    def stop(self) -> None:
        if self.advertiser is not None:
            self.advertiser.stop()
            self.advertiser = None
        self.endpoint.stop()
        log(logging.INFO, "local_endpoint_stopped")
