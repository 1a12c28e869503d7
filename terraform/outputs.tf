# What the operator needs after apply. No secret is ever an output.

output "fulfillment_url" {
  description = "Paste into the Google Home Developer Console: Cloud-to-cloud integration > Fulfillment URL."
  value       = google_cloudfunctions2_function.function["fulfillment"].service_config[0].uri
}

# --- Account linking: the Developer Console's "Account linking" page -----------------------------

output "account_linking_authorization_url" {
  description = "Paste into the Google Home Developer Console: Account linking > Authorization URL."
  value       = "${google_cloudfunctions2_function.function["account_linking"].service_config[0].uri}/authorize"
}

output "account_linking_token_url" {
  description = "Paste into the Google Home Developer Console: Account linking > Token URL."
  value       = "${google_cloudfunctions2_function.function["account_linking"].service_config[0].uri}/token"
}

output "oauth_client_id" {
  description = "Paste into the Google Home Developer Console: Account linking > Client ID (the client secret is the value of the oauth_client_secret_id secret, never an output)."
  value       = var.oauth_client_id
}

output "function_names" {
  description = "Deployed function names, for gcloud functions logs read NAME --region REGION."
  value       = { for entry_point, function in google_cloudfunctions2_function.function : entry_point => function.name }
}

output "region" {
  description = "Region of the functions."
  value       = var.region
}

output "firestore_trigger_region" {
  description = "Eventarc region of the Firestore trigger (a multi-region database maps to one region)."
  value       = local.firestore_trigger_region
}

output "service_account_emails" {
  description = "Service accounts by role: the four function runtimes, the two delivery identities and the build identity."
  value = {
    fulfillment            = google_service_account.fulfillment.email
    account_linking        = google_service_account.account_linking.email
    on_device_written      = google_service_account.on_device_written.email
    on_device_change       = google_service_account.on_device_change.email
    device_written_trigger = google_service_account.device_written_trigger.email
    device_change_push     = google_service_account.device_change_push.email
    build                  = google_service_account.build.email
  }
}

output "device_changes_topic" {
  description = "Pub/Sub topic on_device_written publishes device changes to (DEVICE_CHANGES_TOPIC)."
  value       = google_pubsub_topic.device_changes.name
}

output "device_changes_subscription" {
  description = "Push subscription that delivers device changes to on_device_change (ordered, with dead-lettering)."
  value       = google_pubsub_subscription.device_changes_push.name
}

output "dead_letter_topic" {
  description = "Topic that receives device-change messages after max_delivery_attempts failed deliveries."
  value       = google_pubsub_topic.device_changes_dead_letter.name
}

output "dead_letter_subscription" {
  description = "Pull subscription keeping dead letters for inspection and replay (gcloud pubsub subscriptions pull)."
  value       = google_pubsub_subscription.device_changes_dead_letter.name
}

output "oauth_client_secret_id" {
  description = "Secret Manager secret (name only, never the value) holding the account-linking OAuth client secret; add its value with gcloud secrets versions add and paste the same value into the Developer Console's Client secret."
  value       = google_secret_manager_secret.oauth_client_secret.secret_id
}

output "source_bucket" {
  description = "Private bucket holding the deployed function archives."
  value       = google_storage_bucket.source.name
}
