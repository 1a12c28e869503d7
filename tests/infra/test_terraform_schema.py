"""terraform/*.tf names only resource types, arguments and blocks that the google provider has, in
the version terraform/.terraform.lock.hcl locks (one major is allowed), and sets every required
argument; the lock file pins every provider with its checksums.

`terraform validate` needs the provider downloaded; this check does not. The CDK Terrain bindings
on PyPI (pinned in requirements-schema.txt: the locked version's) carry the provider's schema as a
jsii assembly, a JSON file inside the wheel. `make schema` downloads the wheel into
.terraform-schema/ (nothing is installed, no node); the first run here reads the assembly and
caches the part it needs as JSON next to the wheel (about 1 MB; some 15 s, once).
"""

import functools
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import hcl2
import pytest

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
WHEELS = ROOT / ".terraform-schema"
REQUIREMENTS = ROOT / "requirements-schema.txt"
CACHE_FORMAT = 2
# Terraform's own arguments, valid in every resource and data block.
META = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}
# google-beta's resources are checked against google's schema, which beta extends. Those that
# exist only in beta are not in the bindings; each is named here with why it is beta, and
# test_beta_only_types_are_still_beta_only catches the day google has it (then drop it here).
BETA_ONLY = {
    "google_project_service_identity": "the Pub/Sub service agent's email (pubsub.tf)",
}

Schema = dict[str, Any]
"""{"arguments": {name: required}, "blocks": {name: {"required": bool, "schema": Schema}}}"""


# --- the provider schema, from the jsii assembly -------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _hcl_name(prop: dict[str, Any]) -> str:
    """The HCL name of a jsii property: the anchor of its registry link (the schema's own name),
    else its camelCase name in snake_case."""
    docs = prop.get("docs", {})
    text = f"{docs.get('summary', '')} {docs.get('remarks', '')}"
    anchor = re.search(r"#(\w+) \w+#\w+\}", text)
    return anchor.group(1) if anchor else _snake(prop["name"])


def _struct(prop_type: dict[str, Any], types: dict[str, Any]) -> str | None:
    """The struct a property's type names (a nested block), if any: X, X[], IResolvable | X[]."""
    found = re.findall(r'"fqn": "([^"]+)"', json.dumps(prop_type))
    structs = [f for f in found if types.get(f, {}).get("datatype")]
    return structs[0] if structs else None


def _schema(fqn: str, types: dict[str, Any], seen: tuple[str, ...] = ()) -> Schema:
    arguments: dict[str, bool] = {}
    blocks: dict[str, Any] = {}
    for prop in types[fqn].get("properties", []):
        name, required = _hcl_name(prop), not prop.get("optional", False)
        struct = _struct(prop["type"], types)
        if struct and struct not in seen:
            schema = _schema(struct, types, (*seen, struct))
            blocks[name] = {"required": required, "schema": schema}
        else:
            arguments[name] = required
    return {"arguments": arguments, "blocks": blocks}


def _extract(wheel: Path) -> dict[str, Any]:
    """Every resource and data source of one bindings wheel, and the provider version."""
    with zipfile.ZipFile(wheel) as archive:
        (tgz,) = [n for n in archive.namelist() if n.endswith(".jsii.tgz")]
        with tarfile.open(fileobj=io.BytesIO(archive.read(tgz))) as package:
            member = package.extractfile("package/.jsii")
            assert member is not None, f"{wheel.name}: no package/.jsii in {tgz}"
            assembly = json.load(member)
    types: dict[str, Any] = assembly["types"]
    found: dict[str, dict[str, Schema]] = {"resource": {}, "data": {}}
    versions = set()
    link = re.compile(r"hashicorp/google/([\d.]+)/docs/(resources|data-sources)/\w+ (\w+)\}")
    for kind in types.values():
        if kind.get("kind") != "class" or not kind.get("initializer"):
            continue
        match = link.search(kind.get("docs", {}).get("summary", ""))
        if not match:
            continue
        version, section, type_name = match.groups()
        config = [p for p in kind["initializer"]["parameters"] if p["name"] == "config"]
        if not config:
            continue
        versions.add(version)
        block = "resource" if section == "resources" else "data"
        found[block][type_name] = _schema(config[0]["type"]["fqn"], types)
    assert len(versions) == 1, f"{wheel.name}: provider versions {versions}"
    return {"format": CACHE_FORMAT, "provider_version": versions.pop(), **found}


