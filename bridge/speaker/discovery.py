"""Where the speakers are: a static name -> IP map, or mDNS (zeroconf ``_googlecast._tcp``)."""

import ipaddress
import re
import threading
from dataclasses import dataclass
from typing import Protocol

SERVICE = "_googlecast._tcp.local."
PORT = 8443


@dataclass(frozen=True)
class Endpoint:
    """A speaker's address; ``key`` is stable (the static map's name, or the mDNS id)."""

    key: str
    host: str
    port: int = PORT
    name: str = ""
    model: str = ""


class Discovery(Protocol):
    def endpoints(self) -> list[Endpoint]:
        """The speakers reachable now."""
        ...


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "speaker"


def ip_literal(host: str) -> str:
    """``host`` if it is an IP literal; speakers refuse requests whose Host is a name."""
    return str(ipaddress.ip_address(host.strip("[]")))


class StaticDiscovery:
    """``{"bedroom-speaker": "192.168.1.20"}`` or ``"192.168.1.20:8443"`` per speaker."""

    def __init__(self, entries: dict[str, str]) -> None:
        self.entries = dict(entries)

    def endpoints(self) -> list[Endpoint]:
        found = []
        for name, address in self.entries.items():
            host, _, port = (
                address.rpartition(":") if address.count(":") == 1 else (address, "", "")
            )
            found.append(Endpoint(slug(name), ip_literal(host), int(port or PORT), name=name))
        return found


class ZeroconfDiscovery:  # pragma: no cover - multicast; never run by the tests
    """Browse ``_googlecast._tcp`` for ``timeout`` seconds (needs a LAN; multicast)."""

    def __init__(self, timeout: float = 3.0) -> None:
        self.timeout = timeout

    def endpoints(self) -> list[Endpoint]:
        from zeroconf import ServiceBrowser, ServiceListener, Zeroconf

        found: dict[str, Endpoint] = {}
        done = threading.Event()

        class Listener(ServiceListener):
            def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
                info = zc.get_service_info(type_, name, timeout=2000)
                if info is None or not info.parsed_addresses():
                    return
                txt = {
                    k.decode(): (v or b"").decode(errors="replace")
                    for k, v in info.properties.items()
                }
                key = "speaker-" + (txt.get("id") or slug(name))[:12]
                found[key] = Endpoint(
                    key,
                    ip_literal(info.parsed_addresses()[0]),
                    PORT,
                    txt.get("fn", ""),
                    txt.get("md", ""),
                )

            def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
                self.add_service(zc, type_, name)

            def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
                return None

        zeroconf = Zeroconf()
        try:
            ServiceBrowser(zeroconf, SERVICE, Listener())
            done.wait(self.timeout)
        finally:
            zeroconf.close()
        return sorted(found.values(), key=lambda e: e.key)
