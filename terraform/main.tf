# Project services, the Firestore database, the function source, the image repository and the
# OAuth secret. Firestore's indexes and TTL policies are in firestore.tf.

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  labels = merge(var.labels, { app = "smarthome-backend", managed-by = "terraform" })

  # The Eventarc region of the Firestore triggers: the database's own location unless the operator
  # says otherwise (var.firestore_trigger_region; docs/deployment.md, "The Firestore trigger's
  # region", has the evidence). For a nam5 database that is "nam5", as firebase-tools deploys it.
  firestore_trigger_region = var.firestore_trigger_region != "" ? var.firestore_trigger_region : var.firestore_location

  # The device documents the product watches: functions/core/paths.py USERS / DEVICES.
  device_document_pattern = "users/{userId}/devices/{deviceId}"
  # And the records under them: command records (commands) and device events (events). One
  # segment deeper, so the device trigger never sees them; on_device_written dispatches by path.
  device_record_pattern = "users/{userId}/devices/{deviceId}/{collection}/{docId}"
  # What both Firestore triggers of on_device_written receive: every create, update and delete,
  # as protobuf DocumentEventData (what Cloud Functions gives its own Firestore triggers).
  firestore_written_event      = "google.cloud.firestore.document.v1.written"
  firestore_event_content_type = "application/protobuf"

  # The deployed source: an allow-list (main.py, requirements.txt, the functions package), so
  # tests, devstack, virtualenvs and caches can never be shipped.
  source_root = abspath("${path.module}/..")
  source_files = sort(concat(
    ["main.py", "requirements.txt"],
    [for file in fileset(local.source_root, "functions/**") : file if !strcontains(file, "__pycache__") && !endswith(file, ".pyc")],
  ))

  services = toset(concat([
    "apikeys.googleapis.com",
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "eventarc.googleapis.com",
    "firestore.googleapis.com",
    "homegraph.googleapis.com",
    "iam.googleapis.com",
    "identitytoolkit.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
    ],
    # The optional billing budget (monitoring.tf) is created through this API.
    var.billing_account == "" ? [] : ["billingbudgets.googleapis.com"],
  ))
}

resource "google_project_service" "enabled" {
  for_each = local.services

  project = var.project_id
  service = each.value

  # Leave APIs on at destroy time: other workloads in the project may use them.
  disable_on_destroy         = false
  disable_dependent_services = false
}

resource "google_firestore_database" "this" {
  count = var.create_firestore_database ? 1 : 0

  project     = var.project_id
  name        = var.firestore_database
  location_id = var.firestore_location
  type        = "FIRESTORE_NATIVE"

  point_in_time_recovery_enablement = var.firestore_point_in_time_recovery ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  # terraform destroy forgets the database instead of deleting every user's data.
  deletion_policy = "ABANDON"

  depends_on = [time_sleep.apis]
}

# --- Function source ---------------------------------------------------------------------------

data "archive_file" "source" {
  type        = "zip"
  output_path = "${path.module}/.terraform/build/source.zip"

  dynamic "source" {
    for_each = local.source_files
    content {
      filename = source.value
      content  = file("${local.source_root}/${source.value}")
    }
  }
}

resource "google_storage_bucket" "source" {
  #checkov:skip=CKV_GCP_62:Access logs of a bucket holding only the open-source function archive add cost without value; Cloud Audit Logs already record admin access.
  project  = var.project_id
  name     = "${var.project_id}-${var.name_prefix}-source"
  location = var.region
  labels   = local.labels

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  versioning {
    enabled = true
  }

  # Each deploy uploads a new object; old archives are not needed once a newer one is deployed.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      age = 90
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [time_sleep.apis]
}

