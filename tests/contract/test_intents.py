"""Behaviour of the fulfillment over both the in-memory store and the Firestore emulator (the
``world`` fixture of tests/contract/conftest.py)."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.demo_home import DEMO_DEVICES
from tests.support.google_shapes import query_problems
from tests.support.world import World, execute_body, golden, intent, light, log_lines

# --- SYNC -------------------------------------------------------------------------------------


def test_sync_matches_googles_example(world: World) -> None:
    user_id = "1836.15267389"
    expected = golden("sync_response.json")
    device = dict(expected["payload"]["devices"][0])
    world.put_device(user_id, device.pop("id"), {**device, "states": {"online": True, "on": False}})
    answer = world.post(golden("sync_request.json"), world.token(user_id))
    assert (answer.status, answer.body) == (200, expected)


def test_sync_returns_every_field_the_document_holds(world: World, user: str) -> None:
    document = {
        **light(),
        "roomHint": "Office",
        "structureHint": "Home",
        "notificationSupportedByAgent": False,
        "otherDeviceIds": [{"deviceId": "local-1"}],
        "attributes": {"commandOnlyBrightness": False},
        "unrelatedField": "not part of SYNC",
    }
    world.put_device(user, "lamp", document)
    devices = world.post(intent("SYNC"), world.token(user)).body["payload"]["devices"]
    expected = {k: v for k, v in document.items() if k not in ("states", "unrelatedField")}
    assert devices == [{"id": "lamp", **expected}]


INVALID_DOCUMENTS = {
    "unknown type": {**light(), "type": "action.devices.types.TOASTER9000"},
    "unknown trait": {**light(), "traits": ["action.devices.traits.Teleport"]},
    "no traits": {**light(), "traits": []},
    "missing name": {k: v for k, v in light().items() if k != "name"},
    "missing willReportState": {k: v for k, v in light().items() if k != "willReportState"},
    "customData over 512 bytes": {**light(), "customData": {"blob": "x" * 520}},
    "attribute of wrong type": {**light(), "attributes": {"commandOnlyBrightness": "yes"}},
    "name not an object": {**light(), "name": "Desk lamp"},
}


def test_sync_leaves_out_invalid_documents_and_logs_why(
    world: World, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    world.put_device(user, "good", light())
    for index, document in enumerate(INVALID_DOCUMENTS.values()):
        world.put_device(user, f"bad-{index}", document)
    token = world.token(user)
    capsys.readouterr()
    answer = world.post(intent("SYNC"), token)
    assert answer.status == 200
    assert [d["id"] for d in answer.body["payload"]["devices"]] == ["good"]
    errors = [e for e in log_lines(capsys.readouterr().out) if e["severity"] == "ERROR"]
    assert sorted(e["deviceId"] for e in errors) == sorted(
        f"bad-{i}" for i in range(len(INVALID_DOCUMENTS))
    )
    assert all(e["reason"] for e in errors)


def test_sync_passes_the_matter_ids_as_googles_example(world: World) -> None:
    """https://developers.home.google.com/matter/device-deduplication: a device moved to Matter
    sends its Basic Information ids and a roomHint in SYNC, beside deviceInfo and otherDeviceIds."""
    expected = golden("matter_sync_response.json")
    device = dict(expected["payload"]["devices"][0])
    user_id = expected["payload"]["agentUserId"]
    document = {
        **{k: v for k, v in device.items() if k != "id"},
        "name": {"name": "Office light"},
        "attributes": {"colorModel": "rgb"},
        "states": {"online": True, "on": True, "brightness": 80},
    }
    world.put_device(user_id, device["id"], document)
    answer = world.post(intent("SYNC", request_id=expected["requestId"]), world.token(user_id))
    assert answer.status == 200
    assert answer.body["requestId"] == expected["requestId"]
    synced = {d["id"]: d for d in answer.body["payload"]["devices"]}[device["id"]]
    assert {key: synced.get(key) for key in device} == device


MATTER = {
    "matterUniqueId": "00112233aabbccddeeff",
    "matterOriginalVendorId": "0xfff1",
    "matterOriginalProductId": "0x1234",
}
BAD_MATTER: dict[str, dict[str, Any]] = {
    "vendor without 0x": {**MATTER, "matterOriginalVendorId": "fff1"},
    "vendor a number": {**MATTER, "matterOriginalVendorId": 65521},
    "vendor beyond 16 bits": {**MATTER, "matterOriginalVendorId": "0x1fff1"},
    "product not hexadecimal": {**MATTER, "matterOriginalProductId": "0x12g4"},
    "product empty after 0x": {**MATTER, "matterOriginalProductId": "0x"},
    "unique id empty": {**MATTER, "matterUniqueId": ""},
    "unique id over 32 characters": {**MATTER, "matterUniqueId": "a" * 33},
    "unique id a number": {**MATTER, "matterUniqueId": 1234},
    "unique id alone": {"matterUniqueId": "00112233aabbccddeeff"},
    "no product id": {k: v for k, v in MATTER.items() if k != "matterOriginalProductId"},
}


def test_matter_ids_of_the_wrong_form_leave_the_device_out(
    world: World, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    world.put_device(user, "good", {**light(), "roomHint": "Porch", **MATTER})
    world.put_device(
        user,
        "upper",
        {
            **light(),
            "roomHint": "Porch",
            **MATTER,
            "matterOriginalVendorId": "0xFFF1",
            "matterUniqueId": "u" * 32,
        },
    )
    for index, fields in enumerate(BAD_MATTER.values()):
        world.put_device(user, f"bad-{index}", {**light(), "roomHint": "Porch", **fields})
    token = world.token(user)
    capsys.readouterr()
    devices = world.post(intent("SYNC"), token).body["payload"]["devices"]
    assert [d["id"] for d in devices] == ["good", "upper"]
    errors = [e for e in log_lines(capsys.readouterr().out) if e["severity"] == "ERROR"]
    assert len(errors) == len(BAD_MATTER)
    assert all("matter" in e["reason"] for e in errors), [e["reason"] for e in errors]


def test_a_matter_device_without_a_room_hint_is_synced_and_logged(
    world: World, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    world.put_device(user, "roomless", {**light(), **MATTER})
    world.put_device(user, "placed", {**light(), "roomHint": "Porch", **MATTER})
    world.put_device(user, "plain", light())
    token = world.token(user)
    capsys.readouterr()
    devices = world.post(intent("SYNC"), token).body["payload"]["devices"]
    assert [d["id"] for d in devices] == ["placed", "plain", "roomless"]
    warned = [e for e in log_lines(capsys.readouterr().out) if e["severity"] == "WARNING"]
    assert [(e["message"], e["deviceId"]) for e in warned] == [
        ("matter device without roomHint", "roomless")
    ]


def test_custom_data_of_exactly_512_bytes_is_kept(world: World, user: str) -> None:
    filler = "x" * (512 - len('{"blob":""}'))
    world.put_device(user, "lamp", {**light(), "customData": {"blob": filler}})
    devices = world.post(intent("SYNC"), world.token(user)).body["payload"]["devices"]
    assert [d["id"] for d in devices] == ["lamp"]


def test_sync_of_a_large_home(world: World, user: str) -> None:
    ids = [f"light-{n:03d}" for n in range(300)]
    for device_id in ids:
        world.put_device(user, device_id, light())
    answer = world.post(intent("SYNC"), world.token(user))
    assert [d["id"] for d in answer.body["payload"]["devices"]] == ids


def test_sync_of_a_user_without_devices(world: World, user: str) -> None:
    answer = world.post(intent("SYNC"), world.token(user))
    assert answer.body["payload"] == {"agentUserId": user, "devices": []}


# --- QUERY ------------------------------------------------------------------------------------


def test_query_matches_googles_example(world: World, user: str) -> None:
    world.put_device(
        user,
        "123",
        {
            **light(),
            "traits": ["action.devices.traits.OnOff"],
            "states": {"online": True, "on": True},
        },
    )
    world.put_device(
        user,
        "456",
        {
            **light(),
            "traits": [
                "action.devices.traits.OnOff",
                "action.devices.traits.Brightness",
                "action.devices.traits.ColorSetting",
            ],
            "attributes": {"colorModel": "rgb"},
            "states": {
                "online": True,
                "on": True,
                "brightness": 80,
                "color": {"spectrumRgb": 31655},
            },
        },
    )
    answer = world.post(golden("query_request.json"), world.token(user))
    assert (answer.status, answer.body) == (200, golden("query_response.json"))


def test_query_errors_per_device(world: World, user: str) -> None:
    world.put_device(user, "lamp", light())
    world.put_device(user, "unplugged", light(online=False))
    world.put_device(user, "broken", {**light(), "type": "nonsense"})
    body = intent(
        "QUERY", {"devices": [{"id": i} for i in ("lamp", "ghost", "unplugged", "broken")]}
    )
    devices = world.post(body, world.token(user)).body["payload"]["devices"]
    assert devices == {
        "lamp": {"online": True, "on": True, "brightness": 50, "status": "SUCCESS"},
        "ghost": {"online": False, "status": "ERROR", "errorCode": "deviceNotFound"},
        "unplugged": {"online": False, "status": "ERROR", "errorCode": "deviceOffline"},
        "broken": {"online": False, "status": "ERROR", "errorCode": "hardError"},
    }


def test_every_query_entry_carries_online_and_status(world: World, user: str) -> None:
    """Google's QUERY response schema requires both for every device, an error included."""
    world.put_device(user, "lamp", light())
    world.put_device(user, "unplugged", light(online=False))
    world.put_device(user, "broken", {**light(), "type": "nonsense"})
    world.put_device(user, "jammed", {**light(), "deviceError": "deviceJammingDetected"})
    ids = ["lamp", "ghost", "unplugged", "broken", "jammed", "__x__", "a/b"]
    body = intent("QUERY", {"devices": [{"id": i} for i in ids]})
    payload = world.post(body, world.token(user)).body["payload"]
    assert list(payload["devices"]) == ids
    assert query_problems(payload) == []


