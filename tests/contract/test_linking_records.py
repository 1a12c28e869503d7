"""Account linking's records port over both adapters (memory, the Firestore emulator): sign-in
pages yielding one code, codes exchanged once, refresh tokens rotated with their successors,
grants revoked, and failure counters that never let more attempts through than their limit, in
any window."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from functions.account_linking import grants
from functions.account_linking.grants import OAuthError, Replay
from functions.account_linking.records import Records
from functions.core import tokens

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def issued(user: str, grant: str) -> grants.Issued:
    return grants.issue(
        user, "google", grant, now=NOW, access_ttl=timedelta(hours=1), refresh_ttl=timedelta(days=1)
    )


def test_a_sign_in_page_yields_one_code(records: Records) -> None:
    page = (grants.new_request_id(), NOW + WINDOW)
    codes = [
        (tokens.token_hash(f"code-{uuid.uuid4().hex}"), {"userId": "u", "used": False})
        for _ in range(8)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        won = list(pool.map(lambda code: records.issue_code(code[0], code[1], page), codes))
    assert won.count(True) == 1
    issued = [code for code, ok in zip(codes, won, strict=True) if ok][0]
    assert (records.code(issued[0]) or {})["userId"] == "u"
    assert all(records.code(code[0]) is None for code, ok in zip(codes, won, strict=True) if not ok)
    other = tokens.token_hash(f"code-{uuid.uuid4().hex}")
    assert records.issue_code(other, {"userId": "v"}), "a code of no page (App Flip)"
    assert (records.code(other) or {})["userId"] == "v"


def test_a_code_is_exchanged_once_and_a_refused_check_writes_nothing(records: Records) -> None:
    code_hash = tokens.token_hash(f"code-{uuid.uuid4().hex}")
    record = grants.code_record("u", "google", "https://r", NOW, timedelta(minutes=5))
    assert records.issue_code(code_hash, record, (grants.new_request_id(), NOW + WINDOW))
    tokens_issued = issued("u", record["grantId"])

    def refuse(_: object) -> None:
        raise OAuthError("invalid_grant", "no")

    with pytest.raises(OAuthError):
        records.exchange_code(code_hash, refuse, tokens_issued)
    assert not (records.code(code_hash) or {}).get("used")
    assert all(records.token(h) is None for h in tokens_issued.records)

    def check(found: object) -> None:
        grants.check_code(found, "google", "https://r", NOW)  # type: ignore[arg-type]

    records.exchange_code(code_hash, check, tokens_issued)
    assert (records.code(code_hash) or {})["used"] is True
    assert all(records.token(h) is not None for h in tokens_issued.records)
    with pytest.raises(Replay):
        records.exchange_code(code_hash, check, issued("u", record["grantId"]))


def test_a_refresh_rotates_and_a_retry_supersedes_the_unused_successor(records: Records) -> None:
    grant = f"g-{uuid.uuid4().hex}"
    first = issued("u", grant)
    records.exchange_code(
        tokens.token_hash(f"c-{grant}"), lambda _: None, first
    )  # stores the tokens
    old = tokens.token_hash(first.refresh_token)

    def check(record: object, successor: object) -> None:
        grants.check_refresh(record, successor, "google", NOW)  # type: ignore[arg-type]

    second = issued("u", grant)
    new = tokens.token_hash(second.refresh_token)
    records.rotate_refresh(old, check, second, new, NOW)
    assert (records.token(old) or {})["successor"] == new
    third = issued("u", grant)  # the client lost the answer and retries with the old token
    newer = tokens.token_hash(third.refresh_token)
    records.rotate_refresh(old, check, third, newer, NOW + timedelta(seconds=10))
    assert (records.token(new) or {}).get("superseded") is True
    assert (records.token(old) or {})["successor"] == newer
    assert (records.token(old) or {})["usedAt"] == NOW, "the first use is kept"
    assert records.revoke_grant(grant) == 6


def test_counters_never_let_more_attempts_through_than_their_limit(records: Records) -> None:
    key = f"account-{uuid.uuid4().hex}"
    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = list(pool.map(lambda _: records.reserve({key: 5}, NOW, WINDOW), range(12)))
    assert allowed.count(True) <= 5
    while records.reserve({key: 5}, NOW, WINDOW):
        pass
    records.release([key], NOW, WINDOW)
    assert records.reserve({key: 5}, NOW, WINDOW), "a released attempt can be used again"
    assert not records.reserve({key: 5}, NOW, WINDOW)
    assert records.reserve({key: 5}, NOW + WINDOW, WINDOW), "a new window starts afresh"


def test_a_full_counter_refuses_every_counter_of_the_attempt(records: Records) -> None:
    full, other = f"full-{uuid.uuid4().hex}", f"other-{uuid.uuid4().hex}"
    assert records.reserve({full: 1}, NOW, WINDOW)
    assert not records.reserve({full: 1, other: 5}, NOW, WINDOW)
    for _ in range(5):
        assert records.reserve({other: 5}, NOW, WINDOW), "the refused attempt counted nowhere"


def test_a_counter_is_a_sliding_window_never_twice_its_limit_across_a_boundary(
    records: Records,
) -> None:
    """Issue 22 item 11: one attempt at the start, four just before the window's end; right
    after the end a fixed window would allow five more (nine within 16 s). A sliding window lets
    one more through (the first attempt left it), then none until the next one leaves."""
    key = f"account-{uuid.uuid4().hex}"
    assert records.reserve({key: 5}, NOW, WINDOW)
    late = NOW + WINDOW - timedelta(seconds=10)
    for second in range(4):
        assert records.reserve({key: 5}, late + timedelta(seconds=second), WINDOW)
    burst = [
        records.reserve({key: 5}, NOW + WINDOW + timedelta(seconds=1 + second), WINDOW)
        for second in range(6)
    ]
    assert burst == [True, False, False, False, False, False]
    just_before = late + WINDOW - timedelta(seconds=1)
    assert not records.reserve({key: 5}, just_before, WINDOW), "five within the window"
    assert records.reserve({key: 5}, late + WINDOW, WINDOW), "the first late one left it"
