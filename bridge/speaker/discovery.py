"""Where the speakers are: a static name -> IP map, or mDNS (zeroconf ``_googlecast._tcp``).

Each endpoint carries the ``identity`` its local token and certificate pin are bound to: the id
Google's Home Graph knows the speaker by (mDNS TXT ``cd``, which glocaltokens matches to Home
Graph's ``agent_info.unique_id``), or the key the owner wrote in the static map. The friendly name
(TXT ``fn``, ``eureka_info``) is for display only: anyone on the LAN can announce any name.
"""

import ipaddress
import re
import threading
from dataclasses import dataclass
from typing import Protocol

SERVICE = "_googlecast._tcp.local."
PORT = 8443


@dataclass(frozen=True)
class Endpoint:
    """A speaker's address; ``key`` is stable (the static map's name, or the mDNS id);
    ``identity`` is what its token and pin are bound to (empty: no token, ever)."""

    key: str
    host: str
    port: int = PORT
    name: str = ""
    model: str = ""
    identity: str = ""


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
    """``{"bedroom-speaker": "192.168.1.20"}`` or ``"192.168.1.20:8443"`` per speaker, or
    ``{"host": "192.168.1.20", "id": "<Home Graph id>"}``; the identity is ``id`` when given, else
    the entry's key (the owner's own binding: the token file uses the same key)."""

    def __init__(self, entries: dict[str, str | dict[str, str]]) -> None:
        self.entries = dict(entries)

    def endpoints(self) -> list[Endpoint]:
        found = []
        for name, entry in self.entries.items():
            address = entry if isinstance(entry, str) else str(entry["host"])
            host, _, port = (
                address.rpartition(":") if address.count(":") == 1 else (address, "", "")
            )
            key = slug(name)
            identity = key if isinstance(entry, str) else str(entry.get("id") or key)
            found.append(
                Endpoint(key, ip_literal(host), int(port or PORT), name=name, identity=identity)
            )
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
                identity = txt.get("cd", "")
                found[identity or name] = Endpoint(
                    key,
                    ip_literal(info.parsed_addresses()[0]),
                    PORT,
                    txt.get("fn", ""),
                    txt.get("md", ""),
                    identity,
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
