"""What can go wrong talking to a device; the scheduler reacts to the class.

``DeviceError``
  ``Unreachable``   timeout, refused connection, truncated or malformed answer: counts toward
                    offline, retried with backoff
  ``Unauthorized``  the device refused the credential (HTTP 401): refresh it, retry once
  ``Unsupported``   the device lacks the endpoint (HTTP 404): stop asking this device
  ``Unconfirmed``   a setter answered success but a read shows no effect
  ``Refused``       the kit refuses to send it (an endpoint it does not use, a non-IP host, a
                    certificate that changed or that the owner has not approved)
"""

from typing import Any


class DeviceError(Exception):
    """Base of every device-side failure."""


class Unreachable(DeviceError):
    """The device did not answer usefully (timeout, refused, truncated, malformed)."""


class Unauthorized(DeviceError):
    """The device answered 401: its credential is stale."""


class Unsupported(DeviceError):
    """The device answered 404: it has no such endpoint (a Chromecast, a TV)."""


class Unconfirmed(DeviceError):
    """A write answered success, but reading back shows another value: ``actual``."""

    def __init__(self, message: str, actual: dict[str, Any]) -> None:
        super().__init__(message)
        self.actual = actual


class Refused(DeviceError):
    """The kit itself refuses the request (allowlist, hostname, certificate pin)."""
