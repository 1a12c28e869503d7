# Identities and the only roles they hold. No primitive role (owner/editor/viewer) anywhere.
#
#   fulfillment            runtime of fulfillment: reads and writes Firestore (devices, tokens, users)
#                          and reads the token key
#   linking                runtime of account_linking: Firestore (sign-in pages, codes, tokens),
#                          the OAuth client secret and the token key, nothing else
#   dev-written            runtime of on_device_written: publishes changes (no Firestore access)
#   dev-change             runtime of on_device_change: Firestore bookkeeping; calls Home Graph
#   written-trigger        identity Eventarc uses to deliver Firestore events to on_device_written
#   change-push            identity Pub/Sub uses to push device changes to on_device_change
#   build                  identity Cloud Build uses to build the four functions

resource "google_service_account" "fulfillment" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-fulfillment"
  display_name = "smart-home fulfillment (runtime)"
  description  = "Runs the fulfillment function; Firestore user and accessor of the token key only."

  depends_on = [time_sleep.apis]
}

resource "google_service_account" "account_linking" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-linking"
  display_name = "smart-home account_linking (runtime)"
  description  = "Runs account_linking; Firestore user, accessor of the OAuth client secret and the token key only."

  depends_on = [time_sleep.apis]
}

resource "google_service_account" "on_device_written" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-dev-written"
  display_name = "smart-home on_device_written (runtime)"
  description  = "Runs on_device_written; publishes to the device-changes topic (no Firestore access)."

  depends_on = [time_sleep.apis]
}

resource "google_service_account" "on_device_change" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-dev-change"
  display_name = "smart-home on_device_change (runtime)"
  description  = "Runs on_device_change; Firestore bookkeeping and Home Graph calls (no IAM role needed for Home Graph)."

  depends_on = [time_sleep.apis]
}

resource "google_service_account" "device_written_trigger" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-written-trigger"
  display_name = "smart-home Firestore trigger identity"
  description  = "Eventarc delivers Firestore device-document events to on_device_written as this account."

  depends_on = [time_sleep.apis]
}

resource "google_service_account" "device_change_push" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-change-push"
  display_name = "smart-home device-change push identity"
  description  = "Pub/Sub pushes device-change messages to on_device_change with this account's OIDC token."

  depends_on = [time_sleep.apis]
}

resource "google_service_account" "build" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-build"
  display_name = "smart-home function builds"
  description  = "Cloud Build builds the function images as this account."

  depends_on = [time_sleep.apis]
}

# --- Runtime roles -----------------------------------------------------------------------------

resource "google_project_iam_member" "fulfillment_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.fulfillment.member

  depends_on = [time_sleep.apis]
}

# account_linking keeps sign-in requests, authorization codes, access and refresh tokens and
# sign-in failure counters in Firestore (authRequests, authCodes, tokens, signInFailures).
resource "google_project_iam_member" "account_linking_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.account_linking.member

  depends_on = [time_sleep.apis]
}

# The only grant on the OAuth client secret, and on that secret alone (not project-wide), so no
# other function or account of this configuration can read it.
resource "google_secret_manager_secret_iam_member" "account_linking_client_secret" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.oauth_client_secret.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.account_linking.member

  depends_on = [time_sleep.apis]
}

# The token key (main.tf): account_linking signs tokens with it, the fulfillment checks them. Both
# grants are on that secret alone.
resource "google_secret_manager_secret_iam_member" "fulfillment_token_mac_key" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.token_mac_key.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.fulfillment.member

  depends_on = [time_sleep.apis]
}

resource "google_secret_manager_secret_iam_member" "account_linking_token_mac_key" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.token_mac_key.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.account_linking.member

  depends_on = [time_sleep.apis]
}

# on_device_written makes no Firestore call (the event carries the document before and after the
# write): it holds no Firestore role, only the right to publish to the device-changes topic.
resource "google_pubsub_topic_iam_member" "on_device_written_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.device_changes.name
  role    = "roles/pubsub.publisher"
  member  = google_service_account.on_device_written.member

  depends_on = [time_sleep.apis]
}

resource "google_project_iam_member" "on_device_change_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.on_device_change.member

  depends_on = [time_sleep.apis]
}

# --- Who may invoke what -----------------------------------------------------------------------

# 2nd-gen functions are Cloud Run services: invocation is run.invoker on the service.
# fulfillment is public on purpose: Google Home calls it without Google credentials, and the
# function authenticates every request by its OAuth bearer token.
resource "google_cloud_run_v2_service_iam_member" "fulfillment_public" {
  project  = var.project_id
  location = google_cloudfunctions2_function.function["fulfillment"].location
  name     = google_cloudfunctions2_function.function["fulfillment"].service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"

  depends_on = [time_sleep.apis]
}

# account_linking is public for the same reason: the user's browser opens /authorize and Google
# calls /token without Google credentials; the function checks the client, the redirect URI, the
# user's password and the client secret itself.
resource "google_cloud_run_v2_service_iam_member" "account_linking_public" {
  project  = var.project_id
  location = google_cloudfunctions2_function.function["account_linking"].location
  name     = google_cloudfunctions2_function.function["account_linking"].service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"

  depends_on = [time_sleep.apis]
}

resource "google_project_iam_member" "device_written_trigger_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = google_service_account.device_written_trigger.member

  depends_on = [time_sleep.apis]
}

resource "google_cloud_run_v2_service_iam_member" "device_written_trigger_invoker" {
  project  = var.project_id
  location = google_cloudfunctions2_function.function["on_device_written"].location
  name     = google_cloudfunctions2_function.function["on_device_written"].service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.device_written_trigger.member

  depends_on = [time_sleep.apis]
}

resource "google_cloud_run_v2_service_iam_member" "device_change_push_invoker" {
  project  = var.project_id
  location = google_cloudfunctions2_function.function["on_device_change"].location
  name     = google_cloudfunctions2_function.function["on_device_change"].service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.device_change_push.member

  depends_on = [time_sleep.apis]
}

# The Pub/Sub service agent mints the OIDC tokens of push deliveries (Eventarc's Firestore
# transport is Pub/Sub too). Projects made before 2021-04-08 lack this grant by default; it is
# scoped to the two identities that need it, not the project.
resource "google_service_account_iam_member" "pubsub_agent_token_creator" {
  for_each = {
    change_push     = google_service_account.device_change_push.name
    written_trigger = google_service_account.device_written_trigger.name
  }

  service_account_id = each.value
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent

  depends_on = [time_sleep.apis]
}

# --- Build -------------------------------------------------------------------------------------

# What Google documents for a user-specified Cloud Functions build account: write build logs and
# read the staged source (Cloud Functions copies the archive into its own gcf-v2-sources bucket,
# which does not exist before the first deploy, so the grant cannot be narrowed to a bucket).
resource "google_project_iam_member" "build" {
  for_each = toset([
    "roles/logging.logWriter",
    "roles/storage.objectViewer",
  ])

  project = var.project_id
  role    = each.value
  member  = google_service_account.build.member

  depends_on = [time_sleep.apis]
}

resource "google_artifact_registry_repository_iam_member" "build_writer" {
  project    = var.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.build.member

  depends_on = [time_sleep.apis]
}
