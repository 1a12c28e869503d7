import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Golden attributes and states from https://developers.home.google.com/cloud-to-cloud/traits/startstop
ZONED = {"pausable": True, "availableZones": ["Kitchen", "Living room", "Office", "Bedroom"]}
PAUSED = {"isRunning": False, "isPaused": True}
RUNNING = {"isRunning": True, "isPaused": False}
RUNNING_IN_ZONES = {"isRunning": True, "isPaused": False, "activeZones": ["Kitchen", "Living room"]}
STOPPED = {"isRunning": False, "isPaused": False}


def test_start_and_stop_a_plain_device() -> None:
    assert execute("StartStop", {"start": True}, {"isRunning": False}) == {"isRunning": True}
    assert execute("StartStop", {"start": False}, {"isRunning": True}) == {"isRunning": False}


def test_start_and_stop_clear_pause_when_pausable() -> None:
    attributes = {"pausable": True}
    assert execute("StartStop", {"start": True}, PAUSED, attributes) == RUNNING
    assert execute("StartStop", {"start": False}, PAUSED, attributes) == STOPPED


def test_start_in_zones() -> None:
    params = {"start": True, "multipleZones": ["Kitchen", "living room"]}
    assert execute("StartStop", params, STOPPED, ZONED) == RUNNING_IN_ZONES
    assert execute("StartStop", {"start": True, "zone": "office"}, STOPPED, ZONED) == {
        "isRunning": True,
        "isPaused": False,
        "activeZones": ["Office"],
    }


def test_multiple_zones_win_over_zone() -> None:
    params = {"start": True, "zone": "Office", "multipleZones": ["Bedroom"]}
    assert execute("StartStop", params, STOPPED, ZONED)["activeZones"] == ["Bedroom"]


def test_start_and_stop_everywhere_on_a_zoned_device() -> None:
    assert execute("StartStop", {"start": True}, STOPPED, ZONED) == {**RUNNING, "activeZones": []}
    assert execute("StartStop", {"start": False}, RUNNING_IN_ZONES, ZONED) == {
        **STOPPED,
        "activeZones": [],
    }


def test_stop_one_zone() -> None:
    params = {"start": False, "zone": "kitchen"}
    assert execute("StartStop", params, RUNNING_IN_ZONES, ZONED) == {
        "isRunning": True,
        "activeZones": ["Living room"],
    }
    last = {"isRunning": True, "activeZones": ["Kitchen"]}
    assert execute("StartStop", params, last, ZONED) == {"isRunning": False, "activeZones": []}
    everywhere = {"isRunning": True, "activeZones": []}
    assert execute("StartStop", params, everywhere, ZONED) == {
        "isRunning": True,
        "activeZones": ["Living room", "Office", "Bedroom"],
    }


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"start": "yes"},
        {"start": True, "zone": 3},
        {"start": True, "zone": ""},
        {"start": True, "multipleZones": []},
        {"start": True, "multipleZones": "Kitchen"},
    ],
)
def test_bad_params(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("StartStop", params, STOPPED, ZONED)
    assert raised.value.code == "valueOutOfRange"


def test_undeclared_zones_are_accepted() -> None:
    # "This list is not exclusive; users can report any names they want" (availableZones, read
    # on https://developers.home.google.com/cloud-to-cloud/traits/startstop?hl=ja).
    assert execute("StartStop", {"start": True, "zone": "Garage"}, STOPPED, ZONED) == {
        **RUNNING,
        "activeZones": ["Garage"],
    }
    params = {"start": True, "multipleZones": ["kitchen", "Garage"]}
    assert execute("StartStop", params, STOPPED, ZONED)["activeZones"] == ["Kitchen", "Garage"]
    running = {"isRunning": True, "activeZones": ["Kitchen", "Garage"]}
    params = {"start": False, "multipleZones": ["garage"]}
    assert execute("StartStop", params, running, ZONED) == {
        "isRunning": True,
        "activeZones": ["Kitchen"],
    }


def test_zone_on_a_device_without_declared_zones() -> None:
    patch = execute("StartStop", {"start": True, "zone": "Kitchen"}, STOPPED, {"pausable": True})
    assert patch == {**RUNNING, "activeZones": ["Kitchen"]}


@pytest.mark.parametrize(
    ("pause", "before", "after"),
    [
        (True, RUNNING, PAUSED),
        (True, PAUSED, PAUSED),
        (False, PAUSED, RUNNING),
        (False, RUNNING, RUNNING),
        (False, STOPPED, STOPPED),
    ],
)
def test_pause_unpause(pause: bool, before: dict, after: dict) -> None:
    assert execute("PauseUnpause", {"pause": pause}, before, {"pausable": True}) == after


def test_pause_a_stopped_device() -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("PauseUnpause", {"pause": True}, STOPPED, {"pausable": True})
    assert raised.value.code == "unpausableState"


@pytest.mark.parametrize("attributes", [{}, {"pausable": False}])
def test_pause_needs_pausable(attributes: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("PauseUnpause", {"pause": True}, RUNNING, attributes)
    assert raised.value.code == "functionNotSupported"


@pytest.mark.parametrize("params", [{}, {"pause": "true"}, {"pause": None}])
def test_bad_pause_params(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("PauseUnpause", params, RUNNING, {"pausable": True})
    assert raised.value.code == "valueOutOfRange"


def test_attributes() -> None:
    validate("StartStop", {})
    validate("StartStop", ZONED)
    with pytest.raises(InvalidDevice, match="pausable must be a boolean"):
        validate("StartStop", {"pausable": "true"})
    with pytest.raises(InvalidDevice, match="availableZones must be a list of non-empty strings"):
        validate("StartStop", {"availableZones": ["Kitchen", 2]})
    with pytest.raises(InvalidDevice, match="availableZones must be a list"):
        validate("StartStop", {"availableZones": "Kitchen"})


def test_query_states() -> None:
    trait = TRAITS["action.devices.traits.StartStop"]
    assert trait.query_states(ZONED, {**RUNNING_IN_ZONES, "on": True}) == RUNNING_IN_ZONES
    assert trait.query_states({}, {"isRunning": False}) == {"isRunning": False}


def test_golden_examples() -> None:
    # SYNC and QUERY examples of https://developers.home.google.com/cloud-to-cloud/traits/startstop
    # (?hl=ja copy): a pausable device with four zones, paused / running / running in zones.
    validate("StartStop", ZONED)
    trait = TRAITS["action.devices.traits.StartStop"]
    for states in (PAUSED, RUNNING, RUNNING_IN_ZONES):
        assert trait.query_states(ZONED, states) == states
    assert execute("StartStop", {"start": True, "zone": "Kitchen"}, STOPPED, ZONED) == {
        **RUNNING,
        "activeZones": ["Kitchen"],
    }
    assert execute("PauseUnpause", {"pause": True}, RUNNING, ZONED) == PAUSED
