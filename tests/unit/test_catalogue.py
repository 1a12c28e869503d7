"""Every trait, command and device type of Google's catalogue is implemented or left out on purpose.

The catalogue (names only) is vendored in tests/data/google_catalogue.json so a clean clone needs
nothing else; docs/traits.md must equal ``python -m devstack.catalogue``.
"""

import json
from pathlib import Path

import pytest

from devstack.catalogue import LEFT_OUT, render
from functions.core.errors import InvalidDevice
from functions.devices.device_types import DEVICE_TYPES, TYPES
from functions.devices.model import parse_device
from functions.devices.traits import COMMANDS, TRAITS

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = json.loads((ROOT / "tests" / "data" / "google_catalogue.json").read_text())
GOOGLE_TRAITS: dict[str, list[str]] = CATALOGUE["traits"]


@pytest.mark.parametrize("trait", sorted(GOOGLE_TRAITS))
def test_every_google_trait_is_implemented_or_left_out(trait: str) -> None:
    assert trait in TRAITS or trait in LEFT_OUT, f"{trait}: implement it or list it in LEFT_OUT"


@pytest.mark.parametrize(
    ("trait", "command"),
    [(trait, command) for trait, commands in sorted(GOOGLE_TRAITS.items()) for command in commands],
)
def test_every_google_command_is_implemented(trait: str, command: str) -> None:
    if trait in LEFT_OUT:
        assert command in COMMANDS or LEFT_OUT[trait]
        return
    assert trait in TRAITS, f"{trait} is not implemented"
    assert command in TRAITS[trait].commands, f"{trait} lacks {command}"


def test_nothing_is_both_implemented_and_left_out() -> None:
    assert not set(LEFT_OUT) & set(TRAITS)
    assert set(LEFT_OUT) <= set(GOOGLE_TRAITS)


def test_implemented_traits_and_commands_are_google_ones() -> None:
    for name, trait in TRAITS.items():
        assert name in GOOGLE_TRAITS, f"{name} is not in Google's catalogue"
        assert set(trait.commands) <= set(GOOGLE_TRAITS[name]), name


def test_every_google_device_type_is_listed() -> None:
    assert sorted(DEVICE_TYPES) == CATALOGUE["device_types"]
    assert [t.name for t in TYPES] == sorted(t.name for t in TYPES)


def test_device_type_traits_are_google_traits() -> None:
    for device_type in TYPES:
        for trait in device_type.required_traits + device_type.recommended_traits:
            assert trait in GOOGLE_TRAITS, f"{device_type.name}: {trait}"


def test_an_unknown_device_type_is_named_in_the_error() -> None:
    document = {
        "type": "action.devices.types.TOASTER_OVEN",
        "traits": ["action.devices.traits.OnOff"],
        "name": {"name": "Toaster"},
        "willReportState": False,
    }
    with pytest.raises(
        InvalidDevice, match="unknown device type action.devices.types.TOASTER_OVEN"
    ):
        parse_device("toaster", document)
    parse_device("light", {**document, "type": "action.devices.types.LIGHT"})


def test_docs_traits_page_is_generated() -> None:
    page = (ROOT / "docs" / "traits.md").read_text()
    assert page == render(), "regenerate: python -m devstack.catalogue > docs/traits.md"


def test_the_lazy_registry_lists_exactly_the_trait_modules() -> None:
    """CATALOGUE (what a cold start knows without importing a trait) equals the modules."""
    import importlib
    import pkgutil

    from functions.devices import traits

    found = {}
    for module in pkgutil.iter_modules(traits.__path__):
        trait = getattr(importlib.import_module(f"{traits.__name__}.{module.name}"), "TRAIT", None)
        if trait is not None:
            short = trait.name.removeprefix("action.devices.traits.")
            assert traits.module_name(short) == module.name
            found[short] = tuple(c.removeprefix("action.devices.commands.") for c in trait.commands)
    assert found == traits.CATALOGUE


def test_importing_the_fulfillment_loads_no_trait_module() -> None:
    import subprocess
    import sys

    code = (
        "import sys, main; "
        "print(sorted(m for m in sys.modules if m.startswith('functions.devices.traits.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "on_off" not in loaded and "volume" not in loaded, loaded
