# Firestore's indexes, TTL policies and backup schedule (the database itself is in main.tf). They
# apply to var.firestore_database, whether this configuration created it or not.

locals {
  # Collection group => the timestamp field after which Firestore's TTL policy deletes a document
  # (within about a day of it; readers still check expiry themselves).
  #   commands, events   records under devices (functions/devices/backend.py,
  #                      functions/on_device_change/ledger.py)
  #   homegraphQuota     the Home Graph call counters (functions/on_device_change/ledger.py,
  #                      quota.py)
  #   signInFailures     account linking's failure counters, authRequests its used sign-in pages,
  #   authRequests,      authCodes its authorization codes (functions/account_linking/records.py,
  #   authCodes          throttle.py, grants.py, pending.py)
  #   tokens             access and refresh token records (functions/core/tokens.py record(),
  #                      every writer goes through it): deleted once past their own expiresAt.
  #                      An access token record goes a day or so after its hour; a used or
  #                      superseded refresh token record outlives every retry window and replay
  #                      check that reads it (those only matter while it is unexpired: an expired
  #                      one is refused anyway), and goes after refresh_token_ttl_days.
  ttl_fields = {
    commands       = "expireAt"
    events         = "expireAt"
    homegraphQuota = "expireAt"
    signInFailures = "expiresAt"
    authRequests   = "expiresAt"
    authCodes      = "expiresAt"
    tokens         = "expiresAt"
  }
}

# The sweep's query (functions/on_device_change/firestore_ledger.py overdue_commands): confirmed command records of
# every device without an outcome past their deadline.
resource "google_firestore_index" "commands_sweep" {
  project     = var.project_id
  database    = var.firestore_database
  collection  = "commands"
  query_scope = "COLLECTION_GROUP"

  fields {
    field_path = "mode"
    order      = "ASCENDING"
  }

  fields {
    field_path = "outcome"
    order      = "ASCENDING"
  }

  fields {
    field_path = "deadline"
    order      = "ASCENDING"
  }

  depends_on = [time_sleep.apis, google_firestore_database.this]
}

# index_config {} exempts each TTL field from single-field indexing: no query filters or orders on
# them, and an index on an ever-increasing timestamp written several times a second (the call
# counters) is the sequential-write hotspot Firestore warns about; it also saves index writes and
# storage on every record.
resource "google_firestore_field" "ttl" {
  for_each = local.ttl_fields

  project    = var.project_id
  database   = var.firestore_database
  collection = each.key
  field      = each.value

  ttl_config {}

  index_config {}

  depends_on = [time_sleep.apis, google_firestore_database.this]
}

# A device backend listens for the command records that await its outcome (docs/devices.md): per
# device (collection scope) or for the whole fleet (collection group), on outcome == null.
resource "google_firestore_field" "commands_outcome" {
  project    = var.project_id
  database   = var.firestore_database
  collection = "commands"
  field      = "outcome"

  index_config {
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION"
    }
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION_GROUP"
    }
  }

  depends_on = [time_sleep.apis, google_firestore_database.this]
}

# Scheduled backups (off unless firestore_backup_retention_days > 0; on in production.tfvars.example),
# daily, or weekly on firestore_backup_weekday. Restoring makes a new database:
# docs/operations.md, "Recovery".
resource "google_firestore_backup_schedule" "this" {
  count = var.firestore_backup_retention_days > 0 ? 1 : 0

  project   = var.project_id
  database  = var.firestore_database
  retention = "${var.firestore_backup_retention_days * 86400}s"

  dynamic "daily_recurrence" {
    for_each = var.firestore_backup_weekday == "" ? [1] : []
    content {}
  }

  dynamic "weekly_recurrence" {
    for_each = var.firestore_backup_weekday == "" ? [] : [var.firestore_backup_weekday]
    content {
      day = weekly_recurrence.value
    }
  }

  depends_on = [time_sleep.apis, google_firestore_database.this]
}
