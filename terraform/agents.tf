# One apply on an empty project: what must exist, and have propagated, before the resources that
# use it. Every service account, IAM grant and function depends on these (tests/infra/
# test_terraform_graph.py checks it).
#
# APIs. google_project_service returns once the API is enabled, but Google documents that its
# resources may answer "API has not been used in project ... or it is disabled ... If you enabled
# this API recently, wait a few minutes" for a while after; the provider's own guide has a
# time_sleep after enablement for exactly that (its google_project_service guide, "Using the time
# provider"). The sleep runs once, when it is created: later applies never wait.
#
# Service agents. Enabling an API does not guarantee that its Google-managed service agent exists
# yet, nor that its role has propagated:
#   - Eventarc: "Permission denied while using the Eventarc Service Agent. If you recently started
#     to use Eventarc, it may take a few minutes ..." on the first apply of a Firestore-triggered
#     function (hashicorp/terraform-provider-google#25294, open, google 7.10.0; #14584;
#     terraform-google-modules/terraform-docs-samples#486). The fix reported there: create the
#     agent explicitly, grant its role, wait a minute, then create the function.
#   - Pub/Sub: its agent is granted roles here (pubsub.tf, iam.tf); granting a role to an agent that
#     does not exist yet fails ("Service account ... does not exist").
# google_project_service_identity (google-beta) asks Google to create the agent now and returns its
# email. Identity Toolkit has no agent this configuration grants anything to: what fails there on
# a fresh project is the API's own propagation (the 403 above), which time_sleep.apis covers.

resource "time_sleep" "apis" {
  create_duration = var.api_propagation_wait

  # A newly enabled API sleeps again (the set of services is the trigger).
  triggers = {
    services = join(",", sort([for service in google_project_service.enabled : service.service]))
  }
}

resource "google_project_service_identity" "pubsub" {
  provider = google-beta

  project = var.project_id
  service = "pubsub.googleapis.com"

  depends_on = [time_sleep.apis]
}

resource "google_project_service_identity" "eventarc" {
  provider = google-beta

  project = var.project_id
  service = "eventarc.googleapis.com"

  depends_on = [time_sleep.apis]
}

# Google grants this role to the agent when it creates it; granting it here too makes the first
# apply independent of that timing (the workaround in terraform-provider-google#25294).
resource "google_project_iam_member" "eventarc_agent" {
  #checkov:skip=CKV_GCP_49:The member is Google's own Eventarc service agent and the role is the one Google grants it when the API is enabled (roles/eventarc.serviceAgent); granting it here only removes the first-apply race. No user or workload identity gets it.
  project = var.project_id
  role    = "roles/eventarc.serviceAgent"
  member  = "serviceAccount:${google_project_service_identity.eventarc.email}"

  depends_on = [time_sleep.apis]
}

# Roles granted to agents take a minute to be honoured everywhere: Eventarc checks its agent when
# the Firestore triggers are created, Pub/Sub its token-creator grants on the first push.
resource "time_sleep" "service_agents" {
  create_duration = var.service_agent_wait

  depends_on = [
    google_project_iam_member.eventarc_agent,
    google_service_account_iam_member.pubsub_agent_token_creator,
    google_pubsub_topic_iam_member.pubsub_agent_dead_letter_publisher,
  ]
}