def test_query_of_many_devices(world: World, user: str) -> None:
    for n in range(100):
        world.put_device(user, f"d{n}", light(brightness=n))
    body = intent("QUERY", {"devices": [{"id": f"d{n}"} for n in range(100)]})
    devices = world.post(body, world.token(user)).body["payload"]["devices"]
    assert [devices[f"d{n}"]["brightness"] for n in range(100)] == list(range(100))


# --- EXECUTE ----------------------------------------------------------------------------------


def test_execute_matches_googles_example(world: World, user: str) -> None:
    world.put_device(user, "123", light(on=False))
    world.put_device(user, "456", light(on=False, online=False))
    world.put_device(user, "123", {**light(on=False), "traits": ["action.devices.traits.OnOff"]})
    answer = world.post(golden("execute_request.json"), world.token(user))
    assert (answer.status, answer.body) == (200, golden("execute_response.json"))
    assert world.device(user, "123")["states"]["on"] is True
    assert world.device(user, "456")["states"]["on"] is False


def test_execute_runs_every_command_and_execution_in_order(world: World, user: str) -> None:
    for device_id in ("a", "b", "c"):
        world.put_device(user, device_id, light(on=False, brightness=10))
    body = intent(
        "EXECUTE",
        {
            "commands": [
                {
                    "devices": [{"id": "a"}, {"id": "b"}],
                    "execution": [
                        {"command": "action.devices.commands.OnOff", "params": {"on": True}},
                        {
                            "command": "action.devices.commands.BrightnessAbsolute",
                            "params": {"brightness": 40},
                        },
                    ],
                },
                {
                    "devices": [{"id": "b"}, {"id": "c"}],
                    "execution": [
                        {
                            "command": "action.devices.commands.BrightnessRelative",
                            "params": {"brightnessRelativePercent": 5},
                        }
                    ],
                },
            ]
        },
    )
    commands = world.post(body, world.token(user)).body["payload"]["commands"]
    assert commands == [
        {
            "ids": ["a", "b"],
            "status": "SUCCESS",
            "states": {"on": True, "brightness": 40, "online": True},
        },
        {"ids": ["b"], "status": "SUCCESS", "states": {"brightness": 45, "online": True}},
        {"ids": ["c"], "status": "SUCCESS", "states": {"brightness": 15, "online": True}},
    ]
    states = {i: world.device(user, i)["states"] for i in ("a", "b", "c")}
    assert states == {
        "a": {"online": True, "on": True, "brightness": 40},
        "b": {"online": True, "on": True, "brightness": 45},
        "c": {"online": True, "on": False, "brightness": 15},
    }


