"""Operator tools (never deployed): the support command, ``python -m ops.support``."""
