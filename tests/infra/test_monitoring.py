"""terraform/monitoring.tf watches what the issue names, and every alert has its runbook entry.

Offline, from the parsed HCL: the Home Vitals SLOs and their targets, an alert per concern, each
notifying the configured channels and naming a section of docs/operations.md that says what it
means, what to look at and what to do.
"""

import re
from collections import Counter
from typing import Any

from tests.infra.terraform_config import (
    ROOT,
    local_values,
    named,
    one,
    resolve,
    resources,
)

OPERATIONS = ROOT / "docs" / "operations.md"
RUNBOOK_PARTS = ("**What it means.**", "**What to look at.**", "**What to do.**")
# What must page an operator (issue 19), by the alert policy that does.
CONCERNS = {
    "home_vitals": "fulfillment success and p90 latency per intent, Home Graph call success",
    "state_accuracy": "state accuracy below 99.5%",
    "dead_letters": "dead letters present",
    "oldest_unacked": "oldest unacknowledged message age",
    "given_up": "messages given up",
    "instances_at_max": "instances at their maximum",
    "server_errors": "5xx rate",
    "homegraph_budget": "Home Graph budget near exhaustion",
    "token_throttled": "client authentication throttled",
}


def sections() -> dict[str, str]:
    """docs/operations.md's sections by GitHub anchor: anchor -> text up to the next heading."""
    text = OPERATIONS.read_text()
    seen: Counter[str] = Counter()
    found = {}
    parts = re.split(r"^(#+ .+)$", text, flags=re.MULTILINE)
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        slug = re.sub(r"[^\w\- ]", "", heading.lstrip("#").strip().lower()).replace(" ", "-")
        found[f"{slug}-{seen[slug]}" if seen[slug] else slug] = body
        seen[slug] += 1
    return found


def policies() -> dict[str, dict[str, Any]]:
    return resources("google_monitoring_alert_policy")


def runbook_anchors(policy: dict[str, Any]) -> set[str]:
    """The sections of docs/operations.md a policy's documentation names (for_each expanded)."""
    content = one(policy, "documentation")["content"]
    anchor = re.search(r"#([\w${}.\[\]-]+)$", content)
    assert anchor, content
    if anchor.group(1) == "${each.value[1]}":
        return {runbook for _, runbook in local_values()["slo_alerts"].values()}
    return {anchor.group(1)}


def test_every_concern_has_an_alert_policy() -> None:
    assert set(policies()) == set(CONCERNS)


def test_every_alert_names_a_runbook_section_with_its_three_parts() -> None:
    found = sections()
    for name, policy in policies().items():
        assert one(policy, "documentation")["content"].startswith("Runbook: ${local.runbook}#")
        for anchor in runbook_anchors(policy):
            assert anchor in found, f"{name}: docs/operations.md has no section #{anchor}"
            for part in RUNBOOK_PARTS:
                assert part in found[anchor], f"#{anchor} lacks {part}"


def test_the_runbook_has_no_section_without_an_alert() -> None:
    documented = {a for a, body in sections().items() if RUNBOOK_PARTS[0] in body}
    alerted = set().union(*(runbook_anchors(p) for p in policies().values()))
    assert documented == alerted


def test_every_alert_notifies_the_configured_channels() -> None:
    channels = local_values()["notification_channels"]
    assert "var.notification_channels" in channels
    assert "google_monitoring_notification_channel.email" in channels
    for name, policy in policies().items():
        assert policy["notification_channels"] == "${local.notification_channels}", name
        assert policy["combiner"] == "OR"
    email = resources("google_monitoring_notification_channel")["email"]
    assert email["count"] == '${var.alert_email == "" ? 0 : 1}'