resource "google_storage_bucket_object" "source" {
  # Named by content hash: a code change uploads a new object, which redeploys every function.
  name   = "source-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}

resource "google_artifact_registry_repository" "functions" {
  #checkov:skip=CKV_GCP_84:Images hold only the open-source function code; Google-managed encryption is enough, and a KMS key adds cost and key-management duties.
  project       = var.project_id
  location      = var.region
  repository_id = "${var.name_prefix}-functions"
  format        = "DOCKER"
  description   = "Images Cloud Build makes from the smart-home functions."
  labels        = local.labels

  cleanup_policy_dry_run = false

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = var.image_versions_kept
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "2592000s"
    }
  }

  depends_on = [time_sleep.apis]
}

# --- Secrets -----------------------------------------------------------------------------------

# The OAuth client secret of account_linking (Google sends it to the token endpoint). Only
# account_linking's runtime account may read it (iam.tf), as the secret environment variable
# OAUTH_CLIENT_SECRET (functions.tf); the operator reads it once to paste it into the Developer
# Console (gcloud secrets versions access latest, docs/deployment.md). deletion_protection: the
# secret holds the only copy of what Google was given.
resource "google_secret_manager_secret" "oauth_client_secret" {
  project             = var.project_id
  secret_id           = "${var.name_prefix}-oauth-client-secret"
  labels              = local.labels
  deletion_protection = var.deletion_protection

  replication {
    auto {}
  }

  depends_on = [time_sleep.apis]
}

# Its value, generated here so that one apply leaves a usable secret (account_linking reads version
# "latest" when an instance starts, and fails without one). 64 letters and digits: 381 bits, safe
# to paste anywhere. The value is in the Terraform state (sensitive, never an output): keep the
# state in the versioned, access-controlled bucket of backend.tf.example. A write-only attribute
# (secret_data_wo) fed by an ephemeral random_password would keep it out of the state, but needs
# Terraform 1.11 and random 3.7 (docs/deployment.md, "The client secret"). Rotate with
# terraform apply -replace=random_password.oauth_client_secret. Set
# generate_oauth_client_secret = false to keep adding versions out of band instead.
resource "random_password" "oauth_client_secret" {
  count = var.generate_oauth_client_secret ? 1 : 0

  length  = 64
  special = false
}

resource "google_secret_manager_secret_version" "oauth_client_secret" {
  count = var.generate_oauth_client_secret ? 1 : 0

  secret      = google_secret_manager_secret.oauth_client_secret.id
  secret_data = random_password.oauth_client_secret[0].result
}

# The key that signs bearer tokens (TOKEN_MAC_KEY, functions/core/tokens.py): account_linking signs
# every token it issues, and the fulfillment checks an access token's MAC before any I/O, so a
# forged token costs no Firestore read (docs/fulfillment.md, "Tokens"). Only those two runtime
# accounts may read it (iam.tf). Nobody outside the deployment ever sees it, so it is always
# generated here. Rotate with terraform apply -replace=random_password.token_mac_key: access
# tokens signed with the old key are refused until Google refreshes them (refresh tokens are never
# checked against it); for a rotation without that, add a version "<new> <old>" out of band and,
# an access-token lifetime later, one with "<new>" alone (docs/account_linking.md).
resource "google_secret_manager_secret" "token_mac_key" {
  project             = var.project_id
  secret_id           = "${var.name_prefix}-token-mac-key"
  labels              = local.labels
  deletion_protection = var.deletion_protection

  replication {
    auto {}
  }

  depends_on = [time_sleep.apis]
}

resource "random_password" "token_mac_key" {
  length  = 64
  special = false
}

resource "google_secret_manager_secret_version" "token_mac_key" {
  secret      = google_secret_manager_secret.token_mac_key.id
  secret_data = random_password.token_mac_key.result
}

# When token signing began in this deployment: an access token issued before is unsigned, and the
# fulfillment accepts unsigned tokens (each checked against its record alone) for one access-token
# lifetime and an hour of rollout after this instant, then refuses them without I/O
# (UNSIGNED_TOKENS_UNTIL, functions.tf). Created once; a key rotation does not reopen the window.
resource "time_static" "token_signing" {
  depends_on = [google_secret_manager_secret_version.token_mac_key]
}
