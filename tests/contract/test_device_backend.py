"""The device backend's side of EXECUTE and QUERY (command records, confirmed execution, device
errors, two-factor), over both the in-memory store and the Firestore emulator (the ``world``
fixture of tests/contract/conftest.py, whose ``backend`` plays the device backend)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.core import tokens
from functions.devices import pins
from functions.devices.pins import pin_record
from functions.fulfillment.execute import MAX_RECORDS_PER_DEVICE
from functions.fulfillment.throttle import Throttle
from tests.support.devices import CAMERA, GARAGE, IR_TV, LOCK, ROUTER, SCENE, locked
from tests.support.google_shapes import execute_problems
from tests.support.world import World, execute_body, golden, intent, light


@pytest.fixture
def home(world: World, user: str) -> str:
    world.put_device(user, "lamp", light(on=False))
    world.put_device(user, "lock", LOCK)
    world.put_device(user, "garage", GARAGE)
    world.put_device(user, "party", SCENE)
    world.put_device(user, "tv", IR_TV)
    return user


def commands(answer: Any) -> list[dict[str, Any]]:
    assert answer.status == 200, answer.body
    return list(answer.body["payload"]["commands"])


def only_record(world: World, user: str, device_id: str) -> dict[str, Any]:
    records = list(world.commands(user, device_id).values())
    assert len(records) == 1, records
    return records[0]


# --- optimistic: every command delivered ------------------------------------------------------


def test_an_optimistic_command_writes_its_record_with_the_patch(world: World, home: str) -> None:
    body = execute_body(["lamp"], ("OnOff", {"on": True}))
    body["requestId"] = "req-record"
    assert commands(world.post(body, world.token(home)))[0]["status"] == "SUCCESS"
    record = only_record(world, home, "lamp")
    assert record["requestId"] == "req-record"
    assert record["mode"] == "optimistic"
    assert record["executions"] == [
        {"command": "action.devices.commands.OnOff", "params": {"on": True}}
    ]
    assert record["patch"] == {"on": True}
    assert record["answer"] == "SUCCESS"
    assert record["outcome"] is None
    assert record["issuedAt"] < record["deadline"] < record["expireAt"]
    assert world.device(home, "lamp")["states"]["on"] is True


def test_a_scene_activation_reaches_the_backend(world: World, home: str) -> None:
    body = execute_body(["party"], ("ActivateScene", {"deactivate": False}))
    assert commands(world.post(body, world.token(home))) == [
        {"ids": ["party"], "status": "SUCCESS", "states": {"online": True}}
    ]
    record = only_record(world, home, "party")
    assert record["executions"][0]["command"] == "action.devices.commands.ActivateScene"
    assert record["patch"] == {}


def test_a_repeated_command_is_delivered_again(world: World, home: str) -> None:
    token = world.token(home)
    for _ in range(2):
        world.post(execute_body(["lamp"], ("OnOff", {"on": False})), token)
    records = world.commands(home, "lamp").values()
    assert [r["patch"] for r in records] == [{}, {}]


def test_a_relative_step_on_a_one_way_device_reaches_the_backend_as_a_step(
    world: World, home: str
) -> None:
    body = execute_body(["tv"], ("volumeRelative", {"relativeSteps": -3}))
    assert commands(world.post(body, world.token(home)))[0]["status"] == "SUCCESS"
    record = only_record(world, home, "tv")
    assert record["executions"][0]["params"] == {"relativeSteps": -3}
    assert record["patch"] == {}
    assert "currentVolume" not in world.device(home, "tv")["states"]


def test_a_refused_command_writes_no_record(world: World, home: str) -> None:
    body = execute_body(["lamp"], ("BrightnessAbsolute", {"brightness": 400}))
    assert commands(world.post(body, world.token(home)))[0]["errorCode"] == "valueOutOfRange"
    assert world.commands(home, "lamp") == {}


def test_params_a_record_cannot_hold_are_refused(world: World, home: str) -> None:
    body = execute_body(["party"], ("ActivateScene", {"deactivate": False, "__x__": 1}))
    assert commands(world.post(body, world.token(home)))[0]["errorCode"] == "valueOutOfRange"
    assert world.commands(home, "party") == {}


# --- bounded: commands per device per request ---------------------------------------------------

C = "action.devices.commands."


def commanding(device_id: str, *executions: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """An EXECUTE with one command per execution, each for ``device_id``."""
    command = [
        {"devices": [{"id": device_id}], "execution": [{"command": C + c, "params": p}]}
        for c, p in executions
    ]
    return intent("EXECUTE", {"commands": command})


def test_one_command_repeated_in_a_request_is_delivered_once(world: World, home: str) -> None:
    """The issue's restart scene: 100 copies of one command wrote 100 records."""
    body = commanding("party", *[("ActivateScene", {"deactivate": False})] * 100)
    assert commands(world.post(body, world.token(home))) == [
        {"ids": ["party"], "status": "SUCCESS", "states": {"online": True}}
    ]
    only_record(world, home, "party")


