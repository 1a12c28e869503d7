"""The bridge on mDNS: ``<hub>._smarthome-hub._tcp.local.`` on the LAN address it serves, with a
TXT record carrying what IDENTIFY needs (``hub``, ``v``, ``sw``) and never the secret.

The Developer Console's scan configuration for the app: mDNS service name
``_smarthome-hub._tcp.local``, name ``.*\\._smarthome-hub\\._tcp\\.local``
(docs/local-fulfillment.md).
"""

import socket
from typing import Any, Protocol

from bridge.local.protocol import SERVICE_TYPE, Hub


def service_info(hub: Hub, host: str, port: int, software: str) -> Any:
    """The zeroconf ServiceInfo the bridge registers."""
    from zeroconf import ServiceInfo

    return ServiceInfo(
        SERVICE_TYPE,
        f"{hub.id}.{SERVICE_TYPE}",
        addresses=[socket.inet_aton(host)],
        port=port,
        properties=hub.txt(software),
        server=f"{hub.id}.local.",
    )


def scan_data(info: Any) -> dict[str, Any]:
    """What Google's platform hands IDENTIFY for this record (MdnsScanData), for the tests."""
    txt = {k.decode(): (v or b"").decode() for k, v in info.properties.items()}
    return {
        "serviceName": info.name.rstrip("."),
        "name": info.name.split(".", 1)[0],
        "type": SERVICE_TYPE.split(".", 1)[0],
        "protocol": "tcp",
        "data": [f"{k}={v}" for k, v in txt.items()],
        "txt": txt,
    }


class Registry(Protocol):
    """The part of ``zeroconf.Zeroconf`` the advertiser uses."""

    def register_service(self, info: Any) -> None: ...

    def unregister_service(self, info: Any) -> None: ...

    def close(self) -> None: ...


class Advertiser:
    """``start()`` registers the record on the LAN interface ``host``; ``stop()`` withdraws it."""

    def __init__(self, info: Any, host: str, registry: Registry | None = None) -> None:
        self.info = info
        self.host = host
        self.registry = registry

    def start(self) -> "Advertiser":
        if self.registry is None:  # pragma: no cover - multicast on a real LAN
            from zeroconf import IPVersion, Zeroconf

            self.registry = Zeroconf(interfaces=[self.host], ip_version=IPVersion.V4Only)
        self.registry.register_service(self.info)
        return self

    def stop(self) -> None:
        if self.registry is not None:
            self.registry.unregister_service(self.info)
            self.registry.close()
            self.registry = None
