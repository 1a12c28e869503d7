"""The device contract's field list is defined once (functions/devices/contract.py); the two
places that must repeat it, firestore.rules and the LAN kit, agree with it."""

import re
from pathlib import Path

from bridge import contract as kit
from functions.devices import contract

ROOT = Path(__file__).resolve().parents[2]


def rules_fields(rules: str) -> set[str]:
    """The fields firestore.rules lets a bridge credential write in a device document."""
    body = re.search(r"function contractFields\(\) \{(.*?)\n    \}", rules, re.DOTALL)
    assert body, "firestore.rules has no contractFields()"
    listed = re.search(r"hasOnly\(\[(.*?)\]\)", body.group(1), re.DOTALL)
    assert listed, "contractFields() lists no fields"
    return set(re.findall(r"'([^']+)'", listed.group(1)))


def test_firestore_rules_allow_exactly_the_contract_fields() -> None:
    assert rules_fields((ROOT / "firestore.rules").read_text()) == set(contract.CONTRACT_FIELDS)


def test_the_lan_kit_writes_exactly_the_contract_fields() -> None:
    assert set(kit.BACKEND_FIELDS) == set(contract.CONTRACT_FIELDS)
    assert tuple(kit.REQUIRED_FIELDS) == contract.REQUIRED_FIELDS


def test_a_field_missing_from_the_rules_would_be_found() -> None:
    """The check above can fail: a rules file without one field disagrees."""
    rules = (ROOT / "firestore.rules").read_text()
    assert "'deviceError'" in rules
    assert rules_fields(rules.replace("'deviceError'", "'deviceErr0r'")) != set(
        contract.CONTRACT_FIELDS
    )