def test_a_command_given_again_after_another_is_kept_in_order(world: World, home: str) -> None:
    on, off = ("OnOff", {"on": True}), ("OnOff", {"on": False})
    answer = world.post(commanding("lamp", on, on, off, on), world.token(home))
    assert {c["status"] for c in commands(answer)} == {"SUCCESS"}
    records = sorted(world.commands(home, "lamp").values(), key=lambda r: r["position"])
    assert [r["position"] for r in records] == [0, 1, 2]
    assert [r["executions"][0]["params"]["on"] for r in records] == [True, False, True]
    assert len({r["issuedAt"] for r in records}) == 1  # one request: the position orders them
    assert world.device(home, "lamp")["states"]["on"] is True


def test_commands_for_one_device_beyond_the_bound_are_refused(world: World, home: str) -> None:
    """A padded request (each copy a little different) wrote 249 records for one device."""
    steps = [("BrightnessAbsolute", {"brightness": n}) for n in range(1, 250)]
    answer = world.post(commanding("lamp", *steps[:100]), world.token(home))
    entries = commands(answer)
    assert [e["status"] for e in entries] == ["SUCCESS"] * 10 + ["ERROR"]
    assert entries[-1] == {"ids": ["lamp"], "status": "ERROR", "errorCode": "deviceBusy"}
    assert len(world.commands(home, "lamp")) == MAX_RECORDS_PER_DEVICE == 10
    assert world.device(home, "lamp")["states"]["brightness"] == 10


def test_a_user_over_the_execute_bound_is_answered_busy_and_nothing_is_written(
    world: World, home: str, capsys: pytest.CaptureFixture[str]
) -> None:
    world.throttle = Throttle(burst=2, per_second=0)
    token, on = world.token(home), execute_body(["lamp", "party"], ("OnOff", {"on": True}))
    forged = tokens.issue(home)  # a forged token is refused before it is counted
    assert world.post(on, forged).status == 401
    for _ in range(2):
        world.post(on, token)
    records = {d: world.commands(home, d) for d in ("lamp", "party")}
    world.put_device(home, "lamp", light(on=False))
    capsys.readouterr()
    assert commands(world.post(on, token)) == [
        {"ids": ["lamp", "party"], "status": "ERROR", "errorCode": "deviceBusy"}
    ]
    assert "execute throttled" in capsys.readouterr().out
    assert world.device(home, "lamp")["states"]["on"] is False
    assert {d: world.commands(home, d) for d in ("lamp", "party")} == records
    other = world.token("another-user")
    world.put_device("another-user", "lamp", light(on=False))
    assert commands(world.post(on, other))[0]["status"] == "SUCCESS", "a bucket per user"


# --- confirmed: the backend's real outcome, or PENDING ----------------------------------------


