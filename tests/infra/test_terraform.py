"""terraform/ agrees with the code it deploys, grants least privilege, and passes checkov and fmt.

Offline: the .tf files are parsed with python-hcl2 (no `terraform init`, no provider download).
"""

import ast
import functools
import json
import re
import shutil
import subprocess
from typing import Any

import pytest

from functions.core import paths
from functions.core.config import ENV_VARS
from tests.infra.terraform_config import (
    ROOT,
    TERRAFORM,
    config,
    data_sources,
    local_values,
    named,
    one,
    resolve,
    resources,
)

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
FUNCTION = "google_cloudfunctions2_function"
# The one resource declaring every function: for_each over local.functions, keyed by entry point.
FUNCTIONS = f"{FUNCTION}.function"
PRIMITIVE_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}

# Which settings each function reads (functions/core/config.py); Terraform gives exactly these.
EXPECTED_ENV = {
    "fulfillment": {
        "GOOGLE_CLOUD_PROJECT",
        "FIRESTORE_DATABASE",
        "ACCESS_TOKEN_TTL_SECONDS",
        "UNSIGNED_TOKENS_UNTIL",
    },
    "account_linking": {
        "GOOGLE_CLOUD_PROJECT",
        "FIRESTORE_DATABASE",
        "ACCESS_TOKEN_TTL_SECONDS",
        "OAUTH_CLIENT_ID",
        "OAUTH_REDIRECT_URIS",
        "IDENTITY_API_KEY",
        "AUTH_CODE_TTL_SECONDS",
        "REFRESH_TOKEN_TTL_DAYS",
    },
    "on_device_written": {
        "GOOGLE_CLOUD_PROJECT",
        "FIRESTORE_DATABASE",
        "DEVICE_CHANGES_TOPIC",
        "MAX_EVENT_AGE_SECONDS",
    },
    "on_device_change": {
        "GOOGLE_CLOUD_PROJECT",
        "FIRESTORE_DATABASE",
        "REQUEST_SYNC_MIN_INTERVAL_SECONDS",
        "HOMEGRAPH_TIMEOUT_SECONDS",
        "HOMEGRAPH_RETRY_SECONDS",
        "NEW_USER_GRACE_SECONDS",
        "MAX_EVENT_AGE_SECONDS",
        "HOMEGRAPH_CALLS_PER_MINUTE",
        "HOMEGRAPH_REQUEST_SYNC_SHARE",
        "MESSAGE_DEADLINE_SECONDS",
        "ACCURACY_SAMPLE_USERS",
        "ACCURACY_SETTLED_SECONDS",
    },
}
# Settings that are secrets: Secret Manager secret environment variables, never plain ones.
EXPECTED_SECRET_ENV = {
    "fulfillment": {"TOKEN_MAC_KEY"},
    "account_linking": {"OAUTH_CLIENT_SECRET", "TOKEN_MAC_KEY"},
}
# Settings only the local stack uses (Home Graph stand-in, Auth emulator); never deployed.
LOCAL_ONLY = {"HOMEGRAPH_ENDPOINT", "FIREBASE_AUTH_EMULATOR_HOST"}
# Functions anyone on the internet may invoke (the code authenticates every request).
PUBLIC = {"fulfillment", "account_linking"}
# What each function was deployed with when it had a resource block of its own (before the four
# blocks became one for_each resource); the expanded for_each must reproduce each of them.
BUILD = {
    "runtime": "${local.runtime}",
    "service_account": "${google_service_account.build.id}",
    "docker_repository": "${google_artifact_registry_repository.functions.id}",
    "source": [
        {
            "storage_source": [
                {
                    "bucket": "${google_storage_bucket.source.name}",
                    "object": "${google_storage_bucket_object.source.name}",
                }
            ]
        }
    ],
}
# What every function waits for on a first apply: the APIs and the service agents (agents.tf).
FIRST_APPLY = {"${time_sleep.apis}", "${time_sleep.service_agents}"}
EXPECTED_FUNCTIONS: dict[str, dict[str, Any]] = {
    "fulfillment": {
        "name": "${var.name_prefix}-fulfillment",
        "service": {
            "timeout_seconds": "${var.fulfillment_timeout_seconds}",
            "min_instance_count": "${var.fulfillment_min_instances}",
            "max_instance_count": "${var.fulfillment_max_instances}",
            "ingress_settings": "ALLOW_ALL",
            "service_account_email": "${google_service_account.fulfillment.email}",
            "available_memory": "${var.fulfillment_capacity.memory}",
            "available_cpu": "${var.fulfillment_capacity.cpu}",
            "max_instance_request_concurrency": "${var.fulfillment_capacity.concurrency}",
        },
        "event_trigger": None,
        "needs": {
            *FIRST_APPLY,
            "${google_project_iam_member.build}",
            "${google_artifact_registry_repository_iam_member.build_writer}",
            "${google_firestore_database.this}",
            "${google_secret_manager_secret_iam_member.fulfillment_token_mac_key}",
            "${google_secret_manager_secret_version.token_mac_key}",
        },
    },
    "on_device_written": {
        "name": "${var.name_prefix}-on-device-written",
        "service": {
            "timeout_seconds": "${var.event_timeout_seconds}",
            "max_instance_count": "${var.event_max_instances}",
            "ingress_settings": "ALLOW_INTERNAL_ONLY",
            "service_account_email": "${google_service_account.on_device_written.email}",
            "available_memory": "${var.on_device_written_capacity.memory}",
            "available_cpu": "${var.on_device_written_capacity.cpu}",
            "max_instance_request_concurrency": "${var.on_device_written_capacity.concurrency}",
        },
        "event_trigger": {
            "trigger_region": "${local.firestore_trigger_region}",
            "event_type": "${local.firestore_written_event}",
            "retry_policy": "RETRY_POLICY_RETRY",
            "service_account_email": "${google_service_account.device_written_trigger.email}",
            "event_filters": [
                {"attribute": "database", "value": "${var.firestore_database}"},
                {
                    "attribute": "document",
                    "value": "${local.device_document_pattern}",
                    "operator": "match-path-pattern",
                },
            ],
        },
        "needs": {
            *FIRST_APPLY,
            "${google_project_iam_member.build}",
            "${google_artifact_registry_repository_iam_member.build_writer}",
            "${google_project_iam_member.device_written_trigger_receiver}",
            "${google_service_account_iam_member.pubsub_agent_token_creator}",
            "${google_firestore_database.this}",
        },
    },
    "on_device_change": {
        "name": "${var.name_prefix}-on-device-change",
        "service": {
            "timeout_seconds": "${var.event_timeout_seconds}",
            "max_instance_count": "${var.event_max_instances}",
            "ingress_settings": "ALLOW_INTERNAL_ONLY",
            "service_account_email": "${google_service_account.on_device_change.email}",
            "available_memory": "${var.on_device_change_capacity.memory}",
            "available_cpu": "${var.on_device_change_capacity.cpu}",
            "max_instance_request_concurrency": "${var.on_device_change_capacity.concurrency}",
        },
        "event_trigger": None,
        "needs": {
            *FIRST_APPLY,
            "${google_project_iam_member.build}",
            "${google_artifact_registry_repository_iam_member.build_writer}",
            "${google_firestore_database.this}",
        },
    },
    "account_linking": {
        "name": "${var.name_prefix}-account-linking",
        "service": {
            "timeout_seconds": 60,
            "max_instance_count": "${var.account_linking_max_instances}",
            "ingress_settings": "ALLOW_ALL",
            "service_account_email": "${google_service_account.account_linking.email}",
            "available_memory": "${var.account_linking_capacity.memory}",
            "available_cpu": "${var.account_linking_capacity.cpu}",
            "max_instance_request_concurrency": "${var.account_linking_capacity.concurrency}",
        },
        "event_trigger": None,
        "needs": {
            *FIRST_APPLY,
            "${google_project_iam_member.build}",
            "${google_artifact_registry_repository_iam_member.build_writer}",
            "${google_secret_manager_secret_iam_member.account_linking_client_secret}",
            "${google_secret_manager_secret_version.oauth_client_secret}",
            "${google_secret_manager_secret_iam_member.account_linking_token_mac_key}",
            "${google_secret_manager_secret_version.token_mac_key}",
            "${google_project_iam_member.account_linking_firestore}",
            "${google_identity_platform_config.this}",
            "${google_firestore_database.this}",
        },
    },
}
# How main.py must declare each entry point for the way Terraform delivers to it.
EXPECTED_DECORATOR = {
    "fulfillment": "http",
    "account_linking": "http",
    "on_device_written": "cloud_event",
    # Deployed without a function-managed trigger and fed by a Pub/Sub push subscription: the
    # decorator is what makes the Functions Framework treat the push body as a CloudEvent.
    "on_device_change": "cloud_event",
}


