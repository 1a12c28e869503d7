"""The local Google Home page's view of a home: Google's rooms, and a mark exactly where the
states Google holds differ from what Firestore says it should hold."""

import copy
from typing import Any

import pytest

from devstack.demo_home import DEMO_DEVICES
from devstack.home_view import differing_keys, home_view, structures


def synced(device_id: str, **changes: Any) -> dict[str, Any]:
    document = {
        k: v for k, v in DEMO_DEVICES[device_id].items() if k not in ("states", "execution")
    }
    return {"id": device_id, **document, **changes}


def google(states: dict[str, Any], *ids: str) -> dict[str, Any]:
    return {
        "devices": [synced(d) for d in ids],
        "states": states,
        "syncedAt": "2026-12-01T10:00:00.000Z",
        "updatedAt": {},
    }


def view_of(home: dict[str, Any], device_id: str) -> dict[str, Any]:
    return next(d for d in home["devices"] if d["id"] == device_id)


def test_a_device_in_step_has_no_mark() -> None:
    lamp = DEMO_DEVICES["kitchen-light"]
    home = home_view(
        google({"kitchen-light": dict(lamp["states"])}, "kitchen-light"), {"kitchen-light": lamp}
    )
    view = view_of(home, "kitchen-light")
    assert (view["verdict"], view["differs"]) == ("inStep", [])
    assert view["name"] == "Kitchen light"


def test_a_state_written_behind_googles_back_is_marked_on_its_key() -> None:
    outlet = copy.deepcopy(DEMO_DEVICES["desk-outlet"])
    held = {"desk-outlet": {"online": True, "on": False}}
    outlet["states"]["on"] = True
    view = view_of(home_view(google(held, "desk-outlet"), {"desk-outlet": outlet}), "desk-outlet")
    assert (view["verdict"], view["differs"]) == ("differs", ["on"])
    assert view["firestore"]["expected"] == {"online": True, "on": True}
    assert view["google"]["states"] == {"online": True, "on": False}


def test_states_google_holds_are_compared_with_what_report_state_would_send() -> None:
    # The thermostat's QUERY shape in heat mode; an undeclared key in the document is not sent.
    thermostat = copy.deepcopy(DEMO_DEVICES["hall-thermostat"])
    thermostat["states"]["stray"] = 1
    held = {k: v for k, v in DEMO_DEVICES["hall-thermostat"]["states"].items()}
    view = view_of(
        home_view(
            google({"hall-thermostat": held}, "hall-thermostat"), {"hall-thermostat": thermostat}
        ),
        "hall-thermostat",
    )
    assert view["differs"] == []


@pytest.mark.parametrize(
    ("held", "expected", "differs"),
    [
        ({"online": False}, {"online": False, "on": False}, []),  # offline: only online counts
        ({"online": True}, {"online": True, "on": False}, ["on"]),  # Google lacks a state
        (
            {"online": True, "on": True, "brightness": 5},
            {"online": True, "on": True},
            ["brightness"],
        ),
        ({}, {"online": True}, ["online"]),
    ],
)
def test_differing_keys(held: dict[str, Any], expected: dict[str, Any], differs: list[str]) -> None:
    assert differing_keys(held, expected) == differs


def test_each_side_alone_and_a_broken_document_get_their_own_verdict() -> None:
    scene = DEMO_DEVICES["movie-night"]
    broken = {**DEMO_DEVICES["desk-outlet"], "traits": ["action.devices.traits.NoSuchTrait"]}
    documents = {
        "movie-night": scene,
        "hall-light": DEMO_DEVICES["kitchen-light"],
        "desk-outlet": broken,
    }
    home = home_view(google({}, "movie-night", "desk-outlet", "garage-outlet"), documents)
    verdicts = {d["id"]: d["verdict"] for d in home["devices"]}
    assert verdicts == {
        "movie-night": "notReported",  # willReportState false and Google holds nothing
        "desk-outlet": "invalid",
        "garage-outlet": "notInFirestore",
        "hall-light": "notInGoogle",
    }
    assert "NoSuchTrait" in view_of(home, "desk-outlet")["firestore"]["invalid"]
    assert [d["id"] for d in home["devices"]][-1] == "hall-light"  # Firestore's own come last


def test_an_unlinked_user_has_no_google_side() -> None:
    home = home_view(None, {"desk-outlet": DEMO_DEVICES["desk-outlet"]})
    assert (home["linked"], home["structures"]) == (False, [])
    assert view_of(home, "desk-outlet")["verdict"] == "notInGoogle"


def test_structures_and_rooms_follow_the_hints_sorted_with_roomless_devices_last() -> None:
    devices = [
        synced("washer"),
        synced("movie-night"),
        synced("kitchen-light"),
        synced("kitchen-speaker"),
        synced("desk-outlet", structureHint="Office block"),
    ]
    assert structures(devices) == [
        {
            "name": "Home",
            "rooms": [
                {"name": "Kitchen", "devices": ["kitchen-light", "kitchen-speaker"]},
                {"name": "Laundry room", "devices": ["washer"]},
                {"name": "No room", "devices": ["movie-night"]},
            ],
        },
        {"name": "Office block", "rooms": [{"name": "Office", "devices": ["desk-outlet"]}]},
    ]
