"""The OAuth grant rules, the failure counters' sliding window and the sealed sign-in page;
all pure."""

from datetime import UTC, datetime, timedelta

import pytest

from functions.account_linking import grants, pending, records
from functions.account_linking.grants import OAuthError, Replay
from functions.core import tokens

NOW = datetime(2027, 1, 1, tzinfo=UTC)


def code(**changes: object) -> dict:
    record = grants.code_record("u1", "google", "https://r", NOW, timedelta(minutes=5))
    return {**record, **changes}


def test_client_check_is_exact() -> None:
    grants.check_client("google", "s3cret", "google", "s3cret")
    for client_id, secret in (("google", "s3cre"), ("googl", "s3cret"), ("", "")):
        with pytest.raises(OAuthError) as refused:
            grants.check_client(client_id, secret, "google", "s3cret")
        assert (refused.value.error, refused.value.status) == ("invalid_client", 401)
    with pytest.raises(OAuthError):
        grants.check_client("", "", "", "")


@pytest.mark.parametrize(
    ("record", "client", "redirect", "when"),
    [
        (None, "google", "https://r", NOW),
        (code(), "other", "https://r", NOW),
        (code(), "google", "https://other", NOW),
        (code(), "google", "https://r", NOW + timedelta(minutes=5)),
    ],
)
def test_code_refusals(record, client, redirect, when) -> None:
    with pytest.raises(OAuthError) as refused:
        grants.check_code(record, client, redirect, when)
    assert refused.value.error == "invalid_grant" and not isinstance(refused.value, Replay)


def test_a_used_code_is_a_replay_of_its_grant() -> None:
    record = code(used=True)
    with pytest.raises(Replay) as replay:
        grants.check_code(record, "google", "https://r", NOW)
    assert replay.value.grant_id == record["grantId"]
    grants.check_code(code(), "google", "https://r", NOW + timedelta(minutes=4))


def test_issued_tokens_are_opaque_and_stored_hashed() -> None:
    issued = grants.issue(
        "u1",
        "google",
        "g1",
        now=NOW,
        access_ttl=timedelta(hours=1),
        refresh_ttl=timedelta(days=180),
    )
    assert issued.answer() == {
        "token_type": "Bearer",
        "access_token": issued.access_token,
        "expires_in": 3600,
        "refresh_token": issued.refresh_token,
    }
    access = issued.records[tokens.token_hash(issued.access_token)]
    refresh = issued.records[tokens.token_hash(issued.refresh_token)]
    assert (access["kind"], refresh["kind"]) == ("access", "refresh")
    assert refresh["expiresAt"] == NOW + timedelta(days=180)
    assert issued.access_token not in str(issued.records)


def refresh_record(**changes: object) -> dict:
    issued = grants.issue(
        "u1", "google", "g1", now=NOW, access_ttl=timedelta(hours=1), refresh_ttl=timedelta(days=1)
    )
    return {**issued.records[tokens.token_hash(issued.refresh_token)], **changes}


@pytest.mark.parametrize(
    ("record", "client", "when"),
    [
        (None, "google", NOW),
        (refresh_record(kind="access"), "google", NOW),
        (refresh_record(), "other", NOW),
        (refresh_record(revoked=True), "google", NOW),
        (refresh_record(), "google", NOW + timedelta(days=1)),
    ],
)
def test_refresh_refusals(record, client, when) -> None:
    with pytest.raises(OAuthError) as refused:
        grants.check_refresh(record, None, client, when)
    assert refused.value.error == "invalid_grant"


def test_an_unused_refresh_token_ignores_any_successor() -> None:
    grants.check_refresh(refresh_record(), None, "google", NOW)


GRACE = grants.REFRESH_RETRY_GRACE


def rotated(**changes: object) -> dict:
    return refresh_record(used=True, usedAt=NOW, successor="next", **changes)


def test_a_rotated_refresh_token_may_be_retried_in_the_window_while_its_successor_is_unused() -> (
    None
):
    grants.check_refresh(rotated(), {"used": False}, "google", NOW + GRACE)
    grants.check_refresh(rotated(), None, "google", NOW + timedelta(seconds=1))


