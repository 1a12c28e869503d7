# Terraform and provider versions. Bounded so a new major version never arrives unannounced.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 8.0"
    }
    # Only for google_project_service_identity (the Pub/Sub service agent), a beta-only resource.
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 6.0, < 8.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4, < 3.0"
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

# The Identity Toolkit and API Keys APIs (identity.tf) refuse end-user Application Default
# Credentials (gcloud auth application-default login) unless a request names a quota project, and
# the provider does not take it from the ADC file. This alias sends X-Goog-User-Project = the
# deployment project, for those two resources only.
provider "google" {
  alias = "quota"

  project               = var.project_id
  region                = var.region
  billing_project       = var.project_id
  user_project_override = true
}
