"""One apply on an empty project: the dependency graph of terraform/*.tf.

Terraform creates what does not depend on each other in parallel, so a service account or an IAM
grant with no dependency on API enablement races it, and a function or trigger created before the
Eventarc and Pub/Sub service agents hold their roles fails ("Permission denied while using the
Eventarc Service Agent"). The graph is read offline from the HCL (python-hcl2): an edge for every
address an expression names, depends_on included, through locals too.
"""

from typing import Any

import pytest

from tests.infra.terraform_config import all_resources, local_values, references

# Enabling the APIs, and the wait for them to propagate (agents.tf).
API_ENABLEMENT = "google_project_service.enabled"
API_GATE = "time_sleep.apis"
# The wait after the Eventarc and Pub/Sub service agents exist and hold their roles.
AGENT_GATE = "time_sleep.service_agents"
# What must depend explicitly (depends_on) on the API gate, and the API each kind needs.
REQUIRED_API = {
    "google_service_account": "iam.googleapis.com",
    "google_project_iam_member": "cloudresourcemanager.googleapis.com",
    "google_service_account_iam_member": "iam.googleapis.com",
    "google_cloud_run_v2_service_iam_member": "run.googleapis.com",
    "google_secret_manager_secret_iam_member": "secretmanager.googleapis.com",
    "google_artifact_registry_repository_iam_member": "artifactregistry.googleapis.com",
    "google_pubsub_topic_iam_member": "pubsub.googleapis.com",
    "google_pubsub_subscription_iam_member": "pubsub.googleapis.com",
    "google_cloudfunctions2_function": "cloudfunctions.googleapis.com",
    "google_project_service_identity": "serviceusage.googleapis.com",
}
# Created by Google when the functions deploy, or needing the agents: they wait for AGENT_GATE.
NEEDS_AGENTS = {
    "google_cloudfunctions2_function.function",
    "google_eventarc_trigger.device_records",
    "google_pubsub_subscription.device_changes_push",
}
# Always enabled in a project; Terraform needs it to enable the others.
ALWAYS_ON = {"serviceusage.googleapis.com"}
# Blocks that need no Google API: the gates themselves and the providers' local resources.
NO_API = {
    API_ENABLEMENT,
    API_GATE,
    "time_sleep.log_metrics",
    "random_password.oauth_client_secret",
    "random_password.token_mac_key",
}


def graph(blocks: dict[str, Any]) -> dict[str, set[str]]:
    """Address -> the addresses its body names (resources, data sources and locals)."""
    nodes = {**blocks, **{f"local.{name}": value for name, value in local_values().items()}}
    return {address: references(body) & set(nodes) for address, body in nodes.items()}


def reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return False


def depends_on(body: dict[str, Any]) -> set[str]:
    return {entry.strip("${}") for entry in body.get("depends_on", [])}


def problems(blocks: dict[str, Any]) -> list[str]:
    """What in `blocks` could be created before the API or the agents it needs."""
    edges = graph(blocks)
    services = set(local_values()["services"].replace('"', " ").split()) | ALWAYS_ON
    found = []
    for address, body in sorted(blocks.items()):
        kind = address.split(".")[0]
        if kind in REQUIRED_API:
            if API_GATE not in depends_on(body):
                found.append(f"{address}: no depends_on {API_GATE}")
            if REQUIRED_API[kind] not in services:
                found.append(f"{address}: its API {REQUIRED_API[kind]} is not enabled")
        if address not in NO_API and not reaches(edges, address, API_ENABLEMENT):
            found.append(f"{address}: does not wait for API enablement")
        if address in NEEDS_AGENTS and AGENT_GATE not in depends_on(body):
            found.append(f"{address}: no depends_on {AGENT_GATE}")
    return found


def test_nothing_is_created_before_its_api_or_the_service_agents() -> None:
    assert problems(all_resources()) == []


