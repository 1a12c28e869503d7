"""on_device_written: classify each device document write and publish what Home Graph needs.

Floors, bottom up: events (decode, classify; pure) and publisher (the port) < handler (the
entry). Adapters of the publisher port: pubsub_publisher, memory_publisher.
"""
