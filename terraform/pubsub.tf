# Device changes: on_device_written publishes (ordering key = agentUserId), a push subscription
# this configuration owns delivers to on_device_change, and messages that keep failing go to a
# dead-letter topic whose own subscription keeps them for inspection and replay. Two Cloud Scheduler
# jobs add a sweep message every minute and a state-accuracy message every ten (end of this file).
#
# Why not event_trigger on on_device_change: the subscription a function-managed (Eventarc)
# Pub/Sub trigger creates belongs to the trigger; Terraform cannot give it a dead_letter_policy or
# message ordering. A push subscription we own can have both, and the Functions Framework turns
# its Pub/Sub push body into the same messagePublished CloudEvent the entry point expects.

locals {
  # The Pub/Sub service agent (agents.tf makes sure it exists).
  pubsub_service_agent = "serviceAccount:${google_project_service_identity.pubsub.email}"
}

resource "google_pubsub_topic" "device_changes" {
  #checkov:skip=CKV_GCP_83:Messages carry device states for at most the retention window; Google-managed encryption is enough and a KMS key adds cost and key-management duties.
  project = var.project_id
  name    = "${var.name_prefix}-device-changes"
  labels  = local.labels

  depends_on = [time_sleep.apis]
}

resource "google_pubsub_topic" "device_changes_dead_letter" {
  #checkov:skip=CKV_GCP_83:Dead letters are copies of device-change messages; Google-managed encryption is enough and a KMS key adds cost and key-management duties.
  project = var.project_id
  name    = "${var.name_prefix}-device-changes-dead-letter"
  labels  = local.labels

  depends_on = [time_sleep.apis]
}

resource "google_pubsub_subscription" "device_changes_push" {
  project = var.project_id
  name    = "${var.name_prefix}-device-changes-push"
  topic   = google_pubsub_topic.device_changes.id
  labels  = local.labels

  # One message per agentUserId at a time, in publish order (the publisher sets the key).
  enable_message_ordering = true

  # Pub/Sub waits this long for the function's answer before it counts the delivery as failed.
  ack_deadline_seconds       = var.event_timeout_seconds
  message_retention_duration = "604800s"

  push_config {
    # The topic path in the URL becomes the CloudEvent source
    # (//pubsub.googleapis.com/projects/P/topics/T) when the framework converts the push body.
    push_endpoint = "${google_cloudfunctions2_function.function["on_device_change"].service_config[0].uri}/${google_pubsub_topic.device_changes.id}"

    oidc_token {
      service_account_email = google_service_account.device_change_push.email
      audience              = google_cloudfunctions2_function.function["on_device_change"].service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "${var.retry_minimum_backoff_seconds}s"
    maximum_backoff = "${var.retry_maximum_backoff_seconds}s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.device_changes_dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  expiration_policy {
    ttl = "" # never expires, however quiet the home
  }

  lifecycle {
    precondition {
      condition     = var.retry_minimum_backoff_seconds <= var.retry_maximum_backoff_seconds
      error_message = "retry_minimum_backoff_seconds must not exceed retry_maximum_backoff_seconds."
    }
  }

  depends_on = [
    time_sleep.service_agents,
    google_cloud_run_v2_service_iam_member.device_change_push_invoker,
    google_service_account_iam_member.pubsub_agent_token_creator,
    google_pubsub_topic_iam_member.pubsub_agent_dead_letter_publisher,
  ]
}

# Messages published to a topic with no subscription are lost: this one keeps the dead letters.
resource "google_pubsub_subscription" "device_changes_dead_letter" {
  project = var.project_id
  name    = "${var.name_prefix}-device-changes-dead-letter"
  topic   = google_pubsub_topic.device_changes_dead_letter.id
  labels  = local.labels

  ack_deadline_seconds       = 60
  message_retention_duration = "${var.dead_letter_retention_days * 86400}s"
  retain_acked_messages      = false

  expiration_policy {
    ttl = ""
  }
}

# The Pub/Sub service agent moves failed messages: it must publish to the dead-letter topic and
# subscribe (acknowledge) on the source subscription.
resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.device_changes_dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent

  depends_on = [time_sleep.apis]
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_source_subscriber" {
  project      = var.project_id
  subscription = google_pubsub_subscription.device_changes_push.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent

  depends_on = [time_sleep.apis]
}

# The sweep: every minute, a message with attribute kind = "sweep" on the device-changes topic makes
# on_device_change expire confirmed commands whose outcome never came (a logged expiry, and the
# follow-up FAILURE Google asked for). Cloud Scheduler publishes as its service agent, whose
# project-level role roles/cloudscheduler.serviceAgent, granted by Google when the API is
# enabled, includes pubsub.topics.publish: no grant is needed here (docs/deployment.md covers
# projects that enabled the API before 2019-03-19, which lack that grant). A missed tick costs
# nothing (the next one sweeps the same records), so the job does not retry.
resource "google_cloud_scheduler_job" "sweep" {
  project     = var.project_id
  region      = var.region
  name        = "${var.name_prefix}-sweep"
  description = "Every minute: on_device_change expires confirmed commands whose outcome never came."
  schedule    = "* * * * *"
  time_zone   = "Etc/UTC"

  pubsub_target {
    topic_name = google_pubsub_topic.device_changes.id
    data       = base64encode("{}")
    attributes = {
      kind = "sweep"
    }
  }

  depends_on = [time_sleep.apis]
}

# The state-accuracy check: a message with attribute kind = "accuracy" on the same topic makes
# on_device_change sample ACCURACY_SAMPLE_USERS linked users, read Home Graph's devices:query for
# their devices, compare each trait's states with Firestore, log each mismatch ("state mismatch")
# and the run's figure ("state accuracy"), which monitoring.tf turns into the accuracy alert. The
# same service agent publishes it as the sweep's; a missed run is made up by the next one.
resource "google_cloud_scheduler_job" "accuracy" {
  project     = var.project_id
  region      = var.region
  name        = "${var.name_prefix}-accuracy"
  description = "State accuracy: on_device_change compares sampled users' Home Graph states with Firestore."
  schedule    = var.accuracy_schedule
  time_zone   = "Etc/UTC"

  pubsub_target {
    topic_name = google_pubsub_topic.device_changes.id
    data       = base64encode("{}")
    attributes = {
      kind = "accuracy"
    }
  }

  depends_on = [time_sleep.apis]
}
