"""The fulfillment store's token methods over both adapters (memory, the Firestore emulator):
DISCONNECT revokes one grant's tokens (or the tokens of no grant) and counts the grants left by
their live refresh tokens; other grants and other users keep theirs."""

from datetime import UTC, datetime, timedelta

from functions.account_linking import grants
from functions.core import tokens
from functions.fulfillment.store import Store
from tests.support.world import World

NOW = datetime.now(UTC)


def linking(store: Store, user: str, grant: str) -> grants.Issued:
    """What one code exchange stores: an access and a refresh token of one grant."""
    issued = grants.issue(
        user, "google", grant, now=NOW, access_ttl=timedelta(hours=1), refresh_ttl=timedelta(1)
    )
    for token_hash, record in issued.records.items():
        store.save_token(token_hash, record)
    return issued


def revoked(store: Store, user: str, token: str) -> bool:
    record = store.read(tokens.token_hash(token), user, []).token or {}
    return record.get("revoked") is not False


def test_revoking_one_grant_leaves_the_others_and_other_users(world: World, user: str) -> None:
    store = world.store
    first, second = linking(store, user, f"{user}-g1"), linking(store, user, f"{user}-g2")
    other = linking(store, f"{user}-other", f"{user}-g1")
    direct = world.token(user)
    assert {r["grantId"] for r in store.refresh_tokens(user)} == {f"{user}-g1", f"{user}-g2"}

    assert store.revoke_grant(user, f"{user}-g1") == 2
    assert revoked(store, user, first.access_token) and revoked(store, user, first.refresh_token)
    assert not revoked(store, user, second.access_token)
    assert not revoked(store, user, direct)
    assert not revoked(store, f"{user}-other", other.access_token)
    assert tokens.grants_left(store.refresh_tokens(user), NOW) == {f"{user}-g2"}

    assert store.revoke_grant(user, None) == 1, "the tokens of no grant"
    assert revoked(store, user, direct) and not revoked(store, user, second.access_token)
    assert store.revoke_grant(user, f"{user}-g1") == 0


def test_a_rotated_refresh_token_is_not_a_grant_of_its_own(world: World, user: str) -> None:
    store = world.store
    issued = linking(store, user, f"{user}-g1")
    store.save_token(
        tokens.token_hash(f"old-{user}"),
        {**issued.records[tokens.token_hash(issued.refresh_token)], "used": True},
    )
    assert len(store.refresh_tokens(user)) == 1
    assert store.refresh_tokens(f"{user}-nobody") == []
