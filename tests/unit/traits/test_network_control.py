import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from tests.unit.traits.helpers import execute, validate

# Golden examples from https://developers.home.google.com/cloud-to-cloud/traits/networkcontrol
# (attributes and states read on the ?hl=zh-cn copy; command params, the GetGuestNetworkPassword
# result, errors and the TestNetworkSpeed follow-up from Google's smart-home schema).
ROUTER = {
    "supportsEnablingGuestNetwork": True,
    "supportsDisablingGuestNetwork": True,
    "supportsEnablingNetworkProfile": True,
    "supportsDisablingNetworkProfile": True,
    "supportsNetworkDownloadSpeedTest": True,
    "supportsNetworkUploadSpeedTest": True,
    "supportsGettingGuestNetworkPassword": True,
    "networkProfiles": ["Kids"],
}
ACTIVE = {
    "networkEnabled": True,
    "networkSettings": {"ssid": "home-network-123"},
    "guestNetworkSettings": {"ssid": "home-network-123-guest"},
    "numConnectedDevices": 4,
    "networkUsageMB": 100.8,
}
SPEED_TEST = {"testDownloadSpeed": True, "testUploadSpeed": True, "followUpToken": "123"}


def _code(command: str, params: dict, states: dict | None = None, attributes: dict = ROUTER) -> str:
    with pytest.raises(SmartHomeError) as raised:
        execute(command, params, states or {}, attributes)
    return raised.value.code


def test_attributes() -> None:
    validate("NetworkControl", ROUTER)
    validate("NetworkControl", {})


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        (
            {"supportsEnablingGuestNetwork": "true"},
            "supportsEnablingGuestNetwork must be a boolean",
        ),
        ({"supportsNetworkUploadSpeedTest": 1}, "supportsNetworkUploadSpeedTest must be a boolean"),
        ({"networkProfiles": "Kids"}, "networkProfiles must be a list"),
        ({"networkProfiles": ["Kids", ""]}, "networkProfiles must be a list of non-empty strings"),
    ],
)
def test_invalid_attributes(attributes: dict, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("NetworkControl", attributes)


def test_query_states() -> None:
    trait = TRAITS["action.devices.traits.NetworkControl"]
    speed = {"downloadSpeedMbps": 35.1, "unixTimestampSec": 1700000000, "status": "SUCCESS"}
    states = {**ACTIVE, "lastNetworkDownloadSpeedTest": speed, "networkSpeedTestInProgress": False}
    assert trait.query_states(ROUTER, {**states, "on": True}) == states


@pytest.mark.parametrize("enable", [True, False])
def test_guest_network(enable: bool) -> None:
    assert execute("EnableDisableGuestNetwork", {"enable": enable}, ACTIVE, ROUTER) == {
        "guestNetworkEnabled": enable
    }


@pytest.mark.parametrize(
    ("params", "attributes", "code"),
    [
        (
            {"enable": True},
            {**ROUTER, "supportsEnablingGuestNetwork": False},
            "functionNotSupported",
        ),
        ({"enable": False}, {"supportsEnablingGuestNetwork": True}, "functionNotSupported"),
        ({}, ROUTER, "valueOutOfRange"),
        ({"enable": "on"}, ROUTER, "valueOutOfRange"),
    ],
)
def test_guest_network_errors(params: dict, attributes: dict, code: str) -> None:
    assert _code("EnableDisableGuestNetwork", params, ACTIVE, attributes) == code


@pytest.mark.parametrize("profile", ["Kids", "kids"])
def test_profile_changes_no_state(profile: str) -> None:
    assert (
        execute(
            "EnableDisableNetworkProfile", {"profile": profile, "enable": False}, ACTIVE, ROUTER
        )
        == {}
    )


@pytest.mark.parametrize(
    ("params", "attributes", "code"),
    [
        ({"profile": "Guests", "enable": False}, ROUTER, "networkProfileNotRecognized"),
        (
            {"profile": "kids", "enable": True},
            {"supportsEnablingNetworkProfile": True},
            "networkProfileNotRecognized",
        ),
        (
            {"profile": "kids", "enable": False},
            {**ROUTER, "supportsDisablingNetworkProfile": False},
            "functionNotSupported",
        ),
        (
            {"profile": "kids", "enable": True},
            {"networkProfiles": ["Kids"]},
            "functionNotSupported",
        ),
        ({"enable": True}, ROUTER, "valueOutOfRange"),
        ({"profile": "kids"}, ROUTER, "valueOutOfRange"),
    ],
)
def test_profile_errors(params: dict, attributes: dict, code: str) -> None:
    assert _code("EnableDisableNetworkProfile", params, ACTIVE, attributes) == code


def test_guest_password_is_a_result_not_a_state() -> None:
    assert execute("GetGuestNetworkPassword", {}, ACTIVE, ROUTER) == {}
    assert _code("GetGuestNetworkPassword", {}, ACTIVE, {}) == "functionNotSupported"


@pytest.mark.parametrize(
    "params",
    [
        SPEED_TEST,
        {"testDownloadSpeed": True, "testUploadSpeed": False},
        {"testDownloadSpeed": False, "testUploadSpeed": True},
    ],
)
def test_speed_test_changes_no_state(params: dict) -> None:
    assert execute("TestNetworkSpeed", params, {"networkSpeedTestInProgress": False}, ROUTER) == {}


@pytest.mark.parametrize(
    ("params", "states", "attributes", "code"),
    [
        (SPEED_TEST, {"networkSpeedTestInProgress": True}, ROUTER, "networkSpeedTestInProgress"),
        (
            SPEED_TEST,
            {},
            {**ROUTER, "supportsNetworkUploadSpeedTest": False},
            "functionNotSupported",
        ),
        (
            {**SPEED_TEST, "testUploadSpeed": False},
            {},
            {"supportsNetworkUploadSpeedTest": True},
            "functionNotSupported",
        ),
        ({"testDownloadSpeed": False, "testUploadSpeed": False}, {}, ROUTER, "valueOutOfRange"),
        ({"testDownloadSpeed": True}, {}, ROUTER, "valueOutOfRange"),
        ({**SPEED_TEST, "followUpToken": 123}, {}, ROUTER, "valueOutOfRange"),
    ],
)
def test_speed_test_errors(params: dict, states: dict, attributes: dict, code: str) -> None:
    assert _code("TestNetworkSpeed", params, states, attributes) == code
