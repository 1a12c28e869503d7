import pytest

from functions.devices.traits import COMMANDS, TRAITS
from functions.devices.traits.object_detection import notification
from tests.unit.traits.helpers import validate

# Golden notifications from https://developers.home.google.com/cloud-to-cloud/traits/objectdetection
# (whole page read, also the ?hl=zh-cn copy); the three examples, all on January 1, 2000, are those
# of Google's smart-home schema the page is generated from.
JAN_1_2000_MS = 946684800000
DOCUMENTED = [
    ({"unclassified": 2}, {"objects": {"unclassified": 2}}),
    ({"familiar": 1}, {"objects": {"familiar": 1}}),
    ({"named": ["Alice"]}, {"objects": {"named": ["Alice"]}}),
]
TRAIT = TRAITS["action.devices.traits.ObjectDetection"]


@pytest.mark.parametrize(("kwargs", "expected"), DOCUMENTED)
def test_documented_notifications(kwargs: dict, expected: dict) -> None:
    assert notification(JAN_1_2000_MS, **kwargs) == {
        "priority": 0,
        "detectionTimestamp": JAN_1_2000_MS,
        **expected,
    }


def test_every_category_at_once() -> None:
    built = notification(5, named=["Alice"], familiar=1, unfamiliar=0, unclassified=2)
    assert built["objects"] == {
        "named": ["Alice"],
        "familiar": 1,
        "unfamiliar": 0,
        "unclassified": 2,
    }


def test_only_the_given_categories() -> None:
    assert notification(5, unfamiliar=1)["objects"] == {"unfamiliar": 1}
    assert notification(5, named=("Bob",))["objects"] == {"named": ["Bob"]}


@pytest.mark.parametrize(
    ("timestamp", "kwargs", "message"),
    [
        (5, {}, "at least one"),
        (5, {"familiar": 0, "unclassified": 0}, "at least one"),
        (5, {"named": []}, "named must be"),
        (5, {"named": "Alice"}, "named must be"),
        (5, {"named": ["Alice", ""]}, "named must be"),
        (5, {"familiar": -1}, "familiar must be an integer >= 0"),
        (5, {"unclassified": True}, "unclassified must be"),
        (5, {"unfamiliar": 1.0}, "unfamiliar must be"),
        (1.5, {"familiar": 1}, "detectionTimestamp"),
        ("1534875126750", {"familiar": 1}, "detectionTimestamp"),
    ],
)
def test_malformed_notifications(timestamp: object, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        notification(timestamp, **kwargs)  # type: ignore[arg-type]


def test_no_attributes_states_or_commands() -> None:
    validate("ObjectDetection", {})
    assert TRAIT.states == ()
    assert TRAIT.query_states({}, {"online": True, "on": True}) == {}
    assert TRAIT.commands == {}
    assert TRAIT not in COMMANDS.values()