def test_a_thermostat_switched_to_heatcool_reports_a_range(world: World, user: str) -> None:
    """Issue 21: after ThermostatSetMode heatcool on a device that held one setpoint, the answer
    and the states carry the range Google's states require in heatcool."""
    world.put_device(user, "hall", DEMO_DEVICES["hall-thermostat"])
    body = execute_body(["hall"], ("ThermostatSetMode", {"thermostatMode": "heatcool"}))
    commands = world.post(body, world.token(user)).body["payload"]["commands"]
    assert commands == [
        {
            "ids": ["hall"],
            "status": "SUCCESS",
            "states": {
                "thermostatMode": "heatcool",
                "thermostatTemperatureAmbient": 19.5,
                "thermostatHumidityAmbient": 45,
                "thermostatTemperatureSetpointLow": 20,
                "thermostatTemperatureSetpointHigh": 22,
                "online": True,
            },
        }
    ]
    query = world.post(intent("QUERY", {"devices": [{"id": "hall"}]}), world.token(user))
    hall = query.body["payload"]["devices"]["hall"]
    assert (
        hall["thermostatTemperatureSetpointLow"],
        hall["thermostatTemperatureSetpointHigh"],
    ) == (
        20,
        22,
    )
    assert "thermostatTemperatureSetpoint" not in hall


