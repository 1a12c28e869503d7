# What watches the deployment: log-based metrics from the functions' structured logs, Home Vitals
# SLOs, the alert policies that page an operator, one dashboard and an optional billing budget.
# Every alert's documentation links its runbook entry in docs/operations.md (what it means, what
# to look at, what to do); tests/infra/test_monitoring.py checks both sides.
#
# The functions log one JSON object per line (functions/core/logs.py): Cloud Run turns it into
# jsonPayload, with the line's `message` and fields, and severity. The messages counted here are
# local.log_messages and local.given_up_messages; tests/infra/test_log_messages.py checks that the
# code still writes each of them (and lists those another change is about to add).

locals {
  # Cloud Run service of each function (a 2nd-gen function's service has the function's name).
  service_names = { for key, function in local.functions : key => "${var.name_prefix}-${function.name}" }

  log_messages = {
    # on_device_change, one line per Home Graph call attempt: method (reportState, requestSync,
    # notify, query), status (HTTP status; 0 for a timeout or connection failure), latencyMs.
    homegraph_call = "homegraph call"
    # fulfillment, one line per request: intent, latencyMs, httpStatus, devices, failedDevices
    # (devices answered with an error other than a challenge).
    intent_answered = "intent answered"
    # on_device_change's state-accuracy check: one line per run (checked, exact, accuracy =
    # exact / checked) and one per inexact device (deviceId, traits).
    state_accuracy = "state accuracy"
    state_mismatch = "state mismatch"
    # on_device_change waits for the Home Graph call budget (field kind).
    budget_exhausted = "Home Graph budget exhausted; waiting"
    # Throttles: too many wrong PINs and a user's EXECUTEs over their bound (fulfillment), failed
    # sign-ins and failed client authentications (account_linking).
    pin_locked        = "pin locked"
    execute_throttled = "execute throttled"
    sign_in_refused   = "sign-in refused: too many failed attempts"
    token_refused     = "token refused: too many failed client authentications"
  }

  # ERROR lines of a message or event the product gave up on (never retried again).
  given_up_messages = [
    "message too old to retry; dropped",
    "malformed message; dropped",
    "event too old; dropped",
    "undecodable event; dropped",
    "report state refused; not retried",
    "request sync refused; not retried",
  ]

  run_logs = "resource.type=\"cloud_run_revision\""

  # Home Vitals grades QUERY and EXECUTE per device type; the logs know the intent.
  graded_intents = toset(["QUERY", "EXECUTE"])

  # Where an alert's documentation sends the operator: the runbook page in the product's
  # repository, or the operator's own copy of it (var.runbook_base_url).
  runbook = var.runbook_base_url == "" ? "docs/operations.md" : "${trimsuffix(var.runbook_base_url, "/")}/docs/operations.md"

  notification_channels = concat(var.notification_channels, google_monitoring_notification_channel.email[*].name)

  metric_type = { for key, metric in google_logging_metric.metric : key => "logging.googleapis.com/user/${metric.name}" }

  # Log-based metrics: what each counts or measures.
  #   filter   the log lines (besides the Cloud Run resource)
  #   labels   label => extractor
  #   value    null: a counter (DELTA INT64); else the field a distribution measures, and its buckets
  log_metrics = {
    homegraph_calls = {
      description = "Home Graph call attempts by on_device_change, by method and HTTP status (0: timeout or connection failure)."
      filter      = "resource.labels.service_name=\"${local.service_names.on_device_change}\" AND jsonPayload.message=\"${local.log_messages.homegraph_call}\""
      labels = {
        method = "EXTRACT(jsonPayload.method)"
        status = "EXTRACT(jsonPayload.status)"
      }
      value   = null
      unit    = "1"
      buckets = null
    }
    homegraph_latency = {
      description = "Latency of one Home Graph call attempt, by method."
      filter      = "resource.labels.service_name=\"${local.service_names.on_device_change}\" AND jsonPayload.message=\"${local.log_messages.homegraph_call}\""
      labels      = { method = "EXTRACT(jsonPayload.method)" }
      value       = "EXTRACT(jsonPayload.latencyMs)"
      unit        = "ms"
      buckets     = [25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000]
    }
    fulfillment_requests = {
      description = "Requests the fulfillment answered, by intent and HTTP status."
      filter      = "resource.labels.service_name=\"${local.service_names.fulfillment}\" AND jsonPayload.message=\"${local.log_messages.intent_answered}\""
      labels = {
        intent      = "EXTRACT(jsonPayload.intent)"
        http_status = "EXTRACT(jsonPayload.httpStatus)"
      }
      value   = null
      unit    = "1"
      buckets = null
    }
    fulfillment_failures = {
      description = "Requests the fulfillment answered with a non-200 status or with a device error other than a challenge, by intent."
      filter      = "resource.labels.service_name=\"${local.service_names.fulfillment}\" AND jsonPayload.message=\"${local.log_messages.intent_answered}\" AND (jsonPayload.httpStatus!=200 OR jsonPayload.failedDevices>0)"
      labels      = { intent = "EXTRACT(jsonPayload.intent)" }
      value       = null
      unit        = "1"
      buckets     = null
    }
    fulfillment_latency = {
      description = "Time the fulfillment took to answer, by intent."
      filter      = "resource.labels.service_name=\"${local.service_names.fulfillment}\" AND jsonPayload.message=\"${local.log_messages.intent_answered}\""
      labels      = { intent = "EXTRACT(jsonPayload.intent)" }
      value       = "EXTRACT(jsonPayload.latencyMs)"
      unit        = "ms"
      # 1000 ms is a bound: the latency SLO cuts there.
      buckets = [25, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1250, 1500, 2000, 3000, 5000, 10000]
    }
    state_accuracy = {
      description = "Share of sampled devices whose Home Graph states equal Firestore's, per state-accuracy run."
      filter      = "resource.labels.service_name=\"${local.service_names.on_device_change}\" AND jsonPayload.message=\"${local.log_messages.state_accuracy}\""
      labels      = {}
      value       = "EXTRACT(jsonPayload.accuracy)"
      unit        = "1"
      buckets     = [0.5, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1]
    }
    state_mismatches = {
      description = "Devices the state-accuracy check found different in Home Graph and Firestore."
      filter      = "resource.labels.service_name=\"${local.service_names.on_device_change}\" AND jsonPayload.message=\"${local.log_messages.state_mismatch}\""
      labels      = {}
      value       = null
      unit        = "1"
      buckets     = null
    }
    given_up = {
      description = "Messages and events given up on (dropped as too old or malformed, refused by Home Graph), by message and function."
      filter      = "severity=ERROR AND jsonPayload.message=(${join(" OR ", [for message in local.given_up_messages : "\"${message}\""])})"
      labels = {
        message = "EXTRACT(jsonPayload.message)"
        service = "EXTRACT(resource.labels.service_name)"
      }
      value   = null
      unit    = "1"
      buckets = null
    }
    budget_waits = {
      description = "Times on_device_change waited because the Home Graph call budget was spent, by kind of call."
      filter      = "resource.labels.service_name=\"${local.service_names.on_device_change}\" AND jsonPayload.message=\"${local.log_messages.budget_exhausted}\""
      labels      = { kind = "EXTRACT(jsonPayload.kind)" }
      value       = null
      unit        = "1"
      buckets     = null
    }
    throttles = {
      description = "PIN lockouts, throttled EXECUTEs, throttled sign-ins and throttled token requests, by message."
      filter      = "jsonPayload.message=(\"${local.log_messages.pin_locked}\" OR \"${local.log_messages.execute_throttled}\" OR \"${local.log_messages.sign_in_refused}\" OR \"${local.log_messages.token_refused}\")"
      labels      = { message = "EXTRACT(jsonPayload.message)" }
      value       = null
      unit        = "1"
      buckets     = null
    }
  }
}

