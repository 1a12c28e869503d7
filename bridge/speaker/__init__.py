"""Google Home / Nest speakers over their unofficial local API (HTTPS :8443, ``/setup/...``)."""
