"""What the account-linking endpoints work with."""

from dataclasses import dataclass

from functions.account_linking.identity import Identity
from functions.account_linking.records import Records
from functions.core.config import Config


@dataclass(frozen=True)
class Linking:
    """What the endpoints need."""

    records: Records
    identity: Identity
    config: Config
