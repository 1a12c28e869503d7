"""Bearer tokens, pure: signing, the MAC check before any I/O, the transition for unsigned
tokens, and what counts as a live grant."""

from datetime import UTC, datetime, timedelta

import pytest

from functions.core import tokens
from functions.core.config import Config
from functions.core.errors import Unauthorized

NOW = datetime(2027, 1, 1, tzinfo=UTC)
KEY = "a-token-key-of-forty-characters-exactly"
SIGNER = tokens.Signer.parse(KEY)


def test_a_signed_token_names_its_user_and_passes_its_own_check() -> None:
    token = tokens.issue("user-é", tokens.ACCESS, SIGNER)
    assert tokens.signed(token) and token.count(".") == 2
    assert tokens.claimed_user(token) == "user-é"
    tokens.screen(token, tokens.ACCESS, SIGNER, NOW)
    assert not tokens.read_alone(token, SIGNER)


@pytest.mark.parametrize(
    "forged",
    [
        tokens.issue("user", tokens.ACCESS, tokens.Signer.parse("b" * 40)),
        tokens.issue("user", tokens.REFRESH, SIGNER),
        tokens.issue("user") + ".AAAA",
        tokens.issue("victim", tokens.ACCESS, SIGNER).replace("dmljdGlt", "dXNlcg", 1),
    ],
    ids=["another key", "another kind", "made-up MAC", "user part swapped"],
)
def test_a_forged_signed_token_is_refused_before_any_io(forged: str) -> None:
    with pytest.raises(Unauthorized, match="forged"):
        tokens.screen(forged, tokens.ACCESS, SIGNER, NOW)


def test_unsigned_tokens_are_accepted_only_in_the_transition_and_read_alone() -> None:
    unsigned = tokens.issue("user")
    transition = tokens.Signer.parse(KEY, "2027-01-01T01:00:00Z")
    tokens.screen(unsigned, tokens.ACCESS, transition, NOW)
    assert tokens.read_alone(unsigned, transition)
    for signer, when in ((transition, NOW + timedelta(hours=1)), (SIGNER, NOW)):
        with pytest.raises(Unauthorized, match="unsigned"):
            tokens.screen(unsigned, tokens.ACCESS, signer, when)


def test_without_a_key_every_token_goes_to_its_record() -> None:
    for token in (tokens.issue("user"), tokens.issue("user", tokens.ACCESS, SIGNER)):
        tokens.screen(token, tokens.ACCESS, tokens.UNSIGNED, NOW)
        assert not tokens.read_alone(token, tokens.UNSIGNED)
    assert not tokens.signed(tokens.issue("user"))


def test_every_listed_key_verifies_and_the_first_signs() -> None:
    rotated = tokens.Signer.parse(f"{'n' * 40}  {KEY}")
    tokens.screen(tokens.issue("u", tokens.ACCESS, SIGNER), tokens.ACCESS, rotated, NOW)
    with pytest.raises(Unauthorized):
        tokens.screen(tokens.issue("u", tokens.ACCESS, rotated), tokens.ACCESS, SIGNER, NOW)


@pytest.mark.parametrize(
    ("keys", "until"), [("short", ""), (f"{KEY} short", ""), (KEY, "2027-01-01T00:00:00")]
)
def test_bad_settings_fail_at_start_up_without_quoting_the_key(keys: str, until: str) -> None:
    with pytest.raises(ValueError):
        tokens.Signer.parse(keys, until)
    env = {"GOOGLE_CLOUD_PROJECT": "p", "TOKEN_MAC_KEY": keys, "UNSIGNED_TOKENS_UNTIL": until}
    with pytest.raises(RuntimeError) as failed:
        Config.from_env(env)
    assert keys not in str(failed.value)


def test_the_configured_signer() -> None:
    config = Config.from_env(
        {
            "GOOGLE_CLOUD_PROJECT": "p",
            "TOKEN_MAC_KEY": KEY,
            "UNSIGNED_TOKENS_UNTIL": "2027-02-01T00:00:00Z",
        }
    )
    assert config.signer() == tokens.Signer((KEY.encode(),), datetime(2027, 2, 1, tzinfo=UTC))
    assert KEY not in repr(config) and KEY not in repr(config.signer())
    assert Config(project_id="p").signer() == tokens.UNSIGNED


def refresh(**changes: object) -> dict[str, object]:
    record = tokens.record("u", tokens.REFRESH, NOW, timedelta(days=1))
    return {**record, "grantId": "g1", "used": False, **changes}


def test_the_grants_left_are_those_with_a_live_unused_refresh_token() -> None:
    records = [
        refresh(),
        refresh(grantId="g2", used=True),
        refresh(grantId="g3", revoked=True),
        refresh(grantId="g4", expiresAt=NOW),
        refresh(grantId=None),
        {**refresh(grantId="g5"), "kind": tokens.ACCESS},
        refresh(grantId="g6"),
    ]
    assert tokens.grants_left(records, NOW) == {"g1", "g6"}
    assert tokens.grants_left([], NOW) == set()
