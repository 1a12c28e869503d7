"""on_device_change: keep Home Graph in step with Firestore, one Pub/Sub message at a time.

Floors, bottom up: errors, client, quota, ledger < context < calls < sync < report < announce,
sweep, accuracy < router (the entry). Adapters of the ledger port: firestore_ledger,
memory_ledger.
"""
