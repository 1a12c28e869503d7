"""The bridge as the local endpoint of Google's Local Home platform (docs/local-fulfillment.md)."""