def test_a_confirmed_lock_is_answered_with_the_backends_outcome(world: World, home: str) -> None:
    with world.backend(home, "lock", locked, delay=0.05):
        answer = world.post(
            execute_body(["lock"], ("LockUnlock", {"lock": True})), world.token(home)
        )
    assert commands(answer) == [
        {
            "ids": ["lock"],
            "status": "SUCCESS",
            "states": {"isLocked": True, "isJammed": False, "online": True},
        }
    ]
    record = only_record(world, home, "lock")
    assert record["mode"] == "confirmed"
    assert record["answer"] is None  # Google heard the outcome itself: no follow-up owed
    assert world.device(home, "lock")["states"]["isLocked"] is True


def test_a_confirmed_device_is_not_written_by_the_fulfillment(world: World, home: str) -> None:
    def jammed(_: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        return {"status": "ERROR", "errorCode": "deviceJammingDetected"}, {"isJammed": True}

    with world.backend(home, "lock", jammed):
        answer = world.post(
            execute_body(["lock"], ("LockUnlock", {"lock": True})), world.token(home)
        )
    assert commands(answer) == [
        {"ids": ["lock"], "status": "ERROR", "errorCode": "deviceJammingDetected"}
    ]
    states = world.device(home, "lock")["states"]
    assert (states["isLocked"], states["isJammed"]) == (False, True)


def test_a_slow_garage_door_is_answered_pending(world: World, home: str) -> None:
    body = execute_body(["garage"], ("OpenClose", {"openPercent": 100, "followUpToken": "fu-1"}))
    with world.backend(home, "garage", lambda _: None):
        answer = world.post(body, world.token(home))
    assert commands(answer) == [{"ids": ["garage"], "status": "PENDING"}]
    record = only_record(world, home, "garage")
    assert record["answer"] == "PENDING"
    assert record["followUpToken"] == "fu-1"
    assert record["patch"] == {"openPercent": 100}
    assert world.device(home, "garage")["states"]["openPercent"] == 0


BAD_OUTCOMES = {
    "unknown code": {"status": "ERROR", "errorCode": "gremlins"},
    "code a list": {"status": "ERROR", "errorCode": ["deviceJammingDetected"]},
    "code a map": {"status": "ERROR", "errorCode": {"code": "deviceJammingDetected"}},
    "status a list": {"status": ["SUCCESS"]},
    "states a list": {"status": "SUCCESS", "states": [{"isLocked": True}]},
    "a string": "SUCCESS",
    "a list": ["SUCCESS"],
    "a number": 1,
}


@pytest.mark.parametrize("name", list(BAD_OUTCOMES))
def test_an_outcome_that_breaks_the_contract_is_a_hard_error(
    world: World, home: str, name: str
) -> None:
    """Issue 22, finding 7: an errorCode that is a list must not fail the whole EXECUTE."""
    world.put_device(home, "lamp", light(on=False))

    def bad(_: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        return BAD_OUTCOMES[name], {}

    body = execute_body(["lock", "lamp"], ("LockUnlock", {"lock": True}))
    with world.backend(home, "lock", bad):
        answer = world.post(body, world.token(home))
    assert commands(answer) == [
        {"ids": ["lock"], "status": "ERROR", "errorCode": "hardError"},
        {"ids": ["lamp"], "status": "ERROR", "errorCode": "functionNotSupported"},
    ]


def test_optimistic_and_confirmed_devices_in_one_request(world: World, home: str) -> None:
    body = intent(
        "EXECUTE",
        {
            "commands": [
                {
                    "devices": [{"id": "lamp"}],
                    "execution": [
                        {"command": "action.devices.commands.OnOff", "params": {"on": True}}
                    ],
                },
                {
                    "devices": [{"id": "lock"}],
                    "execution": [
                        {"command": "action.devices.commands.LockUnlock", "params": {"lock": True}}
                    ],
                },
            ]
        },
    )
    with world.backend(home, "lock", locked):
        results = commands(world.post(body, world.token(home)))
    assert {tuple(r["ids"]): r["status"] for r in results} == {
        ("lamp",): "SUCCESS",
        ("lock",): "SUCCESS",
    }


# --- results only the backend has -------------------------------------------------------------

STREAM = {"StreamToChromecast": True, "SupportedStreamProtocols": ["progressive_mp4", "webrtc"]}


def answering(results: Any) -> Any:
    """A backend that records a SUCCESS outcome whose states hold ``results``."""
    return lambda _record: ({"status": "SUCCESS", "states": results}, {})


@pytest.mark.parametrize("results", golden("camera_stream_results.json"))
def test_a_camera_stream_is_answered_with_the_stream_the_backend_minted(
    world: World, user: str, results: dict[str, Any]
) -> None:
    """Google's results examples (tests/golden/camera_stream_results.json) reach Google as the
    backend recorded them, in the command's states, though the camera is optimistic."""
    world.put_device(user, "camera", CAMERA)
    body = execute_body(["camera"], ("GetCameraStream", STREAM))
    with world.backend(user, "camera", answering(results)):
        answer = world.post(body, world.token(user))
    assert commands(answer) == [
        {"ids": ["camera"], "status": "SUCCESS", "states": {**results, "online": True}}
    ]
    assert execute_problems(answer.body["payload"]) == []
    record = only_record(world, user, "camera")
    assert (record["mode"], record["answer"]) == ("confirmed", None)


@pytest.mark.parametrize(
    "results",
    [
        {"cameraStreamProtocol": "progressive_mp4"},
        {"cameraStreamAccessUrl": "https://x/y.mp4"},
        {"cameraStreamProtocol": "hls", "cameraStreamAccessUrl": "https://x/y.m3u8"},
        {"cameraStreamProtocol": "dash", "cameraStreamAccessUrl": "https://x/y.mpd"},
        {"cameraStreamProtocol": "webrtc", "cameraStreamAccessUrl": "https://x/offer"},
        {"cameraStreamProtocol": "progressive_mp4", "cameraStreamAccessUrl": ["https://x"]},
        {"cameraStreamProtocol": "progressive_mp4", "cameraStreamAccessUrl": ""},
        {
            "cameraStreamProtocol": "progressive_mp4",
            "cameraStreamAccessUrl": "https://x",
            "cameraStreamAuthToken": 1234,
        },
    ],
    ids=[
        "no url",
        "no protocol",
        "protocol the target lacks",
        "protocol the device lacks",
        "webrtc without signaling",
        "url a list",
        "url empty",
        "token a number",
    ],
)
def test_a_stream_that_breaks_googles_results_schema_is_a_hard_error(
    world: World, user: str, results: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    world.put_device(user, "camera", CAMERA)
    body = execute_body(["camera"], ("GetCameraStream", STREAM))
    capsys.readouterr()
    with world.backend(user, "camera", answering(results)):
        answer = world.post(body, world.token(user))
    assert commands(answer) == [{"ids": ["camera"], "status": "ERROR", "errorCode": "hardError"}]
    logged = capsys.readouterr().out
    assert "bad outcome from the device backend" in logged
    assert "https://x" not in logged, "a result never reaches the logs"


def test_a_stream_the_backend_cannot_mint_is_its_error(world: World, user: str) -> None:
    world.put_device(user, "camera", CAMERA)

    def unavailable(_: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        return {"status": "ERROR", "errorCode": "streamUnavailable"}, {}

    with world.backend(user, "camera", unavailable):
        answer = world.post(
            execute_body(["camera"], ("GetCameraStream", STREAM)), world.token(user)
        )
    assert commands(answer) == [
        {"ids": ["camera"], "status": "ERROR", "errorCode": "streamUnavailable"}
    ]


def test_a_camera_whose_backend_is_silent_is_pending(world: World, user: str) -> None:
    world.put_device(
        user, "camera", {**CAMERA, "execution": {"mode": "optimistic", "timeoutMs": 100}}
    )
    with world.backend(user, "camera", lambda _: None):
        answer = world.post(
            execute_body(["camera"], ("GetCameraStream", STREAM)), world.token(user)
        )
    assert commands(answer) == [{"ids": ["camera"], "status": "PENDING"}]


def test_a_guest_password_is_answered_from_the_backend(
    world: World, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """GetGuestNetworkPassword on a router asks for the PIN first (certification); then the
    answer carries the password of Google's example, never written into the device's states
    nor logged."""
    [results] = golden("guest_network_password_results.json")
    world.put_device(user, "router", ROUTER)
    world.store.set_pin(user, pin_record(PIN))  # type: ignore[attr-defined]
    token = world.token(user)
    body = execute_body(["router"], ("GetGuestNetworkPassword", {}))
    assert commands(world.post(body, token))[0]["challengeNeeded"] == {"type": "pinNeeded"}
    body["inputs"][0]["payload"]["commands"][0]["execution"][0]["challenge"] = {"pin": PIN}
    capsys.readouterr()
    with world.backend(user, "router", answering(results)):
        answer = world.post(body, token)
    assert commands(answer) == [
        {
            "ids": ["router"],
            "status": "SUCCESS",
            "states": {"guestNetworkEnabled": True, "online": True, **results},
        }
    ]
    assert "guestNetworkPassword" not in world.device(user, "router")["states"]
    assert results["guestNetworkPassword"] not in capsys.readouterr().out


def test_a_guest_password_missing_from_the_outcome_is_a_hard_error(world: World, user: str) -> None:
    world.put_device(
        user,
        "router",
        {
            **ROUTER,
            "secondaryVerification": {"action.devices.commands.GetGuestNetworkPassword": "none"},
        },
    )
    with world.backend(user, "router", answering({"guestNetworkEnabled": True})):
        answer = world.post(
            execute_body(["router"], ("GetGuestNetworkPassword", {})), world.token(user)
        )
    assert commands(answer) == [{"ids": ["router"], "status": "ERROR", "errorCode": "hardError"}]


# --- device errors and exceptions -------------------------------------------------------------


def test_a_device_error_is_answered_by_query_and_execute(world: World, home: str) -> None:
    jammed = {**LOCK, "execution": {"mode": "optimistic"}, "deviceError": "deviceJammingDetected"}
    world.put_device(home, "lock", jammed)
    token = world.token(home)
    query = world.post(intent("QUERY", {"devices": [{"id": "lock"}]}), token)
    assert query.body["payload"]["devices"]["lock"] == {
        "online": True,
        "status": "ERROR",
        "errorCode": "deviceJammingDetected",
    }
    answer = world.post(execute_body(["lock"], ("LockUnlock", {"lock": True})), token)
    assert commands(answer) == [
        {"ids": ["lock"], "status": "ERROR", "errorCode": "deviceJammingDetected"}
    ]
    assert world.commands(home, "lock") == {}


def test_exceptions_travel_as_status_reports(world: World, home: str) -> None:
    report = {"blocking": False, "deviceTarget": "lamp", "priority": 0, "statusCode": "lowBattery"}
    lamp = light(on=False)
    lamp["traits"] = [*lamp["traits"], "action.devices.traits.StatusReport"]
    lamp["states"]["currentStatusReport"] = [report]
    world.put_device(home, "lamp", lamp)
    answer = world.post(execute_body(["lamp"], ("OnOff", {"on": True})), world.token(home))
    assert commands(answer) == [
        {
            "ids": ["lamp"],
            "status": "SUCCESS",
            "states": {"on": True, "currentStatusReport": [report], "online": True},
        }
    ]


def test_a_blocking_exception_stops_the_command(world: World, home: str) -> None:
    report = {"blocking": True, "priority": 0, "statusCode": "deviceOpen"}
    lamp = light(on=False)
    lamp["traits"] = [*lamp["traits"], "action.devices.traits.StatusReport"]
    lamp["states"]["currentStatusReport"] = [report]
    world.put_device(home, "lamp", lamp)
    results = commands(
        world.post(execute_body(["lamp"], ("OnOff", {"on": True})), world.token(home))
    )
    assert results[0]["status"] == "EXCEPTIONS"
    assert results[0]["errorCode"] == "deviceOpen"
    assert world.device(home, "lamp")["states"]["on"] is False


@pytest.mark.parametrize(
    "bad",
    [
        {"execution": {"mode": "eventually"}},
        {"execution": {"mode": "confirmed", "timeoutMs": 5000}},
        {"execution": "confirmed"},
        {"deviceError": "gremlins"},
    ],
)
def test_a_bad_backend_field_makes_the_device_invalid(
    world: World, user: str, bad: dict[str, Any]
) -> None:
    world.put_device(user, "lamp", {**light(), **bad})
    devices = world.post(intent("SYNC"), world.token(user)).body["payload"]["devices"]
    assert devices == []


def test_backend_fields_are_not_sent_to_google_in_sync(world: World, home: str) -> None:
    devices = world.post(intent("SYNC"), world.token(home)).body["payload"]["devices"]
    lock = next(d for d in devices if d["id"] == "lock")
    assert "execution" not in lock
    assert "states" not in lock


# --- secondary user verification --------------------------------------------------------------

PIN = "4321"
UNLOCK = ("LockUnlock", {"lock": False})


def unlock(world: World, token: str, **challenge: Any) -> dict[str, Any]:
    body = execute_body(["door"], UNLOCK)
    if challenge:
        body["inputs"][0]["payload"]["commands"][0]["execution"][0]["challenge"] = challenge
    return commands(world.post(body, token))[0]


@pytest.fixture
def door(world: World, user: str) -> str:
    """An optimistic lock whose user has a PIN; the fixture returns a token."""
    world.put_device(
        user,
        "door",
        {
            **LOCK,
            "execution": {"mode": "optimistic"},
            "states": {"online": True, "isLocked": True, "isJammed": False},
        },
    )
    world.store.set_pin(user, pin_record(PIN))  # type: ignore[attr-defined]
    return world.token(user)


def test_an_unlock_asks_for_the_pin_and_changes_nothing(world: World, user: str, door: str) -> None:
    assert unlock(world, door) == {
        "ids": ["door"],
        "status": "ERROR",
        "errorCode": "challengeNeeded",
        "challengeNeeded": {"type": "pinNeeded"},
    }
    assert world.device(user, "door")["states"]["isLocked"] is True
    assert world.commands(user, "door") == {}


def test_a_wrong_pin_then_the_right_one(
    world: World, user: str, door: str, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = unlock(world, door, pin="9999")
    assert wrong["challengeNeeded"] == {"type": "challengeFailedPinNeeded"}
    assert world.store.pin(user)["failures"] == 1  # type: ignore[attr-defined]
    right = unlock(world, door, pin=PIN)
    assert right["status"] == "SUCCESS"
    assert world.device(user, "door")["states"]["isLocked"] is False
    assert world.store.pin(user)["failures"] == 0  # type: ignore[attr-defined]
    record = only_record(world, user, "door")
    assert PIN not in str(record) and "9999" not in str(record)
    assert PIN not in capsys.readouterr().out


def test_repeated_wrong_pins_lock_out_until_the_cool_down_ends(
    world: World, user: str, door: str
) -> None:
    answers = [unlock(world, door, pin="0000") for _ in range(pins.MAX_FAILURES)]
    kinds = [a.get("challengeNeeded", {}).get("type", a["errorCode"]) for a in answers]
    assert kinds == ["challengeFailedPinNeeded"] * (pins.MAX_FAILURES - 1) + [
        "tooManyFailedAttempts"
    ]
    assert unlock(world, door, pin=PIN)["errorCode"] == "tooManyFailedAttempts"
    assert world.device(user, "door")["states"]["isLocked"] is True
    record = world.store.pin(user)  # type: ignore[attr-defined]
    record["lockedUntil"] = datetime.now(UTC) - timedelta(seconds=1)  # the cool-down is over
    world.store.set_pin(user, record)  # type: ignore[attr-defined]
    assert unlock(world, door, pin=PIN)["status"] == "SUCCESS"


def test_concurrent_wrong_pins_cannot_exceed_the_bound(world: World, user: str, door: str) -> None:
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: unlock(world, door, pin="1111"), range(12)))
    failed = [
        a for a in answers if a.get("challengeNeeded", {}).get("type") == "challengeFailedPinNeeded"
    ]
    assert len(failed) == pins.MAX_FAILURES - 1
    assert sum(a["errorCode"] == "tooManyFailedAttempts" for a in answers) == 12 - len(failed)
    assert unlock(world, door, pin=PIN)["errorCode"] == "tooManyFailedAttempts"


def guesses(world: World, token: str, offered: list[str]) -> list[dict[str, Any]]:
    """One EXECUTE whose commands each unlock the door with their own PIN (the answer groups
    the commands whose outcomes are the same)."""
    body = execute_body(["door"], UNLOCK)
    command = body["inputs"][0]["payload"]["commands"][0]
    body["inputs"][0]["payload"]["commands"] = [
        {**command, "execution": [{**command["execution"][0], "challenge": {"pin": pin}}]}
        for pin in offered
    ]
    return commands(world.post(body, token))


def test_one_request_tests_one_pin_and_counts_every_other_as_wrong(
    world: World, user: str, door: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 22: one EXECUTE once tried up to 100 PINs and counted one failure."""
    tested: list[str] = []
    real = pins.matches

    def counted(record: Any, pin: str) -> bool:
        tested.append(pin)
        return real(record, pin)

    monkeypatch.setattr(pins, "matches", counted)
    offered = [f"{n:04d}" for n in range(20)] + [PIN]
    answers = guesses(world, door, offered)
    assert tested == ["0000"], "one scrypt check per request"
    assert all(a["status"] == "ERROR" for a in answers), "the right PIN, offered late, is not tried"
    assert answers[-1]["errorCode"] == "tooManyFailedAttempts"
    assert world.device(user, "door")["states"]["isLocked"] is True
    assert unlock(world, door, pin=PIN)["errorCode"] == "tooManyFailedAttempts"


def test_a_request_that_reaches_the_bound_stops_checking(
    world: World, user: str, door: str
) -> None:
    for _ in range(pins.MAX_FAILURES - 1):
        unlock(world, door, pin="0000")
    answers = guesses(world, door, ["1111", PIN, PIN])
    assert {a["errorCode"] for a in answers} == {"tooManyFailedAttempts"}
    assert world.device(user, "door")["states"]["isLocked"] is True


def test_the_same_pin_for_several_devices_of_one_request_is_one_attempt(
    world: World, user: str, door: str
) -> None:
    answers = guesses(world, door, ["9999", "9999", "9999"])
    assert {a["challengeNeeded"]["type"] for a in answers} == {"challengeFailedPinNeeded"}
    assert world.store.pin(user)["failures"] == 1  # type: ignore[attr-defined]


def test_locking_needs_no_challenge(world: World, user: str, door: str) -> None:
    assert unlock(world, door, pin=PIN)["status"] == "SUCCESS"
    body = execute_body(["door"], ("LockUnlock", {"lock": True}))
    assert commands(world.post(body, door))[0]["status"] == "SUCCESS"


def test_an_ack_needed_command_asks_once_and_runs_on_acknowledgement(
    world: World, user: str
) -> None:
    lamp = {
        **light(on=False),
        "secondaryVerification": {"action.devices.commands.OnOff": "ackNeeded"},
    }
    world.put_device(user, "lamp", lamp)
    token = world.token(user)
    body = execute_body(["lamp"], ("OnOff", {"on": True}))
    assert commands(world.post(body, token))[0]["challengeNeeded"] == {"type": "ackNeeded"}
    assert world.device(user, "lamp")["states"]["on"] is False
    body["inputs"][0]["payload"]["commands"][0]["execution"][0]["challenge"] = {"ack": True}
    assert commands(world.post(body, token))[0]["status"] == "SUCCESS"
    assert world.device(user, "lamp")["states"]["on"] is True


def test_without_a_pin_an_unlock_still_needs_a_yes(world: World, user: str) -> None:
    states = {"online": True, "isLocked": True, "isJammed": False}
    world.put_device(user, "door", {**LOCK, "execution": {"mode": "optimistic"}, "states": states})
    token = world.token(user)
    assert unlock(world, token)["challengeNeeded"] == {"type": "ackNeeded"}
    assert unlock(world, token, ack=True)["status"] == "SUCCESS"
