"""The fulfillment function: Google Assistant's SYNC, QUERY, EXECUTE and DISCONNECT intents."""