def test_execute_errors_per_device(world: World, user: str) -> None:
    world.put_device(user, "lamp", light(on=False))
    world.put_device(user, "plug", {**light(on=False), "traits": ["action.devices.traits.OnOff"]})
    world.put_device(user, "unplugged", light(online=False))
    body = execute_body(
        ["lamp", "plug", "unplugged", "ghost"], ("BrightnessAbsolute", {"brightness": 30})
    )
    commands = world.post(body, world.token(user)).body["payload"]["commands"]
    assert commands == [
        {"ids": ["lamp"], "status": "SUCCESS", "states": {"brightness": 30, "online": True}},
        {"ids": ["plug"], "status": "ERROR", "errorCode": "functionNotSupported"},
        {"ids": ["unplugged"], "status": "ERROR", "errorCode": "deviceOffline"},
        {"ids": ["ghost"], "status": "ERROR", "errorCode": "deviceNotFound"},
    ]


@pytest.mark.parametrize(
    ("command", "params", "code"),
    [
        ("BrightnessAbsolute", {"brightness": 101}, "valueOutOfRange"),
        ("BrightnessAbsolute", {"brightness": "high"}, "valueOutOfRange"),
        ("OnOff", {}, "valueOutOfRange"),
        ("Teleport", {"where": "moon"}, "functionNotSupported"),
        ("LockUnlock", {"lock": True}, "functionNotSupported"),
    ],
)
def test_execute_bad_params_change_nothing(
    world: World, user: str, command: str, params: dict, code: str
) -> None:
    world.put_device(user, "lamp", light(on=False, brightness=20))
    body = execute_body(["lamp"], ("OnOff", {"on": True}), (command, params))
    commands = world.post(body, world.token(user)).body["payload"]["commands"]
    assert commands == [{"ids": ["lamp"], "status": "ERROR", "errorCode": code}]
    assert world.device(user, "lamp")["states"] == light(on=False, brightness=20)["states"]


def test_concurrent_executes_on_one_device_lose_no_update(world: World, user: str) -> None:
    world.put_device(user, "lamp", light(brightness=0))
    token = world.token(user)
    body = execute_body(["lamp"], ("BrightnessRelative", {"brightnessRelativePercent": 1}))
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: world.post(body, token), range(16)))
    assert [a.body["payload"]["commands"][0]["status"] for a in answers] == ["SUCCESS"] * 16
    assert world.device(user, "lamp")["states"]["brightness"] == 16


# --- numbers a device cannot hold -------------------------------------------------------------


def thermostat(setpoint: float = 20, **attributes: Any) -> dict[str, Any]:
    """A heating thermostat; without ``thermostatTemperatureRange`` unless one is given."""
    return {
        "type": "action.devices.types.THERMOSTAT",
        "traits": ["action.devices.traits.TemperatureSetting"],
        "name": {"name": "Hall"},
        "willReportState": True,
        "attributes": {
            "availableThermostatModes": ["off", "heat"],
            "thermostatTemperatureUnit": "C",
            **attributes,
        },
        "states": {
            "online": True,
            "thermostatMode": "heat",
            "thermostatTemperatureSetpoint": setpoint,
            "thermostatTemperatureAmbient": 19,
        },
    }


def assert_device_still_works(world: World, user: str, token: str, device_id: str) -> None:
    """The device is still in SYNC and answers QUERY with SUCCESS, in strict JSON."""
    sync = world.post(intent("SYNC"), token)
    assert device_id in [d["id"] for d in sync.body["payload"]["devices"]]
    query = world.post(intent("QUERY", {"devices": [{"id": device_id}]}), token)
    assert query.body["payload"]["devices"][device_id]["status"] == "SUCCESS"
    json.dumps(query.body, allow_nan=False)


NON_JSON_NUMBERS = ["1e400", "-1e400", "1E309", "9" * 309, str(2**63), str(-(2**63) - 1)]


