"""The LAN device-backend kit: the device backend's half of the device-document contract.

A LAN box runs it next to its devices: an ``Adapter`` per kind of device (discover, read, apply a
change, perform a command), a ``HomeStore`` for the home's Firestore documents, and the
``Bridge`` runtime that reconciles the two (docs/lan.md). Never deployed; ``functions/`` never
imports it.
"""
