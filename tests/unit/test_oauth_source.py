"""Which address account linking limits by: the one Google's front end appended."""

import pytest

from functions.account_linking.http import source_address


@pytest.mark.parametrize(
    ("forwarded", "peer", "expected"),
    [
        ("203.0.113.9", "169.254.1.1", "203.0.113.9"),
        ("1.2.3.4, 203.0.113.9", "169.254.1.1", "203.0.113.9"),
        ("spoofed, junk,203.0.113.9", None, "203.0.113.9"),
        ("1.2.3.4,  203.0.113.9 ", None, "203.0.113.9"),
        ("2001:db8:1:2:aaaa::1", None, "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::7", None, "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", None, "203.0.113.9"),
        ("", "192.0.2.5", "192.0.2.5"),
        (None, "192.0.2.5", "192.0.2.5"),
        ("203.0.113.9, not-an-address", "192.0.2.5", "192.0.2.5"),
        (None, None, "unknown"),
        ("x" * 10_000, "garbage", "unknown"),
    ],
)
def test_source_address(forwarded: str | None, peer: str | None, expected: str) -> None:
    assert source_address(forwarded, peer) == expected