@pytest.mark.parametrize("number", NON_JSON_NUMBERS)
def test_numbers_no_device_can_hold_are_refused_at_the_edge(
    world: World, user: str, number: str
) -> None:
    world.put_device(user, "hall", thermostat())
    token = world.token(user)
    body = json.dumps(
        execute_body(["hall"], ("ThermostatTemperatureSetpoint", {"SETPOINT": 0}))
    ).replace('{"SETPOINT": 0}', '{"thermostatTemperatureSetpoint": ' + number + "}")
    answer = world.post(None, token, raw=body.encode())
    assert (answer.status, answer.body["payload"]["errorCode"]) == (400, "protocolError")
    assert world.device(user, "hall")["states"]["thermostatTemperatureSetpoint"] == 20
    assert_device_still_works(world, user, token, "hall")


@pytest.mark.parametrize(
    ("command", "params"),
    [
        ("ThermostatTemperatureSetpoint", {"thermostatTemperatureSetpoint": 1.7e308}),
        ("ThermostatTemperatureSetpoint", {"thermostatTemperatureSetpoint": 2**60}),
        ("TemperatureRelative", {"thermostatTemperatureRelativeDegree": 1.7e308}),
        ("TemperatureRelative", {"thermostatTemperatureRelativeWeight": -1.7e308}),
    ],
)
def test_absurd_numbers_are_out_of_range_and_never_stored(
    world: World, user: str, command: str, params: dict[str, Any]
) -> None:
    world.put_device(user, "hall", thermostat())
    token = world.token(user)
    for _ in range(2):  # twice: 1.7e308 + 1.7e308 is infinity
        commands = world.post(execute_body(["hall"], (command, params)), token).body
        assert commands["payload"]["commands"] == [
            {"ids": ["hall"], "status": "ERROR", "errorCode": "valueOutOfRange"}
        ]
    assert world.device(user, "hall")["states"]["thermostatTemperatureSetpoint"] == 20
    assert_device_still_works(world, user, token, "hall")


def test_large_but_sane_numbers_still_work(world: World, user: str) -> None:
    world.put_device(user, "hall", thermostat())
    token = world.token(user)
    body = execute_body(
        ["hall"], ("TemperatureRelative", {"thermostatTemperatureRelativeDegree": 1e9})
    )
    commands = world.post(body, token).body["payload"]["commands"]
    assert commands[0]["status"] == "SUCCESS"
    assert world.device(user, "hall")["states"]["thermostatTemperatureSetpoint"] == 1e9 + 20
    assert_device_still_works(world, user, token, "hall")


# --- DISCONNECT and tenancy -------------------------------------------------------------------


def test_disconnect_revokes_every_token(world: World, user: str) -> None:
    world.put_device(user, "lamp", light())
    first, second = world.token(user), world.token(user)
    assert world.post(intent("SYNC"), first).status == 200
    answer = world.post(golden("disconnect_request.json"), first)
    assert (answer.status, answer.body) == (200, golden("disconnect_response.json"))
    assert answer.flask()[0] == "{}"
    for token in (first, second):
        assert world.post(intent("SYNC"), token).status == 401


def test_a_user_never_reaches_another_users_devices(world: World, user: str) -> None:
    victim = f"{user}-victim"
    world.put_device(victim, "lamp", light(on=False))
    token = world.token(user)
    query = intent("QUERY", {"devices": [{"id": "lamp"}]})
    assert world.post(query, token).body["payload"]["devices"]["lamp"]["errorCode"] == (
        "deviceNotFound"
    )
    execute = execute_body(["lamp"], ("OnOff", {"on": True}))
    assert world.post(execute, token).body["payload"]["commands"][0]["errorCode"] == (
        "deviceNotFound"
    )
    assert world.post(intent("SYNC"), token).body["payload"]["devices"] == []
    assert world.device(victim, "lamp")["states"]["on"] is False


def forged(token: str, other_user: str) -> str:
    """The secret of one user's token presented under another user's name."""
    import base64

    prefix = base64.urlsafe_b64encode(other_user.encode()).rstrip(b"=").decode()
    return f"{prefix}.{token.partition('.')[2]}"


# --- authentication and malformed input -------------------------------------------------------


def bad_tokens(world: World, user: str) -> dict[str, str | None]:
    past = datetime.now(UTC) - timedelta(hours=2)
    revoked = world.token(user)
    world.store.revoke_tokens(user)
    return {
        "missing": None,
        "empty": "",
        "unknown": "dXNlcg.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "garbage": "not a token",
        "expired": world.token(user, ttl=timedelta(hours=1), issued=past),
        "revoked": revoked,
        "forged for another user": forged(world.token(f"{user}-attacker"), user),
    }


