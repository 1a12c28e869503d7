"""The product's exceptions, one per way a request can fail.

- ``SmartHomeError(code)``: a Google smart-home ``errorCode`` for one device or a whole intent.
- ``BadRequest``: the body does not follow the protocol; HTTP 400, nothing read or written.
- ``Unauthorized``: missing, unknown, expired or revoked bearer token; HTTP 401.
- ``InvalidDevice``: a device document breaks the Firestore contract; it is left out and logged.
"""


class SmartHomeError(Exception):
    """A failure Google understands: ``code`` is one of Google's documented errorCode values."""

    def __init__(self, code: str, debug: str = "") -> None:
        super().__init__(f"{code}: {debug}" if debug else code)
        self.code = code
        self.debug = debug


class BadRequest(Exception):
    """The request body is malformed; answered with HTTP 400."""


class Unauthorized(Exception):
    """The bearer token is missing, unknown, expired or revoked; answered with HTTP 401."""


class InvalidDevice(ValueError):
    """A device document that breaks the contract; the message says which field and why."""