def pinned_wheels() -> list[Path]:
    """The downloaded wheels of requirements-schema.txt's pins (skips when one is missing)."""
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==([\w.]+)", REQUIREMENTS.read_text(), re.M)
    assert pins, f"{REQUIREMENTS.name} pins no bindings"
    wheels = []
    for name, version in pins:
        wheel = WHEELS / f"{re.sub(r'[-.]+', '_', name).lower()}-{version}-py3-none-any.whl"
        if not wheel.exists():
            pytest.skip(
                f"{wheel.relative_to(ROOT)} missing: `make test` downloads it (make schema)"
            )
        wheels.append(wheel)
    return wheels


@functools.cache
def provider_schemas() -> dict[str, dict[str, Any]]:
    """Provider version -> its schema, from the JSON cache (made on first use)."""
    schemas = {}
    for wheel in pinned_wheels():
        cache = wheel.with_suffix(".schema.json")
        schema = json.loads(cache.read_text()) if cache.exists() else None
        if schema is None or schema.get("format") != CACHE_FORMAT:
            schema = _extract(wheel)
            cache.write_text(json.dumps(schema, separators=(",", ":")))
        schemas[schema["provider_version"]] = schema
    return schemas


# --- the configuration ---------------------------------------------------------------------------


@functools.cache
def blocks() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(block kind, type, name, body) of every resource and data block in terraform/*.tf."""
    options = hcl2.SerializationOptions(
        strip_string_quotes=True, explicit_blocks=True, with_comments=False
    )
    found = []
    for path in sorted(TERRAFORM.glob("*.tf")):
        parsed = hcl2.loads(path.read_text(), serialization_options=options)
        for kind in ("resource", "data"):
            for block in parsed.get(kind, []):
                for type_name, named in block.items():
                    for name, body in named.items():
                        found.append((kind, type_name, name, body))
    return found


def constraint(provider: str) -> str:
    """The version constraint versions.tf gives hashicorp/<provider>."""
    text = (TERRAFORM / "versions.tf").read_text()
    found = re.search(
        rf'\b{re.escape(provider)}\s*=\s*\{{[^}}]*source\s*=\s*"hashicorp/{re.escape(provider)}"'
        r'[^}]*version\s*=\s*"([^"]+)"',
        text,
    )
    assert found, f"versions.tf: no version constraint for hashicorp/{provider}"
    return found.group(1)


def allowed_majors(text: str) -> set[int]:
    """The majors a constraint allows: "~> 7.35" -> {7}, ">= 6.0, < 8.0" -> {6, 7}."""
    pessimistic = re.fullmatch(r"~>\s*(\d+)\.\d+", text.strip())
    if pessimistic:
        return {int(pessimistic.group(1))}
    low = re.search(r">=\s*(\d+)", text)
    high = re.search(r"<\s*(\d+)(?:\.0)*\s*(?:,|$)", text)
    assert low and high, f"cannot read the constraint {text!r}"
    return set(range(int(low.group(1)), int(high.group(1))))


def locked() -> dict[str, dict[str, Any]]:
    """terraform/.terraform.lock.hcl: provider source -> version, constraints, hashes."""
    options = hcl2.SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
    parsed = hcl2.loads(
        (TERRAFORM / ".terraform.lock.hcl").read_text(), serialization_options=options
    )
    found = {}
    for block in parsed.get("provider", []):
        for source, body in block.items():
            if not source.startswith("__"):
                found[source.strip('"')] = {k: v for k, v in body.items() if not k.startswith("__")}
    return found


def _is_block(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, dict) and v.get("__is_block__") for v in value
    )


def problems(body: dict[str, Any], schema: Schema, where: str, top: bool) -> list[str]:
    """What in one block body the schema does not allow or misses."""
    found: list[str] = []
    present = set()
    for key, value in body.items():
        if key.startswith("__") or (top and key in META):
            continue
        if key == "dynamic":
            for dynamic in value:
                for name, spec in dynamic.items():
                    if name.startswith("__"):
                        continue
                    present.add(name)
                    nested = schema["blocks"].get(name)
                    if nested is None:
                        found.append(f"{where}: no block {name!r} (dynamic)")
                        continue
                    for content in spec.get("content", []):
                        found += problems(content, nested["schema"], f"{where}.{name}", False)
            continue
        present.add(key)
        if key in schema["blocks"]:
            nested = schema["blocks"][key]["schema"]
            if _is_block(value):
                for i, item in enumerate(value):
                    found += problems(item, nested, f"{where}.{key}[{i}]", False)
        elif key not in schema["arguments"]:
            found.append(f"{where}: no argument or block {key!r}")
        elif _is_block(value):
            found.append(f"{where}: {key!r} is an argument, written as a block")
    for name, required in schema["arguments"].items():
        if required and name not in present:
            found.append(f"{where}: required argument {name!r} missing")
    for name, nested in schema["blocks"].items():
        if nested["required"] and name not in present:
            found.append(f"{where}: required block {name!r} missing")
    return found


def address(kind: str, type_name: str, name: str) -> str:
    return f"{'data.' if kind == 'data' else ''}{type_name}.{name}"


def is_beta_only(type_name: str, body: dict[str, Any]) -> bool:
    return type_name in BETA_ONLY and body.get("provider") == "google-beta"


def checked_blocks() -> list[tuple[str, str, str, dict[str, Any]]]:
    """The google and google-beta blocks this check can read a schema for."""
    return [b for b in blocks() if b[1].startswith("google_") and not is_beta_only(b[1], b[3])]


def check(version: str) -> tuple[list[str], int]:
    """What the provider version's schema rejects, and how many arguments and blocks it checked."""
    schema = provider_schemas()[version]
    found, checked = [], 0
    for kind, type_name, name, body in checked_blocks():
        where = address(kind, type_name, name)
        types = schema[kind]
        if type_name not in types:
            found.append(f"{where}: no {kind} type {type_name} in google {version}")
            continue
        found += [f"{p} (google {version})" for p in problems(body, types[type_name], where, True)]
        checked += _count(body)
    return found, checked


def _count(body: dict[str, Any]) -> int:
    """Arguments and nested blocks in a body, at every depth (meta-arguments excluded)."""
    total = 0
    for key, value in body.items():
        if key.startswith("__") or key in META:
            continue
        if key == "dynamic":
            for dynamic in value:
                for name, spec in dynamic.items():
                    if not name.startswith("__"):
                        total += 1 + sum(_count(c) for c in spec.get("content", []))
            continue
        total += 1
        if _is_block(value):
            total += sum(_count(item) for item in value)
    return total


# --- the tests -----------------------------------------------------------------------------------


def test_one_major_of_each_provider_is_allowed() -> None:
    for provider in ("google", "google-beta", "archive", "random", "time"):
        majors = allowed_majors(constraint(provider))
        assert len(majors) == 1, f"{provider}: {constraint(provider)!r} allows majors {majors}"
    assert allowed_majors(constraint("google")) == allowed_majors(constraint("google-beta"))


def test_the_lock_file_pins_every_provider_with_its_checksums() -> None:
    """Each required provider is locked at a version its constraint allows, recorded with that
    constraint, with zh: hashes (the registry's checksums of every platform's package) and h1:
    hashes (of the unpacked package, for the platforms it was installed on)."""
    lock = locked()
    text = (TERRAFORM / "versions.tf").read_text()
    required = set(re.findall(r'source\s*=\s*"hashicorp/([\w-]+)"', text))
    assert {f"registry.terraform.io/hashicorp/{p}" for p in required} == set(lock)
    for provider in required:
        entry = lock[f"registry.terraform.io/hashicorp/{provider}"]
        wanted = constraint(provider)
        assert entry["constraints"] == wanted, provider
        low = re.fullmatch(r"~>\s*(\d+)\.(\d+)", wanted)
        assert low, f"{provider}: expected a ~> X.Y constraint, not {wanted!r}"
        version = tuple(int(part) for part in entry["version"].split("."))
        assert version[0] == int(low.group(1)) and version[1] >= int(low.group(2)), provider
        hashes = entry["hashes"]
        assert [h for h in hashes if h.startswith("h1:")], f"{provider}: no h1: hash"
        zh = [h for h in hashes if h.startswith("zh:")]
        assert len(zh) >= 10, f"{provider}: {len(zh)} zh: hashes, expected one per platform"
        assert all(re.fullmatch(r"zh:[0-9a-f]{64}", h) for h in zh), provider
        assert all(re.fullmatch(r"h1:[A-Za-z0-9+/]{43}=", h) for h in hashes if h[:3] == "h1:")


def test_the_schema_checked_is_the_locked_google_version() -> None:
    version = locked()["registry.terraform.io/hashicorp/google"]["version"]
    assert set(provider_schemas()) == {version}, (
        f"requirements-schema.txt gives google {sorted(provider_schemas())}; the lock file "
        f"installs {version}: pin the bindings wheel of the locked version"
    )


def test_every_block_but_the_beta_only_ones_is_checked() -> None:
    unchecked = [
        address(kind, type_name, name)
        for kind, type_name, name, body in blocks()
        if (kind, type_name, name, body) not in checked_blocks()
    ]
    # archive_file, time_sleep and random_password are the archive, time and random providers';
    # the beta-only types are listed above.
    others = {address(k, t, n) for k, t, n, _ in blocks() if t.split("_")[0] in {"time", "random"}}
    assert others == {
        "time_sleep.apis",
        "time_sleep.service_agents",
        "time_sleep.log_metrics",
        "random_password.oauth_client_secret",
        "random_password.token_mac_key",
        "time_static.token_signing",
    }
    allowed = (
        {"data.archive_file.source"}
        | others
        | {address(k, t, n) for k, t, n, b in blocks() if is_beta_only(t, b)}
    )
    assert set(unchecked) == allowed, unchecked
    assert len(checked_blocks()) >= 40


def test_beta_only_types_are_still_beta_only() -> None:
    for version, schema in provider_schemas().items():
        for type_name in BETA_ONLY:
            assert type_name not in schema["resource"], (
                f"google {version} has {type_name}: remove it from BETA_ONLY so it is checked"
            )


def test_arguments_and_blocks_exist_in_the_provider_schema() -> None:
    (major,) = allowed_majors(constraint("google"))
    versions = [v for v in provider_schemas() if v.startswith(f"{major}.")]
    assert versions, f"no bindings for google {major}.x in requirements-schema.txt"
    for version in versions:
        found, checked = check(version)
        assert not found, "\n".join(found)
        assert checked > 200, f"google {version}: only {checked} arguments checked"


def test_the_check_fails_on_a_wrong_name() -> None:
    """A misspelt argument or nested one, a missing required one, an argument written as a block
    and a block inside `dynamic` are all caught."""
    schema = next(iter(provider_schemas().values()))["resource"]
    topic = {"project": "p", "nmae": "x"}
    assert problems(topic, schema["google_pubsub_topic"], "t", True) == [
        "t: no argument or block 'nmae'",
        "t: required argument 'name' missing",
    ]
    subscription = {
        "name": "n",
        "topic": "t",
        "retry_policy": [{"minimum_bakcoff": "1s", "__is_block__": True}],
        "labels": [{"__is_block__": True}],
        "dynamic": [{"push_confg": {"content": [{}]}}],
    }
    assert problems(subscription, schema["google_pubsub_subscription"], "s", True) == [
        "s.retry_policy[0]: no argument or block 'minimum_bakcoff'",
        "s: 'labels' is an argument, written as a block",
        "s: no block 'push_confg' (dynamic)",
    ]
    assert "google_pubsub_topik" not in schema