resource "google_logging_metric" "metric" {
  for_each = local.log_metrics

  project     = var.project_id
  name        = "${var.name_prefix}_${each.key}"
  description = each.value.description
  # Only this deployment's functions.
  filter = "${local.run_logs} AND resource.labels.service_name=~\"^${var.name_prefix}-\" AND ${each.value.filter}"

  label_extractors = each.value.labels
  value_extractor  = each.value.value

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = each.value.value == null ? "INT64" : "DISTRIBUTION"
    unit        = each.value.unit

    dynamic "labels" {
      for_each = each.value.labels
      content {
        key        = labels.key
        value_type = "STRING"
      }
    }
  }

  dynamic "bucket_options" {
    for_each = each.value.buckets == null ? [] : [each.value.buckets]
    content {
      explicit_buckets {
        bounds = bucket_options.value
      }
    }
  }

  depends_on = [time_sleep.apis]
}

# A new log-based metric's type takes a moment to be known to Cloud Monitoring: policies and SLOs
# created right after it are refused ("Cannot find metric(s) that match type"). Once, at creation.
resource "time_sleep" "log_metrics" {
  create_duration = "30s"

  triggers = {
    metrics = join(",", sort([for metric in google_logging_metric.metric : metric.name]))
  }
}

resource "google_monitoring_notification_channel" "email" {
  count = var.alert_email == "" ? 0 : 1

  project      = var.project_id
  display_name = "${var.name_prefix} operators"
  type         = "email"
  labels = {
    email_address = var.alert_email
  }

  depends_on = [time_sleep.apis]
}