def test_the_home_vitals_slos_have_googles_targets() -> None:
    slos = resources("google_monitoring_slo")
    assert set(slos) == {"fulfillment_success", "fulfillment_latency", "homegraph_success"}
    assert local_values()["graded_intents"] == '${toset(["QUERY", "EXECUTE"])}'
    assert slos["fulfillment_success"]["goal"] == 0.995
    assert slos["homegraph_success"]["goal"] == 0.995
    latency = slos["fulfillment_latency"]
    assert latency["goal"] == 0.9, "90% of requests within the bound is a p90 at the bound"
    cut = one(one(latency, "request_based_sli"), "distribution_cut")
    assert one(cut, "range") == {"max": 1000}
    buckets = local_values()["log_metrics"]["fulfillment_latency"]["buckets"]
    assert 1000 in buckets, "the SLO's cut must be a bucket bound"
    home_graph = one(one(slos["homegraph_success"], "request_based_sli"), "good_total_ratio")
    assert 'metric.label.status="200"' in home_graph["good_service_filter"]
    for slo in slos.values():
        assert slo["rolling_period_days"] == 28
    # One burn-rate alert per SLO, over an hour, firing above 1.
    alerts = local_values()["slo_alerts"]
    assert set(alerts) == {
        "fulfillment-success-query",
        "fulfillment-success-execute",
        "fulfillment-latency-query",
        "fulfillment-latency-execute",
        "homegraph-success",
    }
    condition = one(one(policies()["home_vitals"], "conditions"), "condition_threshold")
    assert condition["filter"] == 'select_slo_burn_rate("${local.slos[each.key]}", "3600s")'
    assert (condition["comparison"], condition["threshold_value"]) == ("COMPARISON_GT", 1)


def test_state_accuracy_alerts_below_99_5_percent_and_when_unmeasured() -> None:
    conditions = policies()["state_accuracy"]["conditions"]
    low = one(conditions[0], "condition_threshold")
    assert "local.metric_type.state_accuracy" in low["filter"]
    assert (low["comparison"], low["threshold_value"]) == ("COMPARISON_LT", 0.995)
    assert one(low, "aggregations")["per_series_aligner"] == "ALIGN_MEAN"
    absent = one(conditions[1], "condition_absent")
    assert "local.metric_type.state_accuracy" in absent["filter"]
    # The check runs every 10 minutes: 40 minutes without a figure is four missed runs.
    assert absent["duration"] == "2400s"


def test_pubsub_alerts_watch_the_right_subscriptions() -> None:
    dead = one(one(policies()["dead_letters"], "conditions"), "condition_threshold")
    assert "num_undelivered_messages" in dead["filter"]
    assert "google_pubsub_subscription.device_changes_dead_letter.name" in dead["filter"]
    assert (dead["comparison"], dead["threshold_value"]) == ("COMPARISON_GT", 0)
    oldest = one(one(policies()["oldest_unacked"], "conditions"), "condition_threshold")
    assert "oldest_unacked_message_age" in oldest["filter"]
    assert "google_pubsub_subscription.device_changes_push.name" in oldest["filter"]
    assert oldest["threshold_value"] == "${var.oldest_unacked_alert_seconds}"


def test_instances_at_max_covers_every_function_at_its_own_maximum() -> None:
    dynamic = policies()["instances_at_max"]["dynamic"][0]["conditions"]
    assert dynamic["for_each"] == "${local.functions}"
    condition = one(dynamic["content"][0], "condition_threshold")
    assert "run.googleapis.com/container/instance_count" in condition["filter"]
    assert condition["threshold_value"] == "${conditions.value.max_instance_count - 0.5}"
    assert condition["comparison"] == "COMPARISON_GT"


def test_server_errors_watch_the_http_functions_as_a_ratio() -> None:
    dynamic = policies()["server_errors"]["dynamic"][0]["conditions"]
    assert dynamic["for_each"] == '${toset(["fulfillment", "account_linking"])}'
    condition = one(dynamic["content"][0], "condition_threshold")
    assert 'response_code_class="5xx"' in condition["filter"]
    assert "response_code_class" not in condition["denominator_filter"]
    assert condition["threshold_value"] == "${var.server_error_alert_ratio}"


def test_log_metrics_count_only_this_deployments_functions() -> None:
    metric = resources("google_logging_metric")["metric"]
    assert metric["for_each"] == "${local.log_metrics}"
    assert 'resource.labels.service_name=~"^${var.name_prefix}-"' in metric["filter"]
    assert metric["name"] == "${var.name_prefix}_${each.key}"
    for name, spec in local_values()["log_metrics"].items():
        assert ("EXTRACT" in str(spec["value"])) == (spec["buckets"] is not None), name


def test_the_dashboard_charts_every_metric_and_the_budget_is_optional() -> None:
    charts = str(local_values()["dashboard_charts"])
    for metric in local_values()["log_metrics"]:
        assert f"local.metric_type.{metric}" in charts, f"no chart of {metric}"
    (budget,) = resources("google_billing_budget").values()
    assert budget["count"] == '${var.billing_account == "" ? 0 : 1}'
    assert resolve("${var.billing_account}") == ""
    thresholds = [rule["threshold_percent"] for rule in budget["threshold_rules"]]
    assert thresholds == [0.5, 0.9, 1.0, 1.0]
    assert "validation" in named("variable")["billing_account"]
