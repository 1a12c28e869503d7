# Who may link: Identity Platform (Firebase Authentication) users who sign in with email and
# password on account_linking's /authorize page. The function calls the Identity Toolkit REST API
# (accounts:signInWithPassword) with the API key below, then verifies the ID token it gets.

# The project's one Identity Platform configuration (a singleton): creating it enables Identity
# Platform on the project (upgrading Firebase Authentication if the project has it), which needs a
# billing account. Google cannot delete it: terraform destroy only forgets it.
resource "google_identity_platform_config" "this" {
  provider = google.quota

  project = var.project_id

  sign_in {
    # One account per email address: the email is what users type on the sign-in page.
    allow_duplicate_emails = false

    email {
      enabled           = true
      password_required = true # email + password, not email links
    }
  }

  client {
    permissions {
      # Accounts are created by the operator (console, Admin SDK); nobody holding an API key of
      # the project can sign up by themselves unless identity_allow_self_signup says so.
      disabled_user_signup = !var.identity_allow_self_signup
    }
  }

  depends_on = [time_sleep.apis]
}

# The API key account_linking sends to accounts:signInWithPassword (IDENTITY_API_KEY). It can call
# the Identity Toolkit API and nothing else. The key string is a computed attribute, so it lives
# in the Terraform state (marked sensitive) and in the function's configuration. It identifies the
# project to Identity Toolkit and opens no Google Cloud resource; a sign-in still needs the user's
# password.
resource "google_apikeys_key" "identity" {
  provider = google.quota

  project      = var.project_id
  name         = "${var.name_prefix}-identity"
  display_name = "${var.name_prefix} account linking sign-in"

  restrictions {
    api_targets {
      service = "identitytoolkit.googleapis.com"
    }
  }

  depends_on = [time_sleep.apis]
}