def test_every_service_account_and_grant_is_covered() -> None:
    """The rule applies to what the issue names: seven service accounts, every IAM grant."""
    kinds = {address.split(".")[0] for address in all_resources()}
    grants = {kind for kind in kinds if kind.endswith("_iam_member")}
    assert grants <= set(REQUIRED_API), f"an IAM kind without its API: {grants - set(REQUIRED_API)}"
    accounts = [a for a in all_resources() if a.startswith("google_service_account.")]
    assert len(accounts) == 7


def test_the_gates_wait_for_the_apis_and_the_agents() -> None:
    resources = all_resources()
    edges = graph(resources)
    assert reaches(edges, API_GATE, API_ENABLEMENT)
    assert resources[API_GATE]["create_duration"] == "${var.api_propagation_wait}"
    assert resources[AGENT_GATE]["create_duration"] == "${var.service_agent_wait}"
    # The agents exist (service identities), Eventarc's holds its role, Pub/Sub's its grants.
    agents = depends_on(resources[AGENT_GATE])
    assert {
        "google_project_iam_member.eventarc_agent",
        "google_service_account_iam_member.pubsub_agent_token_creator",
        "google_pubsub_topic_iam_member.pubsub_agent_dead_letter_publisher",
    } <= agents
    for identity in ("eventarc", "pubsub"):
        body = resources[f"google_project_service_identity.{identity}"]
        assert body["service"] == f"{identity}.googleapis.com"
        assert body["provider"] == "google-beta"
    assert reaches(edges, AGENT_GATE, "google_project_service_identity.eventarc")
    assert reaches(edges, AGENT_GATE, "google_project_service_identity.pubsub")
    eventarc_role = resources["google_project_iam_member.eventarc_agent"]
    assert eventarc_role["role"] == "roles/eventarc.serviceAgent"


def test_account_linking_starts_with_a_secret_version() -> None:
    """account_linking reads version "latest" at start: the version exists before it deploys;
    so does the token key's, which the fulfillment reads too."""
    edges = graph(all_resources())
    function = "google_cloudfunctions2_function.function"
    assert "google_secret_manager_secret_version.oauth_client_secret" in edges[function]
    assert "google_secret_manager_secret_version.token_mac_key" in edges[function]


@pytest.mark.parametrize(
    ("address", "change", "expected"),
    [
        (
            "google_service_account.fulfillment",
            lambda body: body.pop("depends_on"),
            "google_service_account.fulfillment: no depends_on time_sleep.apis",
        ),
        (
            "google_project_iam_member.build",
            lambda body: body.update(depends_on=["${google_storage_bucket.source}"]),
            "google_project_iam_member.build: no depends_on time_sleep.apis",
        ),
        (
            "google_eventarc_trigger.device_records",
            lambda body: body.update(depends_on=["${time_sleep.apis}"]),
            "google_eventarc_trigger.device_records: no depends_on time_sleep.service_agents",
        ),
        (
            "google_pubsub_topic.device_changes",
            lambda body: body.pop("depends_on"),
            "google_pubsub_topic.device_changes: does not wait for API enablement",
        ),
    ],
)
def test_the_check_catches_a_missing_dependency(address: str, change: Any, expected: str) -> None:
    blocks = {a: dict(body) for a, body in all_resources().items()}
    change(blocks[address])
    assert expected in problems(blocks)


def cycle(edges: dict[str, set[str]]) -> list[str]:
    """One dependency cycle, as the addresses along it, or [] (Terraform refuses a cycle)."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = 2
        path.pop()
        return []

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_the_waits_add_no_dependency_cycle() -> None:
    assert cycle(graph(all_resources())) == []
    # The check sees one: the agents' wait made to depend on a function that waits for it.
    blocks = {a: dict(body) for a, body in all_resources().items()}
    blocks[AGENT_GATE]["depends_on"] = ["${google_cloudfunctions2_function.function}"]
    assert AGENT_GATE in cycle(graph(blocks))
