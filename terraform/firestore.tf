# Firestore's indexes and TTL policies (the database itself is in main.tf). Both apply to
# var.firestore_database, whether this configuration created it or not.

locals {
  # Collection group => the timestamp field after which Firestore's TTL policy deletes a document
  # (within about a day of it; readers still check expiry themselves).
  #   commands, events   records under devices (functions/devices/backend.py,
  #                      functions/homegraph/records.py)
  #   homegraphQuota     the Home Graph call counters (functions/homegraph/ledger.py, quota.py)
  #   signInFailures     account linking's failure counters, authRequests its pending sign-ins,
  #   authRequests,      authCodes its authorization codes (functions/oauth/records.py,
  #   authCodes          server.py, grants.py)
  # Not tokens: refresh tokens and their used/superseded records must outlive an access token's
  # expiry for replay detection, and store.revoke_all queries them by grantId.
  ttl_fields = {
    commands       = "expireAt"
    events         = "expireAt"
    homegraphQuota = "expireAt"
    signInFailures = "expiresAt"
    authRequests   = "expiresAt"
    authCodes      = "expiresAt"
  }
}

# The sweep's query (functions/homegraph/records.py overdue_commands): confirmed command records of
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

  depends_on = [google_project_service.enabled, google_firestore_database.this]
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

  depends_on = [google_project_service.enabled, google_firestore_database.this]
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

  depends_on = [google_project_service.enabled, google_firestore_database.this]
}

# The sweep's safety net (functions/homegraph/records.py stale_reports): states still pending in
# any user's Report State outbox long after they were staged, whose messages were lost.
resource "google_firestore_index" "outbox_stale" {
  project     = var.project_id
  database    = var.firestore_database
  collection  = "reportState"
  query_scope = "COLLECTION_GROUP"

  fields {
    field_path = "pending"
    order      = "ASCENDING"
  }

  fields {
    field_path = "version"
    order      = "ASCENDING"
  }

  depends_on = [google_project_service.enabled, google_firestore_database.this]
}