# --- parsing -----------------------------------------------------------------------------------


def address(entry_point: str) -> str:
    """The Terraform address of one function instance."""
    return f'{FUNCTIONS}["{entry_point}"]'


REFERENCE = re.compile(r"\$\{([a-z_]\w*(?:\.\w+)+)\}")
ONE_OR_NONE = re.compile(r"\$\{(\S+) == null \? \[\] : \[\1\]\}")


def substitute(value: Any, scope: dict[str, Any]) -> Any:
    """Evaluate what Terraform would in `value`: each.key / each.value.x and dynamic-block iterator
    references (names in scope) and `x == null ? [] : [x]`. Anything else (var., local., resource
    attributes) stays as written, which is how the old per-function blocks are compared too."""

    def lookup(path: str) -> Any:
        root, *attributes = path.split(".")
        found = scope[root]
        for index, attribute in enumerate(attributes):
            if isinstance(found, str):  # a reference: the rest are its attributes
                return f"{found[:-1]}.{'.'.join(attributes[index:])}}}"
            found = found[attribute]
        return found

    if isinstance(value, dict):
        return {k: substitute(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, scope) for v in value]
    if not isinstance(value, str):
        return value
    if conditional := ONE_OR_NONE.fullmatch(value):
        found = lookup(conditional.group(1))
        return [] if found is None else [found]
    whole = REFERENCE.fullmatch(value)
    if whole and whole.group(1).split(".")[0] in scope:
        return lookup(whole.group(1))

    def embed(match: re.Match[str]) -> str:
        if match.group(1).split(".")[0] not in scope:
            return match.group(0)
        found = lookup(match.group(1))
        assert isinstance(found, str), f"{match.group(0)} is not a string: {found!r}"
        return found

    return REFERENCE.sub(embed, value)


def expand(body: dict[str, Any], scope: dict[str, Any]) -> dict[str, Any]:
    """One instance of a block: references substituted, `dynamic` blocks unrolled into ordinary
    nested blocks, and null arguments dropped (in Terraform, null means the argument is unset)."""
    expanded: dict[str, Any] = {}
    for key, value in body.items():
        if key.startswith("__") or key == "for_each":
            continue
        if key == "dynamic":
            for dynamic in value:
                for block, spec in dynamic.items():
                    items = substitute(spec["for_each"], scope)
                    pairs = items.items() if isinstance(items, dict) else enumerate(items)
                    (content,) = spec["content"]
                    blocks = [
                        expand(content, {**scope, block: {"key": k, "value": v}}) for k, v in pairs
                    ]
                    if blocks:  # no item, no block
                        expanded.setdefault(block, []).extend(blocks)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            expanded[key] = [expand(v, scope) for v in value]  # nested blocks
        elif (argument := substitute(value, scope)) is not None:
            expanded[key] = argument
    return expanded


