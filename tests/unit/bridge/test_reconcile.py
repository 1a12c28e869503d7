"""Reconciliation, pure: device changes go to Firestore; a Firestore-side change on a commandable
key awaits its command record."""

from bridge.reconcile import online_patch, plan

ON = frozenset({"on"})


def test_in_step_needs_nothing() -> None:
    assert not plan({"on": True}, {"on": True}, {"on": True}, ON)


def test_a_firestore_change_awaits_its_command() -> None:
    steps = plan({"on": True}, {"on": False}, {"on": False}, ON)
    assert steps.awaiting == {"on": False} and steps.to_store == {}


def test_device_change_is_reported() -> None:
    steps = plan({"on": False}, {"on": True}, {"on": False}, ON)
    assert steps.to_store == {"on": True} and steps.awaiting == {}


def test_both_changed_the_command_is_awaited() -> None:
    steps = plan({"on": True}, {"on": False}, {"on": None}, ON)
    assert steps.awaiting == {"on": False} and steps.to_store == {}


def test_nothing_agreed_yet_the_device_is_the_truth() -> None:
    steps = plan({"on": True}, {"on": False}, {}, ON)
    assert steps.to_store == {"on": False} and steps.awaiting == {}


def test_query_only_keys_always_come_from_the_device() -> None:
    steps = plan({"ringing": True}, {"ringing": False}, {"ringing": False}, ON)
    assert steps.to_store == {"ringing": False}


def test_online_is_not_planned_but_patched() -> None:
    assert not plan({"online": False}, {"online": True}, {}, ON)
    assert online_patch({"online": False}, True) == {"online": True}
    assert online_patch({"online": True}, True) == {}
