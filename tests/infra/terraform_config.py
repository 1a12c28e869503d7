"""terraform/*.tf parsed offline with python-hcl2 (no `terraform init`, no provider download).

Shared by the tests in tests/infra: the merged blocks, resources by type, variables, outputs and
locals, and the references between blocks.
"""

import functools
import json
import re
from pathlib import Path
from typing import Any

import hcl2

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"


@functools.cache
def config() -> dict[str, list[Any]]:
    """Every top-level block of every .tf file, merged: {"resource": [...], "variable": [...]}."""
    options = hcl2.SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
    merged: dict[str, list[Any]] = {}
    for path in sorted(TERRAFORM.glob("*.tf")):
        with path.open() as file:
            parsed = hcl2.load(file, serialization_options=options)
        for key, blocks in parsed.items():
            if not key.startswith("__"):
                merged.setdefault(key, []).extend(blocks)
    return merged


def resources(kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for block in config().get("resource", []):
        found.update(block.get(kind, {}))
    return found


def all_resources() -> dict[str, dict[str, Any]]:
    """Every resource block by address ("type.name")."""
    found: dict[str, dict[str, Any]] = {}
    for block in config().get("resource", []):
        for kind, instances in block.items():
            for name, body in instances.items():
                found[f"{kind}.{name}"] = body
    return found


def data_sources(kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for block in config().get("data", []):
        found.update(block.get(kind, {}))
    return found


def named(block_kind: str) -> dict[str, dict[str, Any]]:
    """Variables or outputs by name."""
    found: dict[str, dict[str, Any]] = {}
    for block in config().get(block_kind, []):
        found.update({k: v for k, v in block.items() if not k.startswith("__")})
    return found


def local_values() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for block in config().get("locals", []):
        found.update({k: v for k, v in block.items() if not k.startswith("__")})
    return found


def one(body: dict[str, Any], key: str) -> dict[str, Any]:
    """The single nested block `key` of a resource body."""
    blocks = body.get(key)
    assert isinstance(blocks, list) and len(blocks) == 1, f"expected one {key} block"
    block: dict[str, Any] = blocks[0]
    return block


def resolve(value: Any) -> Any:
    """Follow a bare ${local.x} / ${var.x} reference to its literal (a local or a default)."""
    for _ in range(10):
        match = re.fullmatch(r"\$\{(local|var)\.(\w+)\}", value) if isinstance(value, str) else None
        if not match:
            return value
        kind, name = match.groups()
        value = local_values()[name] if kind == "local" else named("variable")[name]["default"]
    return value


# An address a block can name: a resource ("type.name"), a data source ("data.type.name") or a
# local ("local.name"); the first two words of a resource reference are its address.
_ADDRESS = re.compile(r"\b(data\.[a-z][a-z0-9_]*\.\w+|local\.\w+|[a-z][a-z0-9]*_[a-z0-9_]+\.\w+)")


def expressions(text: str) -> list[str]:
    """The contents of every ${...} in `text`, nested braces included."""
    found = []
    start = text.find("${")
    while start != -1:
        depth, index = 0, start + 1
        while index < len(text):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            if depth == 0:
                break
            index += 1
        found.append(text[start + 2 : index])
        start = text.find("${", index)
    return found


def references(body: Any) -> set[str]:
    """The addresses a block body refers to in its expressions (depends_on included)."""
    return {
        address
        for expression in expressions(json.dumps(body))
        for address in _ADDRESS.findall(expression)
    }