@pytest.mark.parametrize("body_name", ["SYNC", "QUERY", "EXECUTE", "DISCONNECT"])
def test_bad_tokens_get_401_and_change_nothing(world: World, user: str, body_name: str) -> None:
    world.put_device(user, "lamp", light(on=False))
    bodies = {
        "SYNC": intent("SYNC"),
        "QUERY": intent("QUERY", {"devices": [{"id": "lamp"}]}),
        "EXECUTE": execute_body(["lamp"], ("OnOff", {"on": True})),
        "DISCONNECT": intent("DISCONNECT"),
    }
    for name, token in bad_tokens(world, user).items():
        answer = world.post(bodies[body_name], token)
        assert answer.status == 401, name
        assert answer.headers["WWW-Authenticate"].startswith("Bearer"), name
        assert "payload" not in answer.body, name
    assert world.device(user, "lamp")["states"]["on"] is False


MALFORMED = {
    "not json": b"{nope",
    "nan": b'{"requestId": NaN}',
    "array": b"[]",
    "no requestId": json.dumps({"inputs": [{"intent": "action.devices.SYNC"}]}).encode(),
    "numeric requestId": json.dumps({"requestId": 7, "inputs": []}).encode(),
    "no inputs": json.dumps({"requestId": "r"}).encode(),
    "empty inputs": json.dumps({"requestId": "r", "inputs": []}).encode(),
    "two inputs": json.dumps(
        {"requestId": "r", "inputs": [{"intent": "action.devices.SYNC"}] * 2}
    ).encode(),
    "intent not string": json.dumps({"requestId": "r", "inputs": [{"intent": 3}]}).encode(),
    "payload not object": json.dumps(
        {"requestId": "r", "inputs": [{"intent": "action.devices.QUERY", "payload": []}]}
    ).encode(),
    "query devices missing": json.dumps(intent("QUERY", {})).encode(),
    "query id not string": json.dumps(intent("QUERY", {"devices": [{"id": 5}]})).encode(),
    "execute no commands": json.dumps(intent("EXECUTE", {"commands": []})).encode(),
    "execute no command name": json.dumps(
        intent(
            "EXECUTE", {"commands": [{"devices": [{"id": "lamp"}], "execution": [{"params": {}}]}]}
        )
    ).encode(),
    "execute params not object": json.dumps(
        intent(
            "EXECUTE",
            {
                "commands": [
                    {
                        "devices": [{"id": "lamp"}],
                        "execution": [{"command": "action.devices.commands.OnOff", "params": True}],
                    }
                ]
            },
        )
    ).encode(),
    "execute no devices": json.dumps(
        intent(
            "EXECUTE",
            {
                "commands": [
                    {"devices": [], "execution": [{"command": "action.devices.commands.OnOff"}]}
                ]
            },
        )
    ).encode(),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_bodies_get_400_and_change_nothing(world: World, user: str, name: str) -> None:
    world.put_device(user, "lamp", light(on=False))
    answer = world.post(None, world.token(user), raw=MALFORMED[name])
    assert answer.status == 400
    assert answer.body["payload"]["errorCode"] == "protocolError"
    assert answer.body["payload"]["debugString"]
    assert world.device(user, "lamp")["states"]["on"] is False


def test_unknown_intent_is_a_protocol_error(world: World, user: str) -> None:
    answer = world.post(intent("TELEPORT"), world.token(user))
    assert (answer.status, answer.body) == (
        400,
        {
            "requestId": "req-1",
            "payload": {
                "errorCode": "protocolError",
                "debugString": "unknown intent action.devices.TELEPORT",
            },
        },
    )


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_only_post_is_allowed(world: World, user: str, method: str) -> None:
    answer = world.post(intent("SYNC"), world.token(user), method=method)
    assert (answer.status, answer.headers["Allow"]) == (405, "POST")


def test_logs_carry_context_but_never_the_user_id_or_token(
    world: World, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    world.put_device(user, "lamp", light())
    token = world.token(user)
    capsys.readouterr()
    world.post(intent("SYNC", request_id="req-log"), token)
    output = capsys.readouterr().out
    assert user not in output and token not in output
    lines = log_lines(output)
    assert lines and all(line["requestId"] == "req-log" for line in lines)
    assert {line["intent"] for line in lines} == {"action.devices.SYNC"}
    assert any(line.get("user", "").startswith("u_") for line in lines)
