# Inputs. Every variable is typed, described and validated where Terraform can check it.
# Tuning variables map one to one onto the environment variables in functions/core/config.py (ENV_VARS).

variable "project_id" {
  type        = string
  description = "Google Cloud project id to deploy into; also the Home Graph agent (the smart-home project in the Google Home Developer Console)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id: 6 to 30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "region" {
  type        = string
  description = "Region of the functions, the source bucket and the image repository, e.g. us-central1 or europe-west1."
  default     = "us-central1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as us-central1 (not a zone, not a multi-region)."
  }
}

variable "firestore_location" {
  type        = string
  description = "Location of the Firestore database: the multi-region nam5 or eur3, or a region such as us-east1. Cannot change after the database exists."
  default     = "nam5"

  validation {
    condition     = contains(["nam5", "eur3"], var.firestore_location) || can(regex("^[a-z]+-[a-z]+[0-9]+$", var.firestore_location))
    error_message = "firestore_location must be nam5, eur3 or a Google Cloud region such as us-east1."
  }
}

variable "firestore_database" {
  type        = string
  description = "Firestore database id the functions use (FIRESTORE_DATABASE)."
  default     = "(default)"

  validation {
    condition     = var.firestore_database == "(default)" || can(regex("^[a-z][a-z0-9-]{2,61}[a-z0-9]$", var.firestore_database))
    error_message = "firestore_database must be (default) or 4 to 63 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "create_firestore_database" {
  type        = bool
  description = "Create the Firestore database (native mode). Set false when the project already has it (for example a Firebase project's (default) database)."
  default     = true
}

variable "firestore_trigger_region" {
  type        = string
  description = "Eventarc region of the two Firestore triggers of on_device_written. Empty (the default): the database's own location, e.g. nam5, as firebase-tools deploys Firestore triggers and as Eventarc asks for (\"Database '(default)' does not exist in region 'us-central1'. Did you mean region 'nam5'?\"). Set us-central1 (for nam5) or europe-west4 (for eur3) to follow the mapping on Google's Firestore Eventarc page instead (docs/deployment.md)."
  default     = ""

  validation {
    condition     = var.firestore_trigger_region == "" || contains(["nam5", "eur3"], var.firestore_trigger_region) || can(regex("^[a-z]+-[a-z]+[0-9]+$", var.firestore_trigger_region))
    error_message = "firestore_trigger_region must be empty (the database's location), nam5, eur3 or a Google Cloud region such as us-central1."
  }
}

# --- Data: recovery and protection --------------------------------------------------------------

variable "firestore_point_in_time_recovery" {
  type        = bool
  description = "Keep 7 days of Firestore point-in-time recovery versions (billed as extra storage; on in production.tfvars.example). Only used when this configuration creates the database."
  default     = false
}

variable "firestore_backup_retention_days" {
  type        = number
  description = "Days each scheduled Firestore backup is kept; 0 (the default) schedules no backup. On in production.tfvars.example."
  default     = 0

  validation {
    # Firestore keeps a scheduled backup at most 14 weeks.
    condition     = var.firestore_backup_retention_days == floor(var.firestore_backup_retention_days) && var.firestore_backup_retention_days >= 0 && var.firestore_backup_retention_days <= 98
    error_message = "firestore_backup_retention_days must be a whole number from 0 (no backups) to 98 (14 weeks, Firestore's limit)."
  }
}

variable "firestore_backup_weekday" {
  type        = string
  description = "Empty (the default): a backup every day. A weekday (MONDAY ... SUNDAY): one backup a week, on that day."
  default     = ""

  validation {
    condition     = contains(["", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"], var.firestore_backup_weekday)
    error_message = "firestore_backup_weekday must be empty (daily) or a weekday in capitals, e.g. SUNDAY."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete the OAuth client secret (the only copy of what Google was given). The Firestore database is always delete-protected and abandoned, not deleted, by terraform destroy. Set false, apply, then destroy, to remove everything on purpose."
  default     = true
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name (functions, service accounts, topics, bucket, secret). Change it to deploy two copies into one project."
  default     = "smarthome"

  validation {
    # 14 characters at most: the longest service account id is "<prefix>-written-trigger" (30 max).
    condition     = can(regex("^[a-z][a-z0-9-]{0,12}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 1 to 14 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every resource that takes labels."
  default     = {}

  validation {
    condition     = alltrue([for key, value in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", key)) && can(regex("^[a-z0-9_-]{0,63}$", value))])
    error_message = "Label keys must start with a lowercase letter; keys and values hold at most 63 lowercase letters, digits, underscores or hyphens."
  }
}

variable "access_token_ttl_seconds" {
  type        = number
  description = "Lifetime of the access tokens the fulfillment accepts and issues (ACCESS_TOKEN_TTL_SECONDS)."
  default     = 3600

  validation {
    condition     = var.access_token_ttl_seconds == floor(var.access_token_ttl_seconds) && var.access_token_ttl_seconds >= 60 && var.access_token_ttl_seconds <= 86400
    error_message = "access_token_ttl_seconds must be a whole number from 60 to 86400."
  }
}

variable "request_sync_min_interval_seconds" {
  type        = number
  description = "Shortest time between two Home Graph requestSync calls for one user; structural changes inside it are coalesced (REQUEST_SYNC_MIN_INTERVAL_SECONDS)."
  default     = 10

  validation {
    condition     = var.request_sync_min_interval_seconds >= 0 && var.request_sync_min_interval_seconds <= 3600
    error_message = "request_sync_min_interval_seconds must be from 0 to 3600."
  }
}

variable "homegraph_timeout_seconds" {
  type        = number
  description = "Timeout of one Home Graph API call; a call that takes longer counts as a transient failure (HOMEGRAPH_TIMEOUT_SECONDS)."
  default     = 10

  validation {
    condition     = var.homegraph_timeout_seconds >= 1 && var.homegraph_timeout_seconds <= 60
    error_message = "homegraph_timeout_seconds must be between 1 and 60."
  }
}

variable "homegraph_retry_seconds" {
  type        = number
  description = "Time budget of on_device_change for retrying a transient Home Graph failure inside one delivery before the message goes back to Pub/Sub for redelivery (HOMEGRAPH_RETRY_SECONDS)."
  default     = 30

  validation {
    condition     = var.homegraph_retry_seconds > 0 && var.homegraph_retry_seconds <= 540
    error_message = "homegraph_retry_seconds must be more than 0 and at most 540 (the longest event-function timeout)."
  }
}

variable "new_user_grace_seconds" {
  type        = number
  description = "After a user links, how long Home Graph may still answer 'unknown user' before on_device_change treats the user as gone (NEW_USER_GRACE_SECONDS)."
  default     = 120

  validation {
    condition     = var.new_user_grace_seconds >= 0 && var.new_user_grace_seconds <= 86400
    error_message = "new_user_grace_seconds must be from 0 to 86400."
  }
}

variable "homegraph_calls_per_minute" {
  type        = number
  description = "Home Graph calls all on_device_change instances may make per minute together, Request Sync and Report State counted as one budget in Firestore (homegraphQuota). Google's quota is 6,000 per minute per project; lower it if something else in the project calls Home Graph. 0 turns the budget off (HOMEGRAPH_CALLS_PER_MINUTE)."
  default     = 6000

  validation {
    # The budget is counted in 62 one-second slices per minute of at least one call each, so a
    # budget under 62 would still allow 62 calls a minute.
    condition     = var.homegraph_calls_per_minute == floor(var.homegraph_calls_per_minute) && (var.homegraph_calls_per_minute == 0 || (var.homegraph_calls_per_minute >= 62 && var.homegraph_calls_per_minute <= 1000000))
    error_message = "homegraph_calls_per_minute must be 0 (no budget) or a whole number from 62 to 1000000."
  }
}

variable "homegraph_request_sync_share" {
  type        = number
  description = "Share of each second's Home Graph calls kept for Request Sync: Report State may use the rest, and the kept share too in the last 30% of the second if Request Sync left it (HOMEGRAPH_REQUEST_SYNC_SHARE)."
  default     = 0.1

  validation {
    condition     = var.homegraph_request_sync_share >= 0 && var.homegraph_request_sync_share < 1
    error_message = "homegraph_request_sync_share must be at least 0 and below 1."
  }
}

variable "max_event_age_seconds" {
  type        = number
  description = "Events older than this are dropped (logged) instead of retried again, so a poisoned event cannot loop for days (MAX_EVENT_AGE_SECONDS)."
  default     = 3600

  validation {
    condition     = var.max_event_age_seconds >= 60 && var.max_event_age_seconds <= 604800
    error_message = "max_event_age_seconds must be from 60 to 604800 (Pub/Sub keeps messages 7 days)."
  }
}

# --- Capacity: memory, CPU and per-instance concurrency of each function ---------------------------
#
# Today's values are the defaults: 256M, Cloud Run's CPU share for it, one request per instance.
# Concurrency above 1 only where the code is shown thread-safe and measured (docs/operations.md,
# "Capacity", and docs/performance.md).

variable "fulfillment_capacity" {
  type = object({
    memory      = optional(string, "256M")
    cpu         = optional(string)
    concurrency = optional(number, 1)
  })
  description = "fulfillment: memory (e.g. 256M, 512Mi, 1Gi), cpu (vCPUs; null = Cloud Run's share for the memory, 0.167 at 256M) and concurrency (requests one instance serves at once; above 1 needs at least 1 vCPU). Unset attributes keep today's values (256M, 0.167 vCPU, 1); docs/operations.md, \"Capacity\"."
  default     = {}

  validation {
    condition     = can(regex("^[0-9]+(k|M|G|Mi|Gi)$", var.fulfillment_capacity.memory))
    error_message = "fulfillment_capacity.memory must be a number followed by k, M, G, Mi or Gi, e.g. 256M."
  }

  validation {
    # Cloud Run: fractional CPU from 0.08 to 1, or 1, 2, 4, 6 or 8 whole vCPUs.
    condition     = var.fulfillment_capacity.cpu == null || try(contains([1, 2, 4, 6, 8], tonumber(var.fulfillment_capacity.cpu)) || (tonumber(var.fulfillment_capacity.cpu) >= 0.08 && tonumber(var.fulfillment_capacity.cpu) < 1), false)
    error_message = "fulfillment_capacity.cpu must be null, a fraction from 0.08 to below 1, or 1, 2, 4, 6 or 8."
  }

  validation {
    condition     = var.fulfillment_capacity.concurrency == floor(var.fulfillment_capacity.concurrency) && var.fulfillment_capacity.concurrency >= 1 && var.fulfillment_capacity.concurrency <= 1000
    error_message = "fulfillment_capacity.concurrency must be a whole number from 1 to 1000."
  }

  validation {
    condition     = var.fulfillment_capacity.concurrency == 1 || try(tonumber(var.fulfillment_capacity.cpu) >= 1, false)
    error_message = "fulfillment_capacity.concurrency above 1 needs cpu of at least 1 (Cloud Run's rule)."
  }
}

variable "on_device_written_capacity" {
  type = object({
    memory      = optional(string, "256M")
    cpu         = optional(string)
    concurrency = optional(number, 1)
  })
  description = "on_device_written: memory (e.g. 256M, 512Mi, 1Gi), cpu (vCPUs; null = Cloud Run's share for the memory, 0.167 at 256M) and concurrency (requests one instance serves at once; above 1 needs at least 1 vCPU). Unset attributes keep today's values (256M, 0.167 vCPU, 1); docs/operations.md, \"Capacity\"."
  default     = {}

  validation {
    condition     = can(regex("^[0-9]+(k|M|G|Mi|Gi)$", var.on_device_written_capacity.memory))
    error_message = "on_device_written_capacity.memory must be a number followed by k, M, G, Mi or Gi, e.g. 256M."
  }

  validation {
    # Cloud Run: fractional CPU from 0.08 to 1, or 1, 2, 4, 6 or 8 whole vCPUs.
    condition     = var.on_device_written_capacity.cpu == null || try(contains([1, 2, 4, 6, 8], tonumber(var.on_device_written_capacity.cpu)) || (tonumber(var.on_device_written_capacity.cpu) >= 0.08 && tonumber(var.on_device_written_capacity.cpu) < 1), false)
    error_message = "on_device_written_capacity.cpu must be null, a fraction from 0.08 to below 1, or 1, 2, 4, 6 or 8."
  }

  validation {
    condition     = var.on_device_written_capacity.concurrency == floor(var.on_device_written_capacity.concurrency) && var.on_device_written_capacity.concurrency >= 1 && var.on_device_written_capacity.concurrency <= 1000
    error_message = "on_device_written_capacity.concurrency must be a whole number from 1 to 1000."
  }

  validation {
    condition     = var.on_device_written_capacity.concurrency == 1 || try(tonumber(var.on_device_written_capacity.cpu) >= 1, false)
    error_message = "on_device_written_capacity.concurrency above 1 needs cpu of at least 1 (Cloud Run's rule)."
  }
}

variable "on_device_change_capacity" {
  type = object({
    memory      = optional(string, "256M")
    cpu         = optional(string)
    concurrency = optional(number, 1)
  })
  description = "on_device_change: memory (e.g. 256M, 512Mi, 1Gi), cpu (vCPUs; null = Cloud Run's share for the memory, 0.167 at 256M) and concurrency (requests one instance serves at once; above 1 needs at least 1 vCPU). Unset attributes keep today's values (256M, 0.167 vCPU, 1); docs/operations.md, \"Capacity\"."
  default     = {}

  validation {
    condition     = can(regex("^[0-9]+(k|M|G|Mi|Gi)$", var.on_device_change_capacity.memory))
    error_message = "on_device_change_capacity.memory must be a number followed by k, M, G, Mi or Gi, e.g. 256M."
  }

  validation {
    # Cloud Run: fractional CPU from 0.08 to 1, or 1, 2, 4, 6 or 8 whole vCPUs.
    condition     = var.on_device_change_capacity.cpu == null || try(contains([1, 2, 4, 6, 8], tonumber(var.on_device_change_capacity.cpu)) || (tonumber(var.on_device_change_capacity.cpu) >= 0.08 && tonumber(var.on_device_change_capacity.cpu) < 1), false)
    error_message = "on_device_change_capacity.cpu must be null, a fraction from 0.08 to below 1, or 1, 2, 4, 6 or 8."
  }

  validation {
    condition     = var.on_device_change_capacity.concurrency == floor(var.on_device_change_capacity.concurrency) && var.on_device_change_capacity.concurrency >= 1 && var.on_device_change_capacity.concurrency <= 1000
    error_message = "on_device_change_capacity.concurrency must be a whole number from 1 to 1000."
  }

  validation {
    condition     = var.on_device_change_capacity.concurrency == 1 || try(tonumber(var.on_device_change_capacity.cpu) >= 1, false)
    error_message = "on_device_change_capacity.concurrency above 1 needs cpu of at least 1 (Cloud Run's rule)."
  }
}

variable "account_linking_capacity" {
  type = object({
    memory      = optional(string, "256M")
    cpu         = optional(string)
    concurrency = optional(number, 1)
  })
  description = "account_linking: memory (e.g. 256M, 512Mi, 1Gi), cpu (vCPUs; null = Cloud Run's share for the memory, 0.167 at 256M) and concurrency (requests one instance serves at once; above 1 needs at least 1 vCPU). Unset attributes keep today's values (256M, 0.167 vCPU, 1); docs/operations.md, \"Capacity\"."
  default     = {}

  validation {
    condition     = can(regex("^[0-9]+(k|M|G|Mi|Gi)$", var.account_linking_capacity.memory))
    error_message = "account_linking_capacity.memory must be a number followed by k, M, G, Mi or Gi, e.g. 256M."
  }

  validation {
    # Cloud Run: fractional CPU from 0.08 to 1, or 1, 2, 4, 6 or 8 whole vCPUs.
    condition     = var.account_linking_capacity.cpu == null || try(contains([1, 2, 4, 6, 8], tonumber(var.account_linking_capacity.cpu)) || (tonumber(var.account_linking_capacity.cpu) >= 0.08 && tonumber(var.account_linking_capacity.cpu) < 1), false)
    error_message = "account_linking_capacity.cpu must be null, a fraction from 0.08 to below 1, or 1, 2, 4, 6 or 8."
  }

  validation {
    condition     = var.account_linking_capacity.concurrency == floor(var.account_linking_capacity.concurrency) && var.account_linking_capacity.concurrency >= 1 && var.account_linking_capacity.concurrency <= 1000
    error_message = "account_linking_capacity.concurrency must be a whole number from 1 to 1000."
  }

  validation {
    condition     = var.account_linking_capacity.concurrency == 1 || try(tonumber(var.account_linking_capacity.cpu) >= 1, false)
    error_message = "account_linking_capacity.concurrency above 1 needs cpu of at least 1 (Cloud Run's rule)."
  }
}

variable "fulfillment_timeout_seconds" {
  type        = number
  description = "Execution timeout of fulfillment; Google expects answers within seconds, so this only bounds a stuck request."
  default     = 60

  validation {
    condition     = var.fulfillment_timeout_seconds == floor(var.fulfillment_timeout_seconds) && var.fulfillment_timeout_seconds >= 10 && var.fulfillment_timeout_seconds <= 300
    error_message = "fulfillment_timeout_seconds must be a whole number from 10 to 300."
  }
}

variable "event_timeout_seconds" {
  type        = number
  description = "Execution timeout of on_device_written and on_device_change, and the ack deadline of the push subscription that drives on_device_change. It must cover a Request Sync wait, Home Graph retries and the report lease."
  default     = 180

  validation {
    condition     = var.event_timeout_seconds == floor(var.event_timeout_seconds) && var.event_timeout_seconds >= 10 && var.event_timeout_seconds <= 540
    error_message = "event_timeout_seconds must be a whole number from 10 to 540 (the event-function limit; Pub/Sub push allows 600)."
  }
}

variable "fulfillment_min_instances" {
  type        = number
  description = "Instances of fulfillment kept warm; 1 removes cold starts from Google's requests at the cost of an idle instance."
  default     = 0

  validation {
    condition     = var.fulfillment_min_instances == floor(var.fulfillment_min_instances) && var.fulfillment_min_instances >= 0 && var.fulfillment_min_instances <= 10
    error_message = "fulfillment_min_instances must be a whole number from 0 to 10."
  }
}

variable "fulfillment_max_instances" {
  type        = number
  description = "Upper bound on fulfillment instances (a cost ceiling)."
  default     = 20

  validation {
    condition     = var.fulfillment_max_instances == floor(var.fulfillment_max_instances) && var.fulfillment_max_instances >= 1 && var.fulfillment_max_instances <= 1000
    error_message = "fulfillment_max_instances must be a whole number from 1 to 1000."
  }
}

variable "event_max_instances" {
  type        = number
  description = "Upper bound on instances of each event function (on_device_written, on_device_change)."
  default     = 10

  validation {
    condition     = var.event_max_instances == floor(var.event_max_instances) && var.event_max_instances >= 1 && var.event_max_instances <= 1000
    error_message = "event_max_instances must be a whole number from 1 to 1000."
  }
}

variable "max_delivery_attempts" {
  type        = number
  description = "Deliveries of one device-change message before Pub/Sub moves it to the dead-letter topic."
  default     = 10

  validation {
    condition     = var.max_delivery_attempts == floor(var.max_delivery_attempts) && var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be a whole number from 5 to 100 (Pub/Sub's limits)."
  }
}

variable "retry_minimum_backoff_seconds" {
  type        = number
  description = "Shortest wait before Pub/Sub redelivers a device-change message the function failed."
  default     = 10

  validation {
    condition     = var.retry_minimum_backoff_seconds >= 0 && var.retry_minimum_backoff_seconds <= 600
    error_message = "retry_minimum_backoff_seconds must be from 0 to 600."
  }
}

variable "retry_maximum_backoff_seconds" {
  type        = number
  description = "Longest wait before Pub/Sub redelivers a device-change message the function failed; at least retry_minimum_backoff_seconds."
  default     = 600

  validation {
    condition     = var.retry_maximum_backoff_seconds >= 0 && var.retry_maximum_backoff_seconds <= 600
    error_message = "retry_maximum_backoff_seconds must be from 0 to 600."
  }
}

variable "dead_letter_retention_days" {
  type        = number
  description = "Days the dead-letter subscription keeps unacknowledged dead letters for inspection and replay."
  default     = 7

  validation {
    condition     = var.dead_letter_retention_days == floor(var.dead_letter_retention_days) && var.dead_letter_retention_days >= 1 && var.dead_letter_retention_days <= 31
    error_message = "dead_letter_retention_days must be a whole number from 1 to 31."
  }
}

variable "image_versions_kept" {
  type        = number
  description = "Built function images kept per image in the Artifact Registry repository; older ones are deleted by a cleanup policy."
  default     = 5

  validation {
    condition     = var.image_versions_kept == floor(var.image_versions_kept) && var.image_versions_kept >= 1 && var.image_versions_kept <= 100
    error_message = "image_versions_kept must be a whole number from 1 to 100."
  }
}

# --- Account linking ---------------------------------------------------------------------------

variable "oauth_client_id" {
  type        = string
  description = "OAuth client id Google Home uses for account linking (OAUTH_CLIENT_ID); you choose it and paste the same value into the Developer Console. Not a secret: the client secret lives only in Secret Manager."

  validation {
    # No whitespace, and no colon: Google may send the id in an HTTP Basic header, where a colon
    # would split it.
    condition     = can(regex("^[^\\s:]{1,256}$", var.oauth_client_id))
    error_message = "oauth_client_id must be 1 to 256 characters without whitespace or colons."
  }
}

variable "oauth_redirect_uris" {
  type        = list(string)
  description = "Extra redirect URIs account linking may send authorization codes to (OAUTH_REDIRECT_URIS). Google's https://oauth-redirect.googleusercontent.com/r/PROJECT and its sandbox counterpart are always allowed; leave empty unless you link from another client."
  default     = []

  validation {
    condition     = alltrue([for uri in var.oauth_redirect_uris : can(regex("^https://[^\\s,/?#]+(/[^\\s,#]*)?$", uri))])
    error_message = "Every oauth_redirect_uris entry must be an https:// URL without whitespace, commas or a fragment."
  }
}

variable "auth_code_ttl_seconds" {
  type        = number
  description = "Lifetime of an authorization code between the sign-in redirect and Google's token request (AUTH_CODE_TTL_SECONDS)."
  default     = 300

  validation {
    condition     = var.auth_code_ttl_seconds == floor(var.auth_code_ttl_seconds) && var.auth_code_ttl_seconds >= 60 && var.auth_code_ttl_seconds <= 600
    error_message = "auth_code_ttl_seconds must be a whole number from 60 to 600."
  }
}

variable "refresh_token_ttl_days" {
  type        = number
  description = "Lifetime of a refresh token in days (REFRESH_TOKEN_TTL_DAYS); a user who stays unused longer must link again."
  default     = 180

  validation {
    condition     = var.refresh_token_ttl_days == floor(var.refresh_token_ttl_days) && var.refresh_token_ttl_days >= 1 && var.refresh_token_ttl_days <= 3650
    error_message = "refresh_token_ttl_days must be a whole number from 1 to 3650."
  }
}

variable "account_linking_max_instances" {
  type        = number
  description = "Upper bound on account_linking instances (a cost ceiling); it serves sign-ins and Google's token refreshes."
  default     = 10

  validation {
    condition     = var.account_linking_max_instances == floor(var.account_linking_max_instances) && var.account_linking_max_instances >= 1 && var.account_linking_max_instances <= 1000
    error_message = "account_linking_max_instances must be a whole number from 1 to 1000."
  }
}

variable "identity_allow_self_signup" {
  type        = bool
  description = "Let end users create their own Identity Platform accounts through the client API (accounts:signUp). Off by default: the operator creates the accounts. The setting is project-wide, so turn it on if another app of this project signs users up."
  default     = false
}

# --- First apply: waits ----------------------------------------------------------------------------

variable "api_propagation_wait" {
  type        = string
  description = "How long the first apply waits after enabling the APIs before creating what uses them (agents.tf). Only the apply that enables an API waits."
  default     = "60s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.api_propagation_wait)) && try(tonumber(trimsuffix(var.api_propagation_wait, "s")), -1) <= 600
    error_message = "api_propagation_wait must be whole seconds like 60s, at most 600s."
  }
}

variable "service_agent_wait" {
  type        = string
  description = "How long the first apply waits after the Eventarc and Pub/Sub service agents exist and hold their roles, before creating the functions, triggers and push subscription (agents.tf)."
  default     = "60s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.service_agent_wait)) && try(tonumber(trimsuffix(var.service_agent_wait, "s")), -1) <= 600
    error_message = "service_agent_wait must be whole seconds like 60s, at most 600s."
  }
}

variable "generate_oauth_client_secret" {
  type        = bool
  description = "Generate the account-linking client secret's value in Terraform (random_password) so one apply leaves a usable secret. Set false to keep adding its versions out of band (gcloud secrets versions add), e.g. on a deployment made before this option existed."
  default     = true
}

# --- State accuracy ------------------------------------------------------------------------------

variable "accuracy_schedule" {
  type        = string
  description = "Cloud Scheduler cron (UTC) of the state-accuracy check (a kind=accuracy message to on_device_change). Every 10 minutes by default."
  default     = "*/10 * * * *"

  validation {
    condition     = length(split(" ", var.accuracy_schedule)) == 5
    error_message = "accuracy_schedule must be a five-field cron expression such as */10 * * * *."
  }
}

variable "accuracy_sample_users" {
  type        = number
  description = "Linked users the state-accuracy check samples per run (ACCURACY_SAMPLE_USERS); each costs one Home Graph devices:query out of the project's Home Graph budget."
  default     = 50

  validation {
    condition     = var.accuracy_sample_users == floor(var.accuracy_sample_users) && var.accuracy_sample_users >= 1 && var.accuracy_sample_users <= 1000
    error_message = "accuracy_sample_users must be a whole number from 1 to 1000."
  }
}

variable "accuracy_settled_seconds" {
  type        = number
  description = "How long a device must have gone unchanged before the state-accuracy check compares it (ACCURACY_SETTLED_SECONDS): a write still on its way to Home Graph is not a mismatch."
  default     = 60

  validation {
    condition     = var.accuracy_settled_seconds >= 0 && var.accuracy_settled_seconds <= 3600
    error_message = "accuracy_settled_seconds must be from 0 to 3600."
  }
}

# --- Monitoring (monitoring.tf) --------------------------------------------------------------------

variable "notification_channels" {
  type        = list(string)
  description = "Cloud Monitoring notification channels every alert and the budget notify, as projects/PROJECT/notificationChannels/ID (create them in the console: email, SMS, PagerDuty, Slack ...). Empty: alerts still open incidents in the console."
  default     = []

  validation {
    condition     = alltrue([for channel in var.notification_channels : can(regex("^projects/[^/]+/notificationChannels/[^/]+$", channel))])
    error_message = "Every notification_channels entry must be projects/PROJECT/notificationChannels/ID."
  }
}

variable "alert_email" {
  type        = string
  description = "Optional: an email address Terraform makes a notification channel for, notified in addition to notification_channels. Empty: none."
  default     = ""

  validation {
    condition     = var.alert_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email))
    error_message = "alert_email must be empty or an email address."
  }
}

variable "runbook_base_url" {
  type        = string
  description = "Optional: where you publish this repository's docs (e.g. https://github.com/ORG/REPO/blob/main); each alert then links its runbook entry in docs/operations.md. Empty: alerts name the page and section."
  default     = ""

  validation {
    condition     = var.runbook_base_url == "" || can(regex("^https://[^\\s]+$", var.runbook_base_url))
    error_message = "runbook_base_url must be empty or an https:// URL."
  }
}

variable "oldest_unacked_alert_seconds" {
  type        = number
  description = "Alert when the oldest device-change message waiting for on_device_change is older than this."
  default     = 600

  validation {
    condition     = var.oldest_unacked_alert_seconds >= 60 && var.oldest_unacked_alert_seconds <= 604800
    error_message = "oldest_unacked_alert_seconds must be from 60 to 604800."
  }
}

variable "server_error_alert_ratio" {
  type        = number
  description = "Alert when more than this share of a function's requests answer 5xx over 10 minutes (0.01 = 1%)."
  default     = 0.01

  validation {
    condition     = var.server_error_alert_ratio > 0 && var.server_error_alert_ratio < 1
    error_message = "server_error_alert_ratio must be above 0 and below 1."
  }
}

variable "billing_account" {
  type        = string
  description = "Billing account id (XXXXXX-XXXXXX-XXXXXX) for an optional monthly budget on this project; empty (the default) creates none. The deploying principal needs Billing Account Costs Manager on it."
  default     = ""

  validation {
    condition     = var.billing_account == "" || can(regex("^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$", var.billing_account))
    error_message = "billing_account must be empty or a billing account id such as 012345-6789AB-CDEF01."
  }
}

variable "monthly_budget" {
  type        = number
  description = "Monthly budget in the billing account's currency, whole units; alerts at 50%, 90% and 100% of it, and at 100% of the forecast (only with billing_account)."
  default     = 100

  validation {
    condition     = var.monthly_budget == floor(var.monthly_budget) && var.monthly_budget >= 1
    error_message = "monthly_budget must be a whole number of at least 1."
  }
}
