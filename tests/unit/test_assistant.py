"""What the local Google Home page says for an EXECUTE answer, a follow-up and a notification."""

from typing import Any

import pytest

from devstack import assistant

NAMES = {"front-door-lock": "Front door", "garage-door": "Garage door", "lamp": "Lamp"}


def request(device_id: str, command: str, params: dict[str, Any]) -> dict[str, Any]:
    execution = [{"command": f"action.devices.commands.{command}", "params": params}]
    return {
        "requestId": "r",
        "inputs": [
            {
                "intent": "action.devices.EXECUTE",
                "payload": {"commands": [{"devices": [{"id": device_id}], "execution": execution}]},
            }
        ],
    }


def answer(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"requestId": "r", "payload": {"commands": list(entries)}}


@pytest.mark.parametrize(
    ("entry", "challenge", "said"),
    [
        (
            {
                "status": "ERROR",
                "errorCode": "challengeNeeded",
                "challengeNeeded": {"type": "pinNeeded"},
            },
            "pinNeeded",
            "What's the PIN for Front door?",
        ),
        (
            {
                "status": "ERROR",
                "errorCode": "challengeNeeded",
                "challengeNeeded": {"type": "challengeFailedPinNeeded"},
            },
            "challengeFailedPinNeeded",
            "Sorry, that PIN is incorrect. What's the PIN for Front door?",
        ),
        (
            {
                "status": "ERROR",
                "errorCode": "challengeNeeded",
                "challengeNeeded": {"type": "ackNeeded"},
            },
            "ackNeeded",
            "Unlocking Front door. Are you sure?",
        ),
        (
            {"status": "ERROR", "errorCode": "tooManyFailedAttempts"},
            None,
            "Sorry, too many failed attempts. Try again later, or use the app.",
        ),
        (
            {"status": "SUCCESS", "states": {"isLocked": False, "online": True}},
            None,
            "Front door is unlocked.",
        ),
        ({"status": "PENDING"}, None, "Unlocking Front door."),
        (
            {"status": "ERROR", "errorCode": "deviceJammingDetected"},
            None,
            "Sorry, Front door seems to be jammed.",
        ),
        (
            {"status": "ERROR", "errorCode": "somethingNew"},
            None,
            "Sorry, Front door couldn't do that (somethingNew).",
        ),
        (
            {"status": "EXCEPTIONS", "errorCode": "lowBattery"},
            None,
            "Front door has a low battery.",
        ),
    ],
)
def test_an_execute_answer_is_said_as_the_assistant_would(
    entry: dict[str, Any], challenge: str | None, said: str
) -> None:
    body = request("front-door-lock", "LockUnlock", {"lock": False})
    (result,) = assistant.execute(body, answer({"ids": ["front-door-lock"], **entry}), NAMES)
    assert (result["challenge"], result["said"]) == (challenge, said)


def test_grouped_devices_and_a_global_error() -> None:
    body = request("lamp", "OnOff", {"on": True})
    (grouped,) = assistant.execute(
        body,
        answer({"ids": ["lamp", "garage-door"], "status": "ERROR", "errorCode": "deviceOffline"}),
        NAMES,
    )
    assert grouped["said"] == "Sorry, it looks like Lamp and Garage door are unavailable right now."
    (whole,) = assistant.execute(
        body, {"requestId": "r", "payload": {"errorCode": "transientError"}}, NAMES
    )
    assert whole["said"] == "Sorry, something went wrong. Please try again."
    assert assistant.execute(body, "not json", NAMES)[0]["status"] == "ERROR"


def test_follow_ups_and_notifications_are_announced() -> None:
    opened = {"status": "SUCCESS", "openPercent": 100, "followUpToken": "t"}
    assert assistant.follow_up("OpenClose", opened, "Garage door") == "Garage door is open."
    jammed = {"status": "FAILURE", "errorCode": "deviceJammingDetected", "followUpToken": "t"}
    assert (
        assistant.follow_up("LockUnlock", jammed, "Front door")
        == "Sorry, Front door seems to be jammed."
    )
    ring = {"priority": 0, "detectionTimestamp": 1, "objects": {"named": ["Alice"]}}
    assert (
        assistant.notification("ObjectDetection", ring, "Front doorbell")
        == "Front doorbell: Alice is at the door."
    )
    two = {"objects": {"familiar": 2}}
    assert (
        assistant.notification("ObjectDetection", two, "Doorbell")
        == "Doorbell: 2 familiar people are at the door."
    )
    done = {"priority": 0, "status": "SUCCESS"}
    assert assistant.notification("RunCycle", done, "Washer") == "Washer has finished."
