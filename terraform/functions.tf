# The four Cloud Functions (2nd gen), built from one source archive and declared once: one
# resource with for_each over local.functions, which holds only what differs between them.
#
#   fulfillment        HTTP, public ingress; Google Home calls it without Google credentials and the
#                      code checks the bearer token, so Cloud Run lets allUsers invoke it.
#   account_linking    HTTP, public ingress; OAuth 2.0 /authorize (the user's browser) and /token
#                      (Google, authenticated by client id and secret in code), so allUsers too.
#   on_device_written  Firestore document.written on users/{userId}/devices/{deviceId} (Eventarc),
#                      and on the records under devices through google_eventarc_trigger.device_records.
#   on_device_change   driven by the push subscription in pubsub.tf (not by a function-managed
#                      trigger) so that it gets a dead-letter topic and message ordering.

# Environment variable names are functions/core/config.py ENV_VARS values; each function gets only the
# settings it reads (tests/infra/test_terraform.py checks both).

locals {
  runtime = "python311"

  # Keyed by entry point (main.py). Every entry has the same attributes; null means "not set".
  #   name                          suffix of the function's name, after var.name_prefix
  #   capacity                      memory, CPU and per-instance concurrency (variables.tf,
  #                                 "Capacity"; docs/operations.md has the settings per fleet size)
  #   secret_environment_variables  variable name => Secret Manager secret id, read at start-up
  #   event_trigger                 Eventarc trigger, or null for functions without one
  functions = {
    fulfillment = {
      name                  = "fulfillment"
      description           = "Google smart-home intents: SYNC, QUERY, EXECUTE, DISCONNECT."
      service_account_email = google_service_account.fulfillment.email
      capacity              = var.fulfillment_capacity
      timeout_seconds       = var.fulfillment_timeout_seconds
      min_instance_count    = var.fulfillment_min_instances
      max_instance_count    = var.fulfillment_max_instances
      # Google Home calls the fulfillment URL from the internet without Google credentials; the
      # code authenticates every request by its OAuth bearer token.
      ingress_settings = "ALLOW_ALL"
      environment_variables = {
        GOOGLE_CLOUD_PROJECT     = var.project_id
        FIRESTORE_DATABASE       = var.firestore_database
        ACCESS_TOKEN_TTL_SECONDS = tostring(var.access_token_ttl_seconds)
        # Access tokens issued before signing began are accepted until then (main.tf).
        UNSIGNED_TOKENS_UNTIL = timeadd(time_static.token_signing.rfc3339, "${var.access_token_ttl_seconds + 3600}s")
      }
      # The key that checks an access token's MAC before any I/O (main.tf).
      secret_environment_variables = {
        TOKEN_MAC_KEY = google_secret_manager_secret.token_mac_key.secret_id
      }
      event_trigger = null
    }

    on_device_written = {
      name                  = "on-device-written"
      description           = "Classifies device document writes and publishes what Home Graph must hear."
      service_account_email = google_service_account.on_device_written.email
      capacity              = var.on_device_written_capacity
      timeout_seconds       = var.event_timeout_seconds
      min_instance_count    = null
      max_instance_count    = var.event_max_instances
      ingress_settings      = "ALLOW_INTERNAL_ONLY"
      environment_variables = {
        GOOGLE_CLOUD_PROJECT  = var.project_id
        FIRESTORE_DATABASE    = var.firestore_database
        DEVICE_CHANGES_TOPIC  = google_pubsub_topic.device_changes.name
        MAX_EVENT_AGE_SECONDS = tostring(var.max_event_age_seconds)
      }
      secret_environment_variables = {}
      event_trigger = {
        trigger_region        = local.firestore_trigger_region
        event_type            = local.firestore_written_event
        retry_policy          = "RETRY_POLICY_RETRY"
        service_account_email = google_service_account.device_written_trigger.email
        event_filters = [
          {
            attribute = "database"
            value     = var.firestore_database
            operator  = null
          },
          {
            attribute = "document"
            value     = local.device_document_pattern
            operator  = "match-path-pattern"
          },
        ]
      }
    }

    on_device_change = {
      name                  = "on-device-change"
      description           = "Keeps Home Graph in step: Request Sync and Report State per device-change message."
      service_account_email = google_service_account.on_device_change.email
      capacity              = var.on_device_change_capacity
      timeout_seconds       = var.event_timeout_seconds
      min_instance_count    = null
      max_instance_count    = var.event_max_instances
      ingress_settings      = "ALLOW_INTERNAL_ONLY"
      environment_variables = {
        GOOGLE_CLOUD_PROJECT              = var.project_id
        FIRESTORE_DATABASE                = var.firestore_database
        REQUEST_SYNC_MIN_INTERVAL_SECONDS = tostring(var.request_sync_min_interval_seconds)
        HOMEGRAPH_TIMEOUT_SECONDS         = tostring(var.homegraph_timeout_seconds)
        HOMEGRAPH_RETRY_SECONDS           = tostring(var.homegraph_retry_seconds)
        NEW_USER_GRACE_SECONDS            = tostring(var.new_user_grace_seconds)
        MAX_EVENT_AGE_SECONDS             = tostring(var.max_event_age_seconds)
        HOMEGRAPH_CALLS_PER_MINUTE        = tostring(var.homegraph_calls_per_minute)
        HOMEGRAPH_REQUEST_SYNC_SHARE      = tostring(var.homegraph_request_sync_share)
        # No Home Graph call starts so late that Pub/Sub would deliver the message again while it
        # runs (the push subscription's ack deadline, pubsub.tf, is this timeout too).
        MESSAGE_DEADLINE_SECONDS = tostring(var.event_timeout_seconds)
        # The state-accuracy check (a kind=accuracy message, pubsub.tf): users sampled per run.
        ACCURACY_SAMPLE_USERS    = tostring(var.accuracy_sample_users)
        ACCURACY_SETTLED_SECONDS = tostring(var.accuracy_settled_seconds)
      }
      secret_environment_variables = {}
      # No event_trigger: a function-managed Pub/Sub trigger owns its subscription, which cannot be
      # given a dead-letter topic or message ordering here. pubsub.tf pushes to this function instead.
      event_trigger = null
    }

    account_linking = {
      name                  = "account-linking"
      description           = "OAuth 2.0 account linking for Google Home: /authorize (sign-in page) and /token."
      service_account_email = google_service_account.account_linking.email
      capacity              = var.account_linking_capacity
      # A request waits at most on one Identity Toolkit call (10 s) and a few Firestore operations.
      timeout_seconds    = 60
      min_instance_count = null
      max_instance_count = var.account_linking_max_instances
      # The user's browser opens /authorize and Google calls /token from the internet without
      # Google credentials; the code checks the client id, redirect URI, password and client secret.
      ingress_settings = "ALLOW_ALL"
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
      # Read from Secret Manager when an instance starts. "latest" picks up a rotated secret on the
      # next new instance; main.tf gives the secret its first version before the function exists.
      secret_environment_variables = {
        OAUTH_CLIENT_SECRET = google_secret_manager_secret.oauth_client_secret.secret_id
        TOKEN_MAC_KEY       = google_secret_manager_secret.token_mac_key.secret_id
      }
      event_trigger = null
    }
  }
}

