"""Time as the pipeline counts it: integer nanoseconds since the epoch."""

from datetime import UTC, datetime

SECOND = 10**9
"""Nanoseconds in a second."""


def nanos(moment: datetime) -> int:
    """``moment`` in nanoseconds since the epoch (microsecond precision, as datetime holds)."""
    return (int(moment.timestamp()) * 10**6 + moment.microsecond) * 1000


def moment(nanoseconds: int) -> datetime:
    """The UTC datetime of ``nanoseconds`` since the epoch (to the microsecond)."""
    return datetime.fromtimestamp(nanoseconds // 1000 / 10**6, UTC)