# --- Home Vitals: SLOs --------------------------------------------------------------------------
#
# Google grades the project (https://developers.home.google.com/codelabs/home-vitals): QUERY and
# EXECUTE succeed at least 99.5% with a p90 latency of at most 1,000 ms, and calls to Google
# succeed at least 99.5% (missing that one rates the whole project POOR). Google measures per
# device type from its side; these SLOs measure the same from the product's logs.

resource "google_monitoring_custom_service" "home_vitals" {
  project      = var.project_id
  service_id   = "${var.name_prefix}-home-vitals"
  display_name = "${var.name_prefix} Home Vitals"

  depends_on = [time_sleep.apis]
}

resource "google_monitoring_slo" "fulfillment_success" {
  for_each = local.graded_intents

  project             = var.project_id
  service             = google_monitoring_custom_service.home_vitals.service_id
  slo_id              = "fulfillment-success-${lower(each.key)}"
  display_name        = "${each.key} answered without error, 99.5%"
  goal                = 0.995
  rolling_period_days = 28

  request_based_sli {
    good_total_ratio {
      bad_service_filter   = "metric.type=\"${local.metric_type.fulfillment_failures}\" ${local.run_logs} metric.label.intent=\"${each.key}\""
      total_service_filter = "metric.type=\"${local.metric_type.fulfillment_requests}\" ${local.run_logs} metric.label.intent=\"${each.key}\""
    }
  }

  depends_on = [time_sleep.log_metrics]
}

resource "google_monitoring_slo" "fulfillment_latency" {
  for_each = local.graded_intents

  project             = var.project_id
  service             = google_monitoring_custom_service.home_vitals.service_id
  slo_id              = "fulfillment-latency-${lower(each.key)}"
  display_name        = "${each.key} p90 at most 1000 ms (90% of requests within 1000 ms)"
  goal                = 0.9
  rolling_period_days = 28

  request_based_sli {
    distribution_cut {
      distribution_filter = "metric.type=\"${local.metric_type.fulfillment_latency}\" ${local.run_logs} metric.label.intent=\"${each.key}\""
      range {
        max = 1000
      }
    }
  }

  depends_on = [time_sleep.log_metrics]
}

resource "google_monitoring_slo" "homegraph_success" {
  project             = var.project_id
  service             = google_monitoring_custom_service.home_vitals.service_id
  slo_id              = "homegraph-success"
  display_name        = "Home Graph calls succeed, 99.5%"
  goal                = 0.995
  rolling_period_days = 28

  request_based_sli {
    good_total_ratio {
      good_service_filter  = "metric.type=\"${local.metric_type.homegraph_calls}\" ${local.run_logs} metric.label.status=\"200\""
      total_service_filter = "metric.type=\"${local.metric_type.homegraph_calls}\" ${local.run_logs}"
    }
  }

  depends_on = [time_sleep.log_metrics]
}

# --- Alert policies -----------------------------------------------------------------------------
#
# Each names its runbook entry in docs/operations.md (the section's anchor). The Home Vitals ones
# fire when the last hour missed Google's target: an SLO burn rate above 1 over an hour means the
# hour's bad share exceeded the SLO's allowance (0.5% errors, or 10% of requests over 1000 ms).

