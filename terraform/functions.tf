# The four Cloud Functions (2nd gen), built from one source archive.
#
#   fulfillment        HTTP, public ingress; Google Home calls it without Google credentials and the
#                      code checks the bearer token, so Cloud Run lets allUsers invoke it.
#   account_linking    HTTP, public ingress; OAuth 2.0 /authorize (the user's browser) and /token
#                      (Google, authenticated by client id and secret in code), so allUsers too.
#   on_device_written  Firestore document.written on users/{userId}/devices/{deviceId} (Eventarc).
#   on_device_change   driven by the push subscription in pubsub.tf (not by a function-managed
#                      trigger) so that it gets a dead-letter topic and message ordering.

# Environment variable names are functions/core/config.py ENV_VARS values; each function gets only the
# settings it reads (tests/unit/test_terraform.py checks both).

locals {
  runtime = "python311"
}

resource "google_cloudfunctions2_function" "fulfillment" {
  #checkov:skip=CKV_GCP_124:Ingress must be ALLOW_ALL: Google Home calls the fulfillment URL from the internet without Google credentials; the code authenticates every request by its OAuth bearer token.
  project     = var.project_id
  location    = var.region
  name        = "${var.name_prefix}-fulfillment"
  description = "Google smart-home intents: SYNC, QUERY, EXECUTE, DISCONNECT."
  labels      = local.labels

  build_config {
    runtime           = local.runtime
    entry_point       = "fulfillment"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory               = var.function_memory
    timeout_seconds                = var.fulfillment_timeout_seconds
    min_instance_count             = var.fulfillment_min_instances
    max_instance_count             = var.fulfillment_max_instances
    ingress_settings               = "ALLOW_ALL"
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.fulfillment.email
    environment_variables = {
      GOOGLE_CLOUD_PROJECT     = var.project_id
      FIRESTORE_DATABASE       = var.firestore_database
      ACCESS_TOKEN_TTL_SECONDS = tostring(var.access_token_ttl_seconds)
    }
  }

  depends_on = [
    google_project_iam_member.build,
    google_artifact_registry_repository_iam_member.build_writer,
    google_firestore_database.this,
  ]
}

resource "google_cloudfunctions2_function" "on_device_written" {
  project     = var.project_id
  location    = var.region
  name        = "${var.name_prefix}-on-device-written"
  description = "Classifies device document writes and publishes what Home Graph must hear."
  labels      = local.labels

  build_config {
    runtime           = local.runtime
    entry_point       = "on_device_written"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory               = var.function_memory
    timeout_seconds                = var.event_timeout_seconds
    max_instance_count             = var.event_max_instances
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.on_device_written.email
    environment_variables = {
      GOOGLE_CLOUD_PROJECT  = var.project_id
      FIRESTORE_DATABASE    = var.firestore_database
      DEVICE_CHANGES_TOPIC  = google_pubsub_topic.device_changes.name
      MAX_EVENT_AGE_SECONDS = tostring(var.max_event_age_seconds)
    }
  }

  event_trigger {
    trigger_region        = local.firestore_trigger_region
    event_type            = "google.cloud.firestore.document.v1.written"
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.device_written_trigger.email

    event_filters {
      attribute = "database"
      value     = var.firestore_database
    }

    event_filters {
      attribute = "document"
      value     = local.device_document_pattern
      operator  = "match-path-pattern"
    }
  }

  depends_on = [
    google_project_iam_member.build,
    google_artifact_registry_repository_iam_member.build_writer,
    google_project_iam_member.device_written_trigger_receiver,
    google_service_account_iam_member.pubsub_agent_token_creator,
    google_firestore_database.this,
  ]
}

resource "google_cloudfunctions2_function" "on_device_change" {
  project     = var.project_id
  location    = var.region
  name        = "${var.name_prefix}-on-device-change"
  description = "Keeps Home Graph in step: Request Sync and Report State per device-change message."
  labels      = local.labels

  build_config {
    runtime           = local.runtime
    entry_point       = "on_device_change"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory               = var.function_memory
    timeout_seconds                = var.event_timeout_seconds
    max_instance_count             = var.event_max_instances
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.on_device_change.email
    environment_variables = {
      GOOGLE_CLOUD_PROJECT              = var.project_id
      FIRESTORE_DATABASE                = var.firestore_database
      REQUEST_SYNC_MIN_INTERVAL_SECONDS = tostring(var.request_sync_min_interval_seconds)
      REPORT_STATE_MIN_INTERVAL_SECONDS = tostring(var.report_state_min_interval_seconds)
      HOMEGRAPH_TIMEOUT_SECONDS         = tostring(var.homegraph_timeout_seconds)
      HOMEGRAPH_RETRY_SECONDS           = tostring(var.homegraph_retry_seconds)
      NEW_USER_GRACE_SECONDS            = tostring(var.new_user_grace_seconds)
      MAX_EVENT_AGE_SECONDS             = tostring(var.max_event_age_seconds)
    }
  }

  # No event_trigger: a function-managed Pub/Sub trigger owns its subscription, which cannot be
  # given a dead-letter topic or message ordering here. pubsub.tf pushes to this function instead.

  depends_on = [
    google_project_iam_member.build,
    google_artifact_registry_repository_iam_member.build_writer,
    google_firestore_database.this,
  ]
}

resource "google_cloudfunctions2_function" "account_linking" {
  #checkov:skip=CKV_GCP_124:Ingress must be ALLOW_ALL: the user's browser opens /authorize and Google calls /token from the internet without Google credentials; the code checks the client id, redirect URI, password and client secret.
  project     = var.project_id
  location    = var.region
  name        = "${var.name_prefix}-account-linking"
  description = "OAuth 2.0 account linking for Google Home: /authorize (sign-in page) and /token."
  labels      = local.labels

  build_config {
    runtime           = local.runtime
    entry_point       = "account_linking"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory = var.function_memory
    # A request waits at most on one Identity Toolkit call (10 s) and a few Firestore operations.
    timeout_seconds                = 60
    max_instance_count             = var.account_linking_max_instances
    ingress_settings               = "ALLOW_ALL"
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.account_linking.email
    environment_variables = {
      GOOGLE_CLOUD_PROJECT     = var.project_id
      FIRESTORE_DATABASE       = var.firestore_database
      ACCESS_TOKEN_TTL_SECONDS = tostring(var.access_token_ttl_seconds)
      OAUTH_CLIENT_ID          = var.oauth_client_id
      OAUTH_REDIRECT_URIS      = join(",", var.oauth_redirect_uris)
      IDENTITY_API_KEY         = google_apikeys_key.identity.key_string
      AUTH_CODE_TTL_SECONDS    = tostring(var.auth_code_ttl_seconds)
      REFRESH_TOKEN_TTL_DAYS   = tostring(var.refresh_token_ttl_days)
    }

    # Read from Secret Manager when an instance starts, never through Terraform. "latest" picks up
    # a rotated secret on the next new instance; the secret must have a version before the first
    # deploy (docs/deployment.md).
    secret_environment_variables {
      key        = "OAUTH_CLIENT_SECRET"
      project_id = data.google_project.this.number
      secret     = google_secret_manager_secret.oauth_client_secret.secret_id
      version    = "latest"
    }
  }

  depends_on = [
    google_project_iam_member.build,
    google_artifact_registry_repository_iam_member.build_writer,
    google_secret_manager_secret_iam_member.account_linking_client_secret,
    google_project_iam_member.account_linking_firestore,
    google_identity_platform_config.this,
    google_firestore_database.this,
  ]
}