resource "google_cloudfunctions2_function" "function" {
  #checkov:skip=CKV_GCP_124:Ingress is ALLOW_ALL only for fulfillment and account_linking (each.value.ingress_settings): Google Home, Google's token requests and the user's browser reach them from the internet without Google credentials, and the code authenticates every request (bearer token; client id, redirect URI, password, client secret). The other functions are ALLOW_INTERNAL_ONLY, which tests/infra/test_terraform.py enforces.
  for_each = local.functions

  project     = var.project_id
  location    = var.region
  name        = "${var.name_prefix}-${each.value.name}"
  description = each.value.description
  labels      = local.labels

  build_config {
    runtime           = local.runtime
    entry_point       = each.key
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
    available_memory                 = each.value.capacity.memory
    available_cpu                    = each.value.capacity.cpu
    max_instance_request_concurrency = each.value.capacity.concurrency
    timeout_seconds                  = each.value.timeout_seconds
    min_instance_count               = each.value.min_instance_count
    max_instance_count               = each.value.max_instance_count
    ingress_settings                 = each.value.ingress_settings
    all_traffic_on_latest_revision   = true
    service_account_email            = each.value.service_account_email
    environment_variables            = each.value.environment_variables

    dynamic "secret_environment_variables" {
      for_each = each.value.secret_environment_variables
      content {
        key        = secret_environment_variables.key
        project_id = data.google_project.this.number
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  dynamic "event_trigger" {
    for_each = each.value.event_trigger == null ? [] : [each.value.event_trigger]
    content {
      trigger_region        = event_trigger.value.trigger_region
      event_type            = event_trigger.value.event_type
      retry_policy          = event_trigger.value.retry_policy
      service_account_email = event_trigger.value.service_account_email

      dynamic "event_filters" {
        for_each = event_trigger.value.event_filters
        content {
          attribute = event_filters.value.attribute
          value     = event_filters.value.value
          operator  = event_filters.value.operator
        }
      }
    }
  }

  # One list for all four (Terraform has no per-instance depends_on): what each function needs
  # before its first deploy. The APIs and service agents (agents.tf), the build identity's roles,
  # the database; on_device_written: its trigger identity's roles; account_linking: its secret and
  # the secret's first version, Firestore role and Identity Platform; fulfillment and
  # account_linking: the token key, its first version and their access to it.
  depends_on = [
    time_sleep.apis,
    time_sleep.service_agents,
    google_project_iam_member.build,
    google_artifact_registry_repository_iam_member.build_writer,
    google_firestore_database.this,
    google_project_iam_member.device_written_trigger_receiver,
    google_service_account_iam_member.pubsub_agent_token_creator,
    google_secret_manager_secret_iam_member.account_linking_client_secret,
    google_secret_manager_secret_version.oauth_client_secret,
    google_secret_manager_secret_iam_member.fulfillment_token_mac_key,
    google_secret_manager_secret_iam_member.account_linking_token_mac_key,
    google_secret_manager_secret_version.token_mac_key,
    google_project_iam_member.account_linking_firestore,
    google_identity_platform_config.this,
  ]
}

# Command records and device events, users/{userId}/devices/{deviceId}/{commands|events}/{id}, reach
# on_device_written too. A function has one event_trigger, and one path pattern cannot match both
# depths, so this second trigger delivers to the same Cloud Run service: same event type, database,
# content type, region and identity as the function's own trigger (which already holds
# eventarc.eventReceiver and run.invoker on that service, iam.tf). Eventarc retries failed
# deliveries by default, as the function's RETRY_POLICY_RETRY does; the function's event-age guard
# (MAX_EVENT_AGE_SECONDS) bounds them.
resource "google_eventarc_trigger" "device_records" {
  project  = var.project_id
  name     = "${var.name_prefix}-device-records"
  location = local.firestore_trigger_region
  labels   = local.labels

  matching_criteria {
    attribute = "type"
    value     = local.firestore_written_event
  }

  matching_criteria {
    attribute = "database"
    value     = var.firestore_database
  }

  matching_criteria {
    attribute = "document"
    value     = local.device_record_pattern
    operator  = "match-path-pattern"
  }

  event_data_content_type = local.firestore_event_content_type
  service_account         = google_service_account.device_written_trigger.email

  destination {
    cloud_run_service {
      service = google_cloudfunctions2_function.function["on_device_written"].service_config[0].service
      region  = google_cloudfunctions2_function.function["on_device_written"].location
    }
  }

  depends_on = [
    time_sleep.service_agents,
    google_project_iam_member.device_written_trigger_receiver,
    google_cloud_run_v2_service_iam_member.device_written_trigger_invoker,
    google_service_account_iam_member.pubsub_agent_token_creator,
  ]
}

# The functions were four resources before; these keep deployed ones in place (no destroy/create).
moved {
  from = google_cloudfunctions2_function.fulfillment
  to   = google_cloudfunctions2_function.function["fulfillment"]
}

moved {
  from = google_cloudfunctions2_function.on_device_written
  to   = google_cloudfunctions2_function.function["on_device_written"]
}

moved {
  from = google_cloudfunctions2_function.on_device_change
  to   = google_cloudfunctions2_function.function["on_device_change"]
}

moved {
  from = google_cloudfunctions2_function.account_linking
  to   = google_cloudfunctions2_function.function["account_linking"]
}
