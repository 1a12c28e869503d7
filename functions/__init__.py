"""Google smart-home cloud-to-cloud backend: fulfillment, Home Graph sync, account linking."""