@functools.cache
def functions() -> dict[str, dict[str, Any]]:
    """The function resource's instances, as `terraform plan` would see them, by for_each key."""
    bodies = resources(FUNCTION)
    assert list(bodies) == ["function"], f"one for_each resource declares the functions: {bodies}"
    body = bodies["function"]
    instances = resolve(body["for_each"])
    assert isinstance(instances, dict), body["for_each"]
    return {
        key: expand(body, {"each": {"key": key, "value": value}})
        for key, value in instances.items()
    }


def functions_by_entry_point() -> dict[str, dict[str, Any]]:
    return {one(body, "build_config")["entry_point"]: body for body in functions().values()}


def env(entry_point: str) -> dict[str, str]:
    variables: dict[str, str] = one(functions_by_entry_point()[entry_point], "service_config")[
        "environment_variables"
    ]
    return variables


def secret_env(entry_point: str) -> dict[str, dict[str, Any]]:
    """A function's secret environment variables by name."""
    service = one(functions_by_entry_point()[entry_point], "service_config")
    return {s["key"]: s for s in service.get("secret_environment_variables", [])}


def resource_name(kind: str, body: dict[str, Any]) -> str:
    return next(name for name, b in resources(kind).items() if b is body)


def walk(node: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every (dotted path, value) leaf under a parsed block."""
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in walk(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in walk(v, f"{path}[{i}]")]
    return [(path, node)]


def main_py_functions() -> dict[str, list[str]]:
    """Top-level functions of main.py and the last name of each of their decorators."""
    tree = ast.parse((ROOT / "main.py").read_text())
    found: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = []
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                names.append(ast.unparse(target).rsplit(".", 1)[-1])
            found[node.name] = names
    return found


# --- the code's contract -----------------------------------------------------------------------


def test_every_entry_point_is_deployed() -> None:
    assert set(functions_by_entry_point()) == set(EXPECTED_ENV)
    for body in functions().values():
        assert one(body, "build_config")["runtime"] == "${local.runtime}"
    assert local_values()["runtime"] == "python311"


def test_the_functions_are_one_for_each_resource_with_moved_blocks() -> None:
    (body,) = resources(FUNCTION).values()
    assert body["for_each"] == "${local.functions}"
    entries = local_values()["functions"]
    assert set(entries) == set(EXPECTED_ENV)
    # Every entry sets the same attributes (null where unset): no try() or lookup() defaults.
    shapes = {name: sorted(entry) for name, entry in entries.items()}
    assert len({tuple(shape) for shape in shapes.values()}) == 1, shapes
    # The key is the entry point, and each instance is a complete function.
    for key, instance in functions().items():
        assert one(instance, "build_config")["entry_point"] == key
        unresolved = re.findall(
            r"\$\{(?:each|event_trigger|event_filters|secret_environment_variables)\.",
            json.dumps(instance),
        )
        assert not unresolved and "dynamic" not in instance, f"{key} is not fully expanded"

    # Deployments made when each function had a resource of its own move instead of being
    # destroyed and created again.
    moves = {(m["from"], m["to"]) for m in config().get("moved", [])}
    assert moves == {(f"${{{FUNCTION}.{key}}}", f"${{{address(key)}}}") for key in EXPECTED_ENV}
    text = "\n".join(p.read_text() for p in TERRAFORM.glob("*.tf"))
    old = re.findall(rf"{FUNCTION}\.(\w+)", text)
    assert sorted(name for name in old if name != "function") == sorted(EXPECTED_ENV), (
        "only the moved blocks may name the old per-function resources"
    )


@pytest.mark.parametrize("entry_point", sorted(EXPECTED_FUNCTIONS))
def test_each_function_keeps_its_settings(entry_point: str) -> None:
    expected = EXPECTED_FUNCTIONS[entry_point]
    function = functions()[entry_point]
    assert function["name"] == expected["name"]
    assert function["project"] == "${var.project_id}"
    assert function["location"] == "${var.region}"
    assert function["labels"] == "${local.labels}"
    assert str(function["description"]).strip()
    assert one(function, "build_config") == {**BUILD, "entry_point": entry_point}

    service = dict(one(function, "service_config"))  # a copy: functions() is cached
    env_names = set(service.pop("environment_variables"))
    secret_names = {s["key"] for s in service.pop("secret_environment_variables", [])}
    assert env_names == EXPECTED_ENV[entry_point]
    assert secret_names == EXPECTED_SECRET_ENV.get(entry_point, set())
    assert service == {**expected["service"], "all_traffic_on_latest_revision": True}

    if expected["event_trigger"] is None:
        assert "event_trigger" not in function
    else:
        assert one(function, "event_trigger") == expected["event_trigger"]
    # depends_on is shared by all instances: it must hold what each function needs.
    assert expected["needs"] <= set(function["depends_on"])


@pytest.mark.parametrize("entry_point", sorted(EXPECTED_DECORATOR))
def test_entry_point_is_a_top_level_function_of_main_py(entry_point: str) -> None:
    defined = main_py_functions()
    assert entry_point in defined, (
        f"terraform deploys entry point {entry_point!r} but main.py defines no top-level "
        f"function of that name (main.py has: {sorted(defined)})"
    )
    assert EXPECTED_DECORATOR[entry_point] in defined[entry_point], (
        f"main.py's {entry_point} must be decorated @functions_framework."
        f"{EXPECTED_DECORATOR[entry_point]} for the way Terraform delivers to it"
    )


@pytest.mark.parametrize("entry_point", sorted(EXPECTED_ENV))
def test_environment_variables_are_config_names(entry_point: str) -> None:
    names = set(env(entry_point))
    unknown = names - set(ENV_VARS.values())
    assert not unknown, f"{entry_point} sets {unknown}, which functions/core/config.py never reads"
    assert {"GOOGLE_CLOUD_PROJECT", "FIRESTORE_DATABASE"} <= names
    assert names == EXPECTED_ENV[entry_point]
    secrets = set(secret_env(entry_point))
    assert secrets == EXPECTED_SECRET_ENV.get(entry_point, set())
    assert not secrets - set(ENV_VARS.values()), f"{entry_point}: unknown secret settings"
    assert not secrets & names, f"{entry_point}: a secret must not also be a plain variable"


def test_every_tuning_value_comes_from_a_validated_variable() -> None:
    variables = named("variable")
    for entry_point in EXPECTED_ENV:
        for name, value in env(entry_point).items():
            refs = re.findall(r"var\.(\w+)", value)
            if name == "DEVICE_CHANGES_TOPIC":
                continue
            if name == "IDENTITY_API_KEY":
                assert re.fullmatch(r"\$\{google_apikeys_key\.\w+\.key_string\}", value), value
                continue
            assert refs, f"{entry_point}: {name} = {value} should come from a variable"
            assert "validation" in variables[refs[0]], f"var.{refs[0]} ({name}) has no validation"


def test_firestore_trigger_watches_the_stores_device_documents() -> None:
    function = functions_by_entry_point()["on_device_written"]
    trigger = one(function, "event_trigger")
    assert resolve(trigger["event_type"]) == "google.cloud.firestore.document.v1.written"
    assert trigger["retry_policy"] == "RETRY_POLICY_RETRY"
    filters = {f["attribute"]: f for f in trigger["event_filters"]}
    assert set(filters) == {"database", "document"}
    assert filters["database"]["value"] == env("on_device_written")["FIRESTORE_DATABASE"]
    document = filters["document"]
    assert document["operator"] == "match-path-pattern"
    assert resolve(document["value"]) == f"{paths.USERS}/{{userId}}/{paths.DEVICES}/{{deviceId}}"
    ingress = one(function, "service_config")["ingress_settings"]
    assert ingress == "ALLOW_INTERNAL_ONLY"


def test_trigger_region_is_the_database_location_unless_the_operator_sets_it() -> None:
    """firebase-tools and Eventarc's own refusal point at the database's location (nam5); the
    Eventarc page's mapping (nam5 -> us-central1) is one variable away (docs/deployment.md)."""
    function = functions_by_entry_point()["on_device_written"]
    assert one(function, "event_trigger")["trigger_region"] == "${local.firestore_trigger_region}"
    (trigger,) = resources("google_eventarc_trigger").values()
    assert trigger["location"] == "${local.firestore_trigger_region}"
    expression = local_values()["firestore_trigger_region"]
    assert expression == (
        '${var.firestore_trigger_region != "" ? var.firestore_trigger_region'
        " : var.firestore_location}"
    )
    variable = named("variable")["firestore_trigger_region"]
    assert variable["default"] == ""
    assert "validation" in variable
    assert "firestore_trigger_regions" not in local_values(), "no hidden mapping any more"
    outputs = named("output")
    assert outputs["firestore_trigger_region"]["value"] == "${local.firestore_trigger_region}"


def test_device_records_reach_on_device_written_through_a_second_trigger() -> None:
    """Command records and device events, one level under the device documents, go to the same
    Cloud Run service as the function's own trigger, the same way."""
    from functions.core.paths import EVENTS

    function = functions_by_entry_point()["on_device_written"]
    own = one(function, "event_trigger")
    (trigger,) = resources("google_eventarc_trigger").values()
    criteria = {c["attribute"]: c for c in trigger["matching_criteria"]}
    assert set(criteria) == {"type", "database", "document"}
    assert resolve(criteria["type"]["value"]) == resolve(own["event_type"])
    filters = {f["attribute"]: f for f in own["event_filters"]}
    assert criteria["database"]["value"] == filters["database"]["value"]
    assert "operator" not in criteria["database"] and "operator" not in criteria["type"]
    document = criteria["document"]
    assert document["operator"] == "match-path-pattern"
    device = resolve(filters["document"]["value"])
    assert resolve(document["value"]) == f"{device}/{{collection}}/{{docId}}"
    for collection in (paths.COMMANDS, EVENTS):
        assert re.fullmatch(r"[A-Za-z]\w*", collection), "one path segment under the device"
    assert resolve(trigger["event_data_content_type"]) == "application/protobuf"
    assert trigger["location"] == own["trigger_region"]
    assert trigger["service_account"] == own["service_account_email"]

    run = one(one(trigger, "destination"), "cloud_run_service")
    on_device_written = address("on_device_written")
    assert run == {
        "service": f"${{{on_device_written}.service_config[0].service}}",
        "region": f"${{{on_device_written}.location}}",
    }
    # The trigger identity may receive events and invoke that service.
    member = own["service_account_email"].replace(".email}", ".member}")
    receivers = [
        b
        for b in resources("google_project_iam_member").values()
        if b["member"] == member and b["role"] == "roles/eventarc.eventReceiver"
    ]
    invokers = [
        b
        for b in resources("google_cloud_run_v2_service_iam_member").values()
        if b["member"] == member
    ]
    assert len(receivers) == 1
    assert [(b["name"], b["location"], b["role"]) for b in invokers] == [
        (run["service"], run["region"], "roles/run.invoker")
    ]
    needs = set(trigger["depends_on"])
    assert {
        "${google_project_iam_member.device_written_trigger_receiver}",
        "${google_cloud_run_v2_service_iam_member.device_written_trigger_invoker}",
    } <= needs


def test_a_sweep_message_reaches_on_device_change_every_minute() -> None:
    assert "cloudscheduler.googleapis.com" in local_values()["services"]
    job = resources("google_cloud_scheduler_job")["sweep"]
    assert job["schedule"] == "* * * * *"
    assert job["region"] == "${var.region}"
    target = one(job, "pubsub_target")
    topic = env("on_device_written")["DEVICE_CHANGES_TOPIC"].replace(".name}", ".id}")
    assert target["topic_name"] == topic, "the topic the push subscription delivers from"
    assert target["attributes"] == {"kind": "sweep"}
    assert target["data"] == '${base64encode("{}")}'
    from functions.core.messages import SCHEDULED, SWEEP

    assert SWEEP == "sweep" and SWEEP in SCHEDULED, "on_device_change no longer reads kind=sweep"


def test_an_accuracy_message_reaches_on_device_change_on_its_schedule() -> None:
    """The state-accuracy check (issue 19's interface): kind=accuracy on the device-changes
    topic, every 10 minutes by default, sampling ACCURACY_SAMPLE_USERS users (default 50)."""
    jobs = resources("google_cloud_scheduler_job")
    assert set(jobs) == {"sweep", "accuracy"}
    job = jobs["accuracy"]
    assert job["schedule"] == "${var.accuracy_schedule}"
    assert resolve(job["schedule"]) == "*/10 * * * *"
    target = one(job, "pubsub_target")
    assert target["topic_name"] == one(jobs["sweep"], "pubsub_target")["topic_name"]
    assert target["attributes"] == {"kind": "accuracy"}
    assert (
        env("on_device_change")["ACCURACY_SAMPLE_USERS"] == "${tostring(var.accuracy_sample_users)}"
    )
    assert named("variable")["accuracy_sample_users"]["default"] == 50


def test_the_sweep_query_has_its_composite_index() -> None:
    index = resources("google_firestore_index")["commands_sweep"]
    assert index["database"] == "${var.firestore_database}"
    assert index["collection"] == paths.COMMANDS
    assert index["query_scope"] == "COLLECTION_GROUP"
    assert [(f["field_path"], f["order"]) for f in index["fields"]] == [
        ("mode", "ASCENDING"),
        ("outcome", "ASCENDING"),
        ("deadline", "ASCENDING"),
    ]
    query = (ROOT / "functions" / "on_device_change" / "firestore_ledger.py").read_text()
    for field in ("mode", "outcome", "deadline"):
        assert f'FieldFilter("{field}"' in query, f"the sweep no longer filters on {field}"


def test_bookkeeping_expires_through_ttl_policies() -> None:
    from functions.account_linking.records import CODES, FAILURES, REQUESTS
    from functions.core.paths import EVENTS
    from functions.on_device_change.ledger import QUOTA

    expected = {
        paths.COMMANDS: "expireAt",
        EVENTS: "expireAt",
        QUOTA: "expireAt",
        FAILURES: "expiresAt",
        REQUESTS: "expiresAt",
        CODES: "expiresAt",
        paths.TOKENS: "expiresAt",
    }
    assert local_values()["ttl_fields"] == expected
    code = {
        "expireAt": ("devices/backend.py", "on_device_change/firestore_ledger.py"),
        "expiresAt": (
            "account_linking/records.py",
            "account_linking/firestore_records.py",
            "account_linking/grants.py",
            "core/tokens.py",
        ),
    }
    for field, modules in code.items():
        for module in modules:
            source = (ROOT / "functions" / module).read_text()
            assert f'"{field}"' in source, f"functions/{module} no longer writes {field}"
    ttl = resources("google_firestore_field")["ttl"]
    assert ttl["for_each"] == "${local.ttl_fields}"
    assert (ttl["collection"], ttl["field"]) == ("${each.key}", "${each.value}")
    assert ttl["database"] == "${var.firestore_database}"
    assert ttl["ttl_config"] == [{}]
    assert ttl["index_config"] == [{}], "TTL fields are never queried: no single-field index"


def test_command_records_awaiting_an_outcome_are_indexed_for_backends() -> None:
    """docs/devices.md's listeners: outcome == null per device and across the fleet."""
    field = resources("google_firestore_field")["commands_outcome"]
    assert (field["collection"], field["field"]) == (paths.COMMANDS, "outcome")
    scopes = {i["query_scope"] for i in field["index_config"][0]["indexes"]}
    assert scopes == {"COLLECTION", "COLLECTION_GROUP"}


def test_device_changes_flow_from_publisher_to_on_device_change() -> None:
    topic_ref = env("on_device_written")["DEVICE_CHANGES_TOPIC"]
    match = re.fullmatch(r"\$\{google_pubsub_topic\.(\w+)\.name\}", topic_ref)
    assert match, f"DEVICE_CHANGES_TOPIC should be a topic's name, not {topic_ref}"
    topic = match.group(1)
    assert topic in resources("google_pubsub_topic")

    publishers = [
        b
        for b in resources("google_pubsub_topic_iam_member").values()
        if b["member"] == "${google_service_account.on_device_written.member}"
    ]
    assert [(b["topic"], b["role"]) for b in publishers] == [
        (f"${{google_pubsub_topic.{topic}.name}}", "roles/pubsub.publisher")
    ]
    written_sa = one(functions_by_entry_point()["on_device_written"], "service_config")
    assert (
        written_sa["service_account_email"] == "${google_service_account.on_device_written.email}"
    )
    granted = {
        body["role"]
        for kind in resources_with_member()
        for body in resources(kind).values()
        if body.get("member") == "${google_service_account.on_device_written.member}"
    }
    assert granted == {"roles/pubsub.publisher"}, "on_device_written needs no Firestore role"

    change = functions_by_entry_point()["on_device_change"]
    if "event_trigger" in change:  # a function-managed trigger must read the same topic
        assert (
            one(change, "event_trigger")["pubsub_topic"] == f"${{google_pubsub_topic.{topic}.id}}"
        )
        return
    pushes = [
        s
        for s in resources("google_pubsub_subscription").values()
        if "push_config" in s
        and f"{address('on_device_change')}." in one(s, "push_config")["push_endpoint"]
    ]
    assert len(pushes) == 1, "exactly one push subscription must feed on_device_change"
    push = pushes[0]
    assert push["topic"] == f"${{google_pubsub_topic.{topic}.id}}"
    assert push["enable_message_ordering"] is True
    assert one(change, "service_config")["ingress_settings"] == "ALLOW_INTERNAL_ONLY"


def test_failing_device_changes_are_dead_lettered_and_kept() -> None:
    subscriptions = resources("google_pubsub_subscription")
    push = next(s for s in subscriptions.values() if "push_config" in s)
    policy = one(push, "dead_letter_policy")
    dead = re.fullmatch(r"\$\{google_pubsub_topic\.(\w+)\.id\}", policy["dead_letter_topic"])
    assert dead and dead.group(1) != re.findall(r"google_pubsub_topic\.(\w+)", push["topic"])[0]
    keepers = [s for s in subscriptions.values() if s["topic"] == policy["dead_letter_topic"]]
    assert keepers, "dead letters published to a topic without a subscription are lost"

    agent = "${local.pubsub_service_agent}"
    topic_grants = {
        (b["topic"], b["role"])
        for b in resources("google_pubsub_topic_iam_member").values()
        if b["member"] == agent
    }
    assert (
        f"${{google_pubsub_topic.{dead.group(1)}.name}}",
        "roles/pubsub.publisher",
    ) in topic_grants
    sub_name = next(k for k, v in subscriptions.items() if v is push)
    sub_grants = {
        (b["subscription"], b["role"])
        for b in resources("google_pubsub_subscription_iam_member").values()
        if b["member"] == agent
    }
    assert (
        f"${{google_pubsub_subscription.{sub_name}.name}}",
        "roles/pubsub.subscriber",
    ) in sub_grants


# --- least privilege ---------------------------------------------------------------------------


def test_no_primitive_role_is_granted_anywhere() -> None:
    for block in config().get("resource", []):
        for kind, instances in block.items():
            assert not kind.endswith(("_iam_policy", "_iam_binding")), (
                f"{kind}: authoritative IAM would remove grants this configuration does not own"
            )
            for name, body in instances.items():
                for path, value in walk(body):
                    if isinstance(value, str):
                        found = PRIMITIVE_ROLES & set(re.findall(r"roles/\w+", value))
                        assert not found, f"{kind}.{name}{path} grants {found}"
    text = "\n".join(p.read_text() for p in TERRAFORM.glob("*.tf"))
    assert not PRIMITIVE_ROLES & set(re.findall(r"roles/\w+", text))


def test_only_fulfillment_and_account_linking_are_public() -> None:
    public = sorted(
        (kind, name)
        for kind in resources_with_member()
        for name, body in resources(kind).items()
        if body.get("member") in {"allUsers", "allAuthenticatedUsers"}
    )
    assert {kind for kind, _ in public} == {"google_cloud_run_v2_service_iam_member"}
    grants = resources("google_cloud_run_v2_service_iam_member")
    invoked = set()
    for _, name in public:
        grant = grants[name]
        assert grant["role"] == "roles/run.invoker"
        assert grant["member"] == "allUsers"
        match = re.search(rf'{re.escape(FUNCTIONS)}\["(\w+)"\]\.service_config', grant["name"])
        assert match, grant["name"]
        body = functions()[match.group(1)]
        invoked.add(one(body, "build_config")["entry_point"])
    assert invoked == PUBLIC and len(public) == len(PUBLIC)
    # checkov sees the for_each resource once, and its CKV_GCP_124 skip (for the public two)
    # covers every instance: this is the check that keeps the others internal.
    for entry_point, body in functions_by_entry_point().items():
        ingress = one(body, "service_config")["ingress_settings"]
        expected = "ALLOW_ALL" if entry_point in PUBLIC else "ALLOW_INTERNAL_ONLY"
        assert ingress == expected, (entry_point, ingress)


def resources_with_member() -> list[str]:
    return sorted(
        {
            kind
            for block in config().get("resource", [])
            for kind in block
            if kind.endswith("_member")
        }
    )


def test_each_function_runs_as_its_own_service_account() -> None:
    emails = [one(body, "service_config")["service_account_email"] for body in functions().values()]
    assert len(set(emails)) == len(emails) == len(EXPECTED_ENV)
    assert all(e.startswith("${google_service_account.") for e in emails)


# --- what gets deployed ------------------------------------------------------------------------


def test_archive_ships_only_main_py_requirements_and_the_functions_package() -> None:
    archive = data_sources("archive_file")["source"]
    dynamic = archive["dynamic"][0]["source"]
    assert dynamic["for_each"] == "${local.source_files}"
    expression = local_values()["source_files"]
    literals = re.findall(r'"([^"$]+)"', expression.replace("\\", ""))
    assert {"main.py", "requirements.txt", "functions/**"} <= set(literals)
    for forbidden in ("tests", "devstack", ".venv", "terraform"):
        assert not any(lit.startswith(forbidden) for lit in literals), forbidden

    # What that allow-list selects in this checkout.
    shipped = {"main.py", "requirements.txt"} | {
        str(p.relative_to(ROOT))
        for p in (ROOT / "functions").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert "functions/__init__.py" in shipped
    assert not [p for p in shipped if p.split("/")[0] in {"tests", "devstack", ".venv"}]
    assert all((ROOT / p).exists() for p in ("main.py", "requirements.txt"))

    obj = resources("google_storage_bucket_object")["source"]
    assert "data.archive_file.source.output_md5" in obj["name"], "object named by content hash"


def test_source_bucket_is_private_and_versioned() -> None:
    bucket = resources("google_storage_bucket")["source"]
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["public_access_prevention"] == "enforced"
    assert one(bucket, "versioning")["enabled"] is True


# --- variables, outputs, secrets -----------------------------------------------------------------


def test_every_variable_is_typed_and_described() -> None:
    variables = named("variable")
    assert variables
    for name, body in variables.items():
        assert body.get("type"), f"variable {name} has no type"
        assert str(body.get("description", "")).strip(), f"variable {name} has no description"


def test_every_output_is_described_and_none_is_secret() -> None:
    outputs = named("output")
    assert "fulfillment_url" in outputs
    for name, body in outputs.items():
        assert str(body.get("description", "")).strip(), f"output {name} has no description"
        assert not body.get("sensitive"), f"output {name} is sensitive: outputs hold no secrets"
        assert "secret_version" not in str(body["value"]) and "random_" not in str(body["value"])


def test_no_secret_value_lives_in_terraform() -> None:
    """No secret in variables or outputs; the client secret's one version takes its data from a
    generated random_password (so one apply works), never from a literal or a variable."""
    for name, body in named("variable").items():
        if re.search(r"secret|password|token_value|client_secret", name):
            # Only a switch may have a default: no variable carries a secret value.
            assert "default" not in body or body.get("type") == "bool", (
                f"variable {name} must not have a default"
            )
    versions = resources("google_secret_manager_secret_version")
    assert sorted(versions) == ["oauth_client_secret", "token_mac_key"]
    key = versions["token_mac_key"]
    assert key["secret_data"] == "${random_password.token_mac_key.result}"
    assert resources("random_password")["token_mac_key"]["length"] >= 43
    version = versions["oauth_client_secret"]
    assert version["secret_data"] == "${random_password.oauth_client_secret[0].result}"
    assert version["count"] == "${var.generate_oauth_client_secret ? 1 : 0}"
    password = resources("random_password")["oauth_client_secret"]
    assert password["count"] == version["count"]
    assert password["length"] >= 43, "at least 256 bits of letters and digits"
    assert named("variable")["generate_oauth_client_secret"]["default"] is True
    # No data source copies a payload into the state, and no output or variable carries one.
    assert not data_sources("google_secret_manager_secret_version")
    assert not data_sources("google_secret_manager_secret_version_access")
    text = "\n".join(p.read_text() for p in TERRAFORM.glob("*.tf"))
    assert text.count("random_password.oauth_client_secret[0].result") == 1


def test_the_client_secret_comes_from_secret_manager() -> None:
    secrets = resources("google_secret_manager_secret")
    variable = secret_env("account_linking")["OAUTH_CLIENT_SECRET"]
    match = re.fullmatch(
        r"\$\{google_secret_manager_secret\.(\w+)\.secret_id\}", variable["secret"]
    )
    assert match and match.group(1) in secrets, variable["secret"]
    assert variable["version"] == "latest"
    # The project number: the API reports the number, so the id would diff on every plan.
    assert variable["project_id"] == "${data.google_project.this.number}"
    for entry_point in EXPECTED_ENV:
        assert "OAUTH_CLIENT_SECRET" not in env(entry_point), (
            "the secret must not be a plain variable"
        )
        assert "secret" not in str(env(entry_point)), f"{entry_point} reads a secret as plain text"


def test_only_account_linking_can_read_the_client_secret() -> None:
    linking = one(functions_by_entry_point()["account_linking"], "service_config")
    account = re.fullmatch(
        r"\$\{google_service_account\.(\w+)\.email\}", linking["service_account_email"]
    )
    assert account, linking["service_account_email"]
    member = f"${{google_service_account.{account.group(1)}.member}}"

    secret_kinds = [k for k in resources_with_member() if k.startswith("google_secret_manager")]
    assert secret_kinds == ["google_secret_manager_secret_iam_member"]
    grants = list(resources("google_secret_manager_secret_iam_member").values())
    secret = re.fullmatch(
        r"\$\{google_secret_manager_secret\.(\w+)\.secret_id\}",
        secret_env("account_linking")["OAUTH_CLIENT_SECRET"]["secret"],
    )
    assert secret
    client_secret = f"${{google_secret_manager_secret.{secret.group(1)}.secret_id}}"
    assert [(g["role"], g["member"]) for g in grants if g["secret_id"] == client_secret] == [
        ("roles/secretmanager.secretAccessor", member)
    ]
    # The token key: read by account_linking (it signs) and the fulfillment (it checks) alone.
    key = secret_env("fulfillment")["TOKEN_MAC_KEY"]["secret"]
    assert key == secret_env("account_linking")["TOKEN_MAC_KEY"]["secret"] != client_secret
    fulfillment = one(functions_by_entry_point()["fulfillment"], "service_config")
    readers = {fulfillment["service_account_email"], linking["service_account_email"]}
    assert sorted((g["role"], g["member"]) for g in grants if g["secret_id"] == key) == sorted(
        ("roles/secretmanager.secretAccessor", email.replace(".email}", ".member}"))
        for email in readers
    )
    assert {g["secret_id"] for g in grants} == {client_secret, key}
    # No project-, folder- or account-wide grant could open the secret to anyone else.
    for kind in resources_with_member():
        for name, body in resources(kind).items():
            role = str(body.get("role", ""))
            if kind != "google_secret_manager_secret_iam_member":
                assert "secretmanager" not in role, f"{kind}.{name} grants {role}"
    # The account holds nothing but Firestore besides the secret.
    roles = {
        (kind, body["role"])
        for kind in resources_with_member()
        for body in resources(kind).values()
        if body.get("member") == member
    }
    assert roles == {
        ("google_project_iam_member", "roles/datastore.user"),
        ("google_secret_manager_secret_iam_member", "roles/secretmanager.secretAccessor"),
    }


def test_sign_in_uses_identity_platform_email_and_password() -> None:
    services = local_values()["services"]
    assert "identitytoolkit.googleapis.com" in services and "apikeys.googleapis.com" in services
    (config,) = resources("google_identity_platform_config").values()
    email = one(one(config, "sign_in"), "email")
    assert email["enabled"] is True and email["password_required"] is True

    api_key = env("account_linking")["IDENTITY_API_KEY"]
    name = re.findall(r"google_apikeys_key\.(\w+)\.", api_key)[0]
    restrictions = one(resources("google_apikeys_key")[name], "restrictions")
    targets = restrictions["api_targets"]
    assert [t["service"] for t in targets] == ["identitytoolkit.googleapis.com"]


def test_outputs_are_what_the_account_linking_page_asks_for() -> None:
    outputs = named("output")
    linking = f"{address('account_linking')}.service_config[0].uri"
    assert outputs["account_linking_authorization_url"]["value"] == f"${{{linking}}}/authorize"
    assert outputs["account_linking_token_url"]["value"] == f"${{{linking}}}/token"
    assert outputs["oauth_client_id"]["value"] == "${var.oauth_client_id}"
    assert env("account_linking")["OAUTH_CLIENT_ID"] == outputs["oauth_client_id"]["value"], (
        "the console must be given the id the function checks"
    )
    assert "default" not in named("variable")["oauth_client_id"], "the operator chooses the id"


# --- tools ---------------------------------------------------------------------------------------


@functools.cache
def checkov_report() -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.skip(f"{CHECKOV} missing: `make test` creates it (make checkov)")
    result = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(TERRAFORM),
            "--framework",
            "terraform",
            "--compact",
            "--skip-download",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.stdout.strip(), f"checkov printed nothing: {result.stderr[-2000:]}"
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_checkov_finds_nothing_that_is_not_skipped_with_a_reason() -> None:
    report = checkov_report()
    results = report["results"]
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in results["failed_checks"]
    ]
    assert not failed, "checkov failed checks:\n" + "\n".join(failed)
    assert not results.get("parsing_errors")
    skipped = results.get("skipped_checks", [])
    for check in skipped:
        reason = (check["check_result"].get("suppress_comment") or "").strip()
        assert len(reason) > 20, (
            f"{check['check_id']} on {check['resource']} is skipped without a reason"
        )

    text = "\n".join(p.read_text() for p in TERRAFORM.glob("*.tf"))
    skips = re.findall(r"#checkov:skip=([^:\s]+):?(.*)", text)
    for check_id, reason in skips:
        assert re.fullmatch(r"CKV2?_[A-Z]+_\d+", check_id), check_id
        assert reason.strip(), f"#checkov:skip={check_id} names no reason"
    used = {c["check_id"] for c in skipped}
    assert {c for c, _ in skips} <= used, "a #checkov:skip comment no longer matches a check"


def test_terraform_is_formatted() -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not installed")
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-diff", str(TERRAFORM)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"run `terraform fmt -recursive terraform`:\n{result.stdout}"


def test_every_setting_but_the_local_ones_is_deployed() -> None:
    deployed = set().union(*EXPECTED_ENV.values(), *EXPECTED_SECRET_ENV.values())
    assert deployed == set(ENV_VARS.values()) - LOCAL_ONLY
    text = "\n".join(p.read_text() for p in TERRAFORM.glob("*.tf"))
    for name in LOCAL_ONLY:
        assert name not in text, f"{name} is local-only and must never be deployed"


# --- capacity, recovery, protection -----------------------------------------------------------


@pytest.mark.parametrize("entry_point", sorted(EXPECTED_ENV))
def test_each_function_has_capacity_knobs_with_todays_defaults(entry_point: str) -> None:
    """Memory, CPU and concurrency per function; unset, they are today's values (256M, Cloud
    Run's CPU share for it, one request per instance), and each is validated."""
    variable = named("variable")[f"{entry_point}_capacity"]
    assert variable["type"] == (
        '${object({memory = optional(string, "256M"), cpu = optional(string), '
        "concurrency = optional(number, 1)})}"
    )
    assert variable["default"] == {}
    rules = " ".join(v["condition"] for v in variable["validation"])
    for attribute in ("memory", "cpu", "concurrency"):
        assert f"var.{entry_point}_capacity.{attribute}" in rules, attribute
    # Cloud Run refuses concurrency above 1 below 1 vCPU: so does the variable.
    assert any(
        "concurrency == 1 ||" in v["condition"] and "cpu" in v["condition"]
        for v in variable["validation"]
    )
    assert (
        local_values()["functions"][entry_point]["capacity"] == f"${{var.{entry_point}_capacity}}"
    )
    assert "function_memory" not in named("variable"), "one memory setting per function"


def test_recovery_is_a_setting_and_on_in_the_production_profile() -> None:
    variables = named("variable")
    assert variables["firestore_point_in_time_recovery"]["default"] is False
    assert variables["firestore_backup_retention_days"]["default"] == 0
    (database,) = resources("google_firestore_database").values()
    assert database["point_in_time_recovery_enablement"] == (
        '${var.firestore_point_in_time_recovery ? "POINT_IN_TIME_RECOVERY_ENABLED"'
        ' : "POINT_IN_TIME_RECOVERY_DISABLED"}'
    )
    schedule = resources("google_firestore_backup_schedule")["this"]
    assert schedule["count"] == "${var.firestore_backup_retention_days > 0 ? 1 : 0}"
    assert schedule["retention"] == "${var.firestore_backup_retention_days * 86400}s"
    assert schedule["database"] == "${var.firestore_database}"
    recurrences = {name for block in schedule["dynamic"] for name in block}
    assert recurrences == {"daily_recurrence", "weekly_recurrence"}

    profile = (TERRAFORM / "production.tfvars.example").read_text()
    settings = dict(re.findall(r"^(\w+)\s*=\s*(\S+)", profile, re.MULTILINE))
    assert settings["firestore_point_in_time_recovery"] == "true"
    assert int(settings["firestore_backup_retention_days"]) > 0
    assert settings["deletion_protection"] == "true"
    assert set(settings) <= set(variables), "the profile sets only declared variables"


def test_data_is_delete_protected() -> None:
    (database,) = resources("google_firestore_database").values()
    assert database["delete_protection_state"] == "DELETE_PROTECTION_ENABLED"
    assert database["deletion_policy"] == "ABANDON"
    secret = resources("google_secret_manager_secret")["oauth_client_secret"]
    assert secret["deletion_protection"] == "${var.deletion_protection}"
    assert named("variable")["deletion_protection"]["default"] is True