locals {
  slos = merge(
    { for intent, slo in google_monitoring_slo.fulfillment_success : "fulfillment-success-${lower(intent)}" => slo.name },
    { for intent, slo in google_monitoring_slo.fulfillment_latency : "fulfillment-latency-${lower(intent)}" => slo.name },
    { "homegraph-success" = google_monitoring_slo.homegraph_success.name },
  )

  # SLO => (title, runbook section).
  slo_alerts = {
    "fulfillment-success-query"   = ["QUERY success below 99.5% over the last hour", "fulfillment-success-below-target"]
    "fulfillment-success-execute" = ["EXECUTE success below 99.5% over the last hour", "fulfillment-success-below-target"]
    "fulfillment-latency-query"   = ["QUERY p90 latency above 1000 ms over the last hour", "fulfillment-latency-above-target"]
    "fulfillment-latency-execute" = ["EXECUTE p90 latency above 1000 ms over the last hour", "fulfillment-latency-above-target"]
    "homegraph-success"           = ["Home Graph calls below 99.5% success over the last hour", "home-graph-calls-failing"]
  }
}

resource "google_monitoring_alert_policy" "home_vitals" {
  for_each = local.slo_alerts

  project               = var.project_id
  display_name          = "${var.name_prefix}: ${each.value[0]}"
  combiner              = "OR"
  severity              = each.key == "homegraph-success" ? "CRITICAL" : "ERROR"
  notification_channels = local.notification_channels

  conditions {
    display_name = each.value[0]
    condition_threshold {
      filter          = "select_slo_burn_rate(\"${local.slos[each.key]}\", \"3600s\")"
      comparison      = "COMPARISON_GT"
      threshold_value = 1
      duration        = "0s"
    }
  }

  documentation {
    subject   = each.value[0]
    content   = "Runbook: ${local.runbook}#${each.value[1]}"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "state_accuracy" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: state accuracy below 99.5%"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "Mean state accuracy over the last hour below 0.995"
    condition_threshold {
      filter          = "metric.type=\"${local.metric_type.state_accuracy}\" ${local.run_logs}"
      comparison      = "COMPARISON_LT"
      threshold_value = 0.995
      duration        = "0s"
      aggregations {
        alignment_period     = "3600s"
        per_series_aligner   = "ALIGN_MEAN"
        cross_series_reducer = "REDUCE_MEAN"
      }
    }
  }

  conditions {
    display_name = "No state-accuracy run reported for 40 minutes"
    condition_absent {
      filter   = "metric.type=\"${local.metric_type.state_accuracy}\" ${local.run_logs}"
      duration = "2400s"
      aggregations {
        alignment_period     = "600s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  documentation {
    subject   = "State accuracy below 99.5%"
    content   = "Runbook: ${local.runbook}#state-accuracy-low-or-not-measured"
    mime_type = "text/markdown"
  }

  depends_on = [time_sleep.log_metrics]
}

resource "google_monitoring_alert_policy" "dead_letters" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: dead letters present"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "Undelivered messages on ${google_pubsub_subscription.device_changes_dead_letter.name}"
    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" resource.type=\"pubsub_subscription\" resource.labels.subscription_id=\"${google_pubsub_subscription.device_changes_dead_letter.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    subject   = "Dead letters present"
    content   = "Runbook: ${local.runbook}#dead-letters-present"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "oldest_unacked" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: device changes waiting too long"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "Oldest unacknowledged message on ${google_pubsub_subscription.device_changes_push.name} older than ${var.oldest_unacked_alert_seconds} s"
    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/subscription/oldest_unacked_message_age\" resource.type=\"pubsub_subscription\" resource.labels.subscription_id=\"${google_pubsub_subscription.device_changes_push.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.oldest_unacked_alert_seconds
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    subject   = "Device changes waiting too long"
    content   = "Runbook: ${local.runbook}#device-changes-waiting-too-long"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "given_up" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: messages given up"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "A message or event was dropped or refused for good"
    condition_threshold {
      filter          = "metric.type=\"${local.metric_type.given_up}\" ${local.run_logs}"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.message"]
      }
    }
  }

  documentation {
    subject   = "Messages given up"
    content   = "Runbook: ${local.runbook}#messages-given-up"
    mime_type = "text/markdown"
  }

  depends_on = [time_sleep.log_metrics]
}

