"""Keeping Home Graph in step: on_device_written publishes changes, on_device_change sends
Request Sync and Report State."""
