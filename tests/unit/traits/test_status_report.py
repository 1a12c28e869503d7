from functions.devices.traits import COMMANDS, TRAITS
from tests.unit.traits.helpers import validate

# Golden QUERY example ("Is my security system ok?") from
# https://developers.home.google.com/cloud-to-cloud/traits/statusreport
# (state table and example read on the English page).
REPORT = {
    "currentStatusReport": [
        {"blocking": False, "deviceTarget": "alarm_1", "priority": 0, "statusCode": "lowBattery"},
        {
            "blocking": False,
            "deviceTarget": "front_window_1",
            "priority": 1,
            "statusCode": "deviceOpen",
        },
        {
            "blocking": False,
            "deviceTarget": "back_window_2",
            "priority": 1,
            "statusCode": "deviceOpen",
        },
        {
            "blocking": True,
            "deviceTarget": "alarm_2",
            "priority": 0,
            "statusCode": "needsSoftwareUpdate",
        },
    ]
}
TRAIT = TRAITS["action.devices.traits.StatusReport"]


def test_documented_query_state() -> None:
    assert TRAIT.query_states({}, {**REPORT, "isArmed": True}) == REPORT


def test_nothing_to_report_is_an_empty_list() -> None:
    assert TRAIT.query_states({}, {"isArmed": True}) == {"currentStatusReport": []}


def test_no_attributes_and_no_commands() -> None:
    validate("StatusReport", {})
    assert TRAIT.commands == {}
    assert TRAIT not in COMMANDS.values()