resource "google_monitoring_alert_policy" "instances_at_max" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: a function at its maximum instances"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = local.notification_channels

  dynamic "conditions" {
    for_each = local.functions
    content {
      display_name = "${local.service_names[conditions.key]} at ${conditions.value.max_instance_count} instances for 10 minutes"
      condition_threshold {
        filter          = "metric.type=\"run.googleapis.com/container/instance_count\" ${local.run_logs} resource.labels.service_name=\"${local.service_names[conditions.key]}\""
        comparison      = "COMPARISON_GT"
        threshold_value = conditions.value.max_instance_count - 0.5
        duration        = "600s"
        aggregations {
          alignment_period     = "60s"
          per_series_aligner   = "ALIGN_MAX"
          cross_series_reducer = "REDUCE_SUM"
          group_by_fields      = ["resource.labels.service_name"]
        }
      }
    }
  }

  documentation {
    subject   = "A function at its maximum instances"
    content   = "Runbook: ${local.runbook}#a-function-at-its-maximum-instances"
    mime_type = "text/markdown"
  }
}

# The two HTTP functions only: the event functions answer 5xx on purpose to have a delivery retried,
# which the oldest-unacked, dead-letter and given-up alerts watch instead.
resource "google_monitoring_alert_policy" "server_errors" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: 5xx answers"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.notification_channels

  dynamic "conditions" {
    for_each = toset(["fulfillment", "account_linking"])
    content {
      display_name = "${local.service_names[conditions.key]}: over ${var.server_error_alert_ratio * 100}% of requests answered 5xx in 10 minutes"
      condition_threshold {
        filter             = "metric.type=\"run.googleapis.com/request_count\" ${local.run_logs} resource.labels.service_name=\"${local.service_names[conditions.key]}\" metric.labels.response_code_class=\"5xx\""
        denominator_filter = "metric.type=\"run.googleapis.com/request_count\" ${local.run_logs} resource.labels.service_name=\"${local.service_names[conditions.key]}\""
        comparison         = "COMPARISON_GT"
        threshold_value    = var.server_error_alert_ratio
        duration           = "0s"
        aggregations {
          alignment_period     = "600s"
          per_series_aligner   = "ALIGN_DELTA"
          cross_series_reducer = "REDUCE_SUM"
          group_by_fields      = ["resource.labels.service_name"]
        }
        denominator_aggregations {
          alignment_period     = "600s"
          per_series_aligner   = "ALIGN_DELTA"
          cross_series_reducer = "REDUCE_SUM"
          group_by_fields      = ["resource.labels.service_name"]
        }
      }
    }
  }

  documentation {
    subject   = "5xx answers"
    content   = "Runbook: ${local.runbook}#5xx-answers"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "homegraph_budget" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: Home Graph budget near exhaustion"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = local.notification_channels

  conditions {
    display_name = "on_device_change waited for the Home Graph budget in every 5 minutes for 15 minutes"
    condition_threshold {
      filter          = "metric.type=\"${local.metric_type.budget_waits}\" ${local.run_logs}"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "900s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  documentation {
    subject   = "Home Graph budget near exhaustion"
    content   = "Runbook: ${local.runbook}#home-graph-budget-near-exhaustion"
    mime_type = "text/markdown"
  }

  depends_on = [time_sleep.log_metrics]
}

resource "google_monitoring_alert_policy" "token_throttled" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: token requests throttled"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = local.notification_channels

  conditions {
    display_name = "account_linking refused token requests after failed client authentications"
    condition_threshold {
      filter          = "metric.type=\"${local.metric_type.throttles}\" ${local.run_logs} metric.label.message=\"${local.log_messages.token_refused}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  documentation {
    subject   = "Token requests throttled"
    content   = "Runbook: ${local.runbook}#token-requests-throttled"
    mime_type = "text/markdown"
  }

  depends_on = [time_sleep.log_metrics]
}

# --- Dashboard ----------------------------------------------------------------------------------

locals {
  # One chart per tile: title => (filter, aligner, reducer, group by, plot).
  dashboard_charts = [
    ["Fulfillment requests by intent", "metric.type=\"${local.metric_type.fulfillment_requests}\" ${local.run_logs}", "ALIGN_RATE", "REDUCE_SUM", ["metric.label.intent"]],
    ["Fulfillment failures by intent", "metric.type=\"${local.metric_type.fulfillment_failures}\" ${local.run_logs}", "ALIGN_RATE", "REDUCE_SUM", ["metric.label.intent"]],
    ["Fulfillment p90 latency by intent (ms)", "metric.type=\"${local.metric_type.fulfillment_latency}\" ${local.run_logs}", "ALIGN_DELTA", "REDUCE_PERCENTILE_90", ["metric.label.intent"]],
    ["Home Graph calls by status", "metric.type=\"${local.metric_type.homegraph_calls}\" ${local.run_logs}", "ALIGN_RATE", "REDUCE_SUM", ["metric.label.status"]],
    ["Home Graph p90 latency by method (ms)", "metric.type=\"${local.metric_type.homegraph_latency}\" ${local.run_logs}", "ALIGN_DELTA", "REDUCE_PERCENTILE_90", ["metric.label.method"]],
    ["State accuracy (mean per hour)", "metric.type=\"${local.metric_type.state_accuracy}\" ${local.run_logs}", "ALIGN_MEAN", "REDUCE_MEAN", []],
    ["State mismatches", "metric.type=\"${local.metric_type.state_mismatches}\" ${local.run_logs}", "ALIGN_DELTA", "REDUCE_SUM", []],
    ["Messages given up", "metric.type=\"${local.metric_type.given_up}\" ${local.run_logs}", "ALIGN_DELTA", "REDUCE_SUM", ["metric.label.message"]],
    ["Home Graph budget waits by kind", "metric.type=\"${local.metric_type.budget_waits}\" ${local.run_logs}", "ALIGN_DELTA", "REDUCE_SUM", ["metric.label.kind"]],
    ["Throttles (PIN, EXECUTE, sign-in, token)", "metric.type=\"${local.metric_type.throttles}\" ${local.run_logs}", "ALIGN_DELTA", "REDUCE_SUM", ["metric.label.message"]],
    ["Dead letters waiting", "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" resource.type=\"pubsub_subscription\" resource.labels.subscription_id=\"${google_pubsub_subscription.device_changes_dead_letter.name}\"", "ALIGN_MAX", "REDUCE_MAX", []],
    ["Oldest unacknowledged device change (s)", "metric.type=\"pubsub.googleapis.com/subscription/oldest_unacked_message_age\" resource.type=\"pubsub_subscription\" resource.labels.subscription_id=\"${google_pubsub_subscription.device_changes_push.name}\"", "ALIGN_MAX", "REDUCE_MAX", []],
    ["Instances per function", "metric.type=\"run.googleapis.com/container/instance_count\" ${local.run_logs} resource.labels.service_name=starts_with(\"${var.name_prefix}-\")", "ALIGN_MAX", "REDUCE_SUM", ["resource.labels.service_name"]],
    ["5xx answers per function", "metric.type=\"run.googleapis.com/request_count\" ${local.run_logs} resource.labels.service_name=starts_with(\"${var.name_prefix}-\") metric.labels.response_code_class=\"5xx\"", "ALIGN_RATE", "REDUCE_SUM", ["resource.labels.service_name"]],
  ]
}

resource "google_monitoring_dashboard" "operations" {
  project = var.project_id
  dashboard_json = jsonencode({
    displayName = "${var.name_prefix} operations"
    mosaicLayout = {
      columns = 12
      tiles = [
        for index, chart in local.dashboard_charts : {
          xPos   = (index % 2) * 6
          yPos   = floor(index / 2) * 4
          width  = 6
          height = 4
          widget = {
            title = chart[0]
            xyChart = {
              dataSets = [{
                plotType = "LINE"
                timeSeriesQuery = {
                  timeSeriesFilter = {
                    filter = chart[1]
                    aggregation = {
                      alignmentPeriod    = "300s"
                      perSeriesAligner   = chart[2]
                      crossSeriesReducer = chart[3]
                      groupByFields      = chart[4]
                    }
                  }
                }
              }]
            }
          }
        }
      ]
    }
  })

  depends_on = [time_sleep.log_metrics]
}

# --- Billing budget (optional) --------------------------------------------------------------------

resource "google_billing_budget" "monthly" {
  count    = var.billing_account == "" ? 0 : 1
  provider = google.quota

  billing_account = var.billing_account
  display_name    = "${var.name_prefix} monthly"

  budget_filter {
    projects = ["projects/${data.google_project.this.number}"]
  }

  amount {
    specified_amount {
      units = tostring(var.monthly_budget)
    }
  }

  threshold_rules {
    threshold_percent = 0.5
  }

  threshold_rules {
    threshold_percent = 0.9
  }

  threshold_rules {
    threshold_percent = 1.0
  }

  threshold_rules {
    threshold_percent = 1.0
    spend_basis       = "FORECASTED_SPEND"
  }

  all_updates_rule {
    monitoring_notification_channels = slice(local.notification_channels, 0, min(5, length(local.notification_channels)))
  }

  depends_on = [time_sleep.apis]
}