@pytest.mark.parametrize(
    ("record", "successor", "when"),
    [
        (rotated(), {"used": True}, NOW),
        (rotated(), {"used": False}, NOW + GRACE + timedelta(seconds=1)),
        (refresh_record(used=True, successor="next"), {"used": False}, NOW),
        (refresh_record(revoked=True, superseded=True), None, NOW),
        (rotated(revoked=True, superseded=True), None, NOW),
    ],
)
def test_replays_revoke_the_grant(record, successor, when) -> None:
    with pytest.raises(Replay) as replay:
        grants.check_refresh(record, successor, "google", when)
    assert replay.value.grant_id == "g1"


def test_a_superseded_token_of_another_client_is_no_replay() -> None:
    with pytest.raises(OAuthError) as refused:
        grants.check_refresh(refresh_record(revoked=True, superseded=True), None, "other", NOW)
    assert not isinstance(refused.value, Replay)


@pytest.mark.parametrize("value", ["__x__", ".", "..", "g" * 64, "0" * 63, "0" * 65, "A" * 64, ""])
def test_request_ids_are_checked_before_they_become_paths(value: str) -> None:
    assert not grants.is_request_id(value)
    assert grants.is_request_id(grants.new_request_id())


# --- the sliding window of the failure counters (issue 22 item 11) -----------------------------

WINDOW = timedelta(minutes=15)


def test_never_more_than_the_limit_within_any_window_across_a_boundary() -> None:
    """The finding: 10 checks in 15 min 6 s, 9 of them within 16 s, through a fixed window.
    Attempted every second across the window's end, at most 5 pass in any 15 minutes."""
    counter: dict | None = None
    allowed = []
    attempts = [NOW, *(NOW + WINDOW + timedelta(seconds=s) for s in range(-10, 7))]
    for when in attempts:
        counted = records.reservation([counter], [5], when, WINDOW)
        if counted is not None:
            counter = counted[0]
            allowed.append(when)
    assert len(allowed) == 6, "the first, then five in a sliding window"
    for start in allowed:
        assert sum(start <= t < start + WINDOW for t in allowed) <= 5


def test_a_fixed_window_counter_counts_all_its_attempts_at_its_start() -> None:
    legacy = {"since": NOW, "count": 5, "expiresAt": NOW + WINDOW}
    assert records.reservation([legacy], [5], NOW + timedelta(minutes=1), WINDOW) is None
    assert records.reservation([legacy], [5], NOW + WINDOW, WINDOW) is not None


def test_a_release_takes_back_the_attempt_made_then() -> None:
    counted = records.reservation([None], [5], NOW, WINDOW)
    assert counted is not None
    later = records.reservation(counted, [5], NOW + timedelta(seconds=5), WINDOW)
    assert later is not None
    kept = records.released(later[0], NOW, WINDOW)
    assert kept is not None and kept["attempts"] == [NOW + timedelta(seconds=5)]
    assert records.released(None, NOW, WINDOW) is None
    assert records.released({"attempts": []}, NOW, WINDOW) is None


# --- the sign-in page carries its pending request (issue 22 item 12) ----------------------------


def test_a_sealed_page_opens_only_as_sealed_with_its_secret() -> None:
    request = pending.opening("google", "https://r", "st&te", NOW)
    page = pending.seal(request, "s3cret")
    assert pending.opened(page, "s3cret") == request
    assert request.expires_at == NOW + pending.PAGE_TTL
    body, _, tag = page.rpartition(".")
    altered = pending.seal(pending.Pending(request.page_id, "google", "https://evil", "", NOW), "x")
    for forged in (
        page.replace(body[:8], body[:7] + ("A" if body[7] != "A" else "B"), 1),
        altered,
        f"{altered.rpartition('.')[0]}.{tag}",
        request.page_id,
        "",
        page + "x",
    ):
        assert pending.opened(forged, "s3cret") is None
    assert pending.opened(page, "other") is None and pending.opened(page, "") is None
    bad_id = pending.seal(pending.Pending("../x", "google", "https://r", "", NOW), "s3cret")
    assert pending.opened(bad_id, "s3cret") is None, "the id becomes a document path"
