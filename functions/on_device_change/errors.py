"""How a message's work can stop short.

- ``Redeliver``: the effect is not done yet; the function fails and Pub/Sub delivers the message
  again (with backoff, the user's later messages waiting behind it).
- ``OverBudget``: no room in the project's budget of Home Graph calls before the caller's deadline
  (the caller turns it into ``Redeliver``).
"""


class Redeliver(Exception):
    """The message's effect is not done yet: fail so that Pub/Sub delivers it again."""


class OverBudget(Exception):
    """No room in the project's budget of Home Graph calls before the caller's deadline."""
