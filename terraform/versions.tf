# Terraform and provider versions: one major of each provider, and the exact versions with their
# checksums in .terraform.lock.hcl (committed), so every `terraform init` installs the same
# providers. Remote state: backend.tf.example (docs/deployment.md, "State").
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.35"
    }
    # Only for google_project_service_identity (the Pub/Sub and Eventarc service agents), a
    # beta-only resource.
    google-beta = {
      source  = "hashicorp/google-beta"
      version = "~> 7.34"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
    # The account-linking client secret (main.tf).
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    # Waits for API enablement and service agents to propagate (agents.tf).
    time = {
      source  = "hashicorp/time"
      version = "~> 0.12"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}

# The Identity Toolkit, API Keys and Billing Budgets APIs refuse end-user Application Default
# Credentials (gcloud auth application-default login) unless a request names a quota project, and
# the provider does not take it from the ADC file. This alias sends X-Goog-User-Project = the
# deployment project, for those resources only.
provider "google" {
  alias = "quota"

  project               = var.project_id
  region                = var.region
  billing_project       = var.project_id
  user_project_override = true
}
