"""NetworkControl: https://developers.home.google.com/cloud-to-cloud/traits/networkcontrol

Routers and other network devices: guest network, network profiles, speed tests, usage.
Each command needs its ``supports*`` attribute, else ``functionNotSupported``.

- ``EnableDisableGuestNetwork {enable}`` sets ``guestNetworkEnabled``.
- ``EnableDisableNetworkProfile {profile, enable}`` changes no documented state (empty patch);
  a profile not in ``networkProfiles`` answers ``networkProfileNotRecognized``.
- ``GetGuestNetworkPassword {}`` changes no state; its result ``guestNetworkPassword`` is not a
  state: only the device backend knows it, so the command is always awaited and the answer
  carries the password the backend recorded in its outcome's ``states`` (a non-empty string).
- ``TestNetworkSpeed {testDownloadSpeed, testUploadSpeed, followUpToken}`` changes no state
  here: Google expects PENDING, then a follow-up with the measured speeds; the device backend
  runs the test and reports ``networkSpeedTestInProgress`` and ``lastNetwork*SpeedTest``.
  A test already in progress answers ``networkSpeedTestInProgress``.

Where Google is silent: profile names match case-insensitively (the page's attribute example
says "Kids"); ``followUpToken`` is optional because follow-ups only exist for requests from
speakers and displays; a speed test that tests nothing is refused (``valueOutOfRange``).
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import (
    COMMAND_PREFIX,
    TRAIT_PREFIX,
    Patch,
    States,
    Trait,
    result_strings,
)
from functions.devices.traits.fields import Fields

FLAGS = (
    "supportsEnablingGuestNetwork",
    "supportsDisablingGuestNetwork",
    "supportsGettingGuestNetworkPassword",
    "supportsEnablingNetworkProfile",
    "supportsDisablingNetworkProfile",
    "supportsNetworkDownloadSpeedTest",
    "supportsNetworkUploadSpeedTest",
)


def validate(attributes: Fields) -> None:
    for flag in FLAGS:
        attributes.boolean(flag)
    attributes.strings("networkProfiles")


def _require(attributes: Mapping[str, Any], flag: str) -> None:
    if attributes.get(flag) is not True:
        raise SmartHomeError("functionNotSupported", f"the device does not declare {flag}")


def enable_disable_guest_network(
    attributes: Mapping[str, Any], _states: States, params: Fields
) -> Patch:
    """Turn the guest network on or off."""
    enable = params.boolean("enable", required=True)
    _require(
        attributes, "supportsEnablingGuestNetwork" if enable else "supportsDisablingGuestNetwork"
    )
    return {"guestNetworkEnabled": enable}


def enable_disable_network_profile(
    attributes: Mapping[str, Any], _states: States, params: Fields
) -> Patch:
    """Turn a network profile on or off; no documented state records it."""
    profile = params.string("profile", required=True)
    enable = params.boolean("enable", required=True)
    _require(
        attributes,
        "supportsEnablingNetworkProfile" if enable else "supportsDisablingNetworkProfile",
    )
    known = {name.casefold() for name in attributes.get("networkProfiles") or []}
    if profile.casefold() not in known:
        raise SmartHomeError("networkProfileNotRecognized", f"unknown profile {profile!r}")
    return {}


def get_guest_network_password(
    attributes: Mapping[str, Any], _states: States, _params: Fields
) -> Patch:
    """Ask for the guest password; a result, not a state, so the patch is empty."""
    _require(attributes, "supportsGettingGuestNetworkPassword")
    return {}


def password_results(
    _attributes: Mapping[str, Any], _params: Mapping[str, Any], reported: Mapping[str, Any]
) -> dict[str, Any]:
    """The guest password the backend read, as Google's results schema has it."""
    return result_strings(reported, ("guestNetworkPassword",), ("guestNetworkPassword",))


def test_network_speed(attributes: Mapping[str, Any], states: States, params: Fields) -> Patch:
    """Start a speed test; its results arrive later as states and a follow-up response."""
    download = params.boolean("testDownloadSpeed", required=True)
    upload = params.boolean("testUploadSpeed", required=True)
    params.string("followUpToken")
    if not (download or upload):
        params.error("testDownloadSpeed or testUploadSpeed must be true")
    if download:
        _require(attributes, "supportsNetworkDownloadSpeedTest")
    if upload:
        _require(attributes, "supportsNetworkUploadSpeedTest")
    if states.get("networkSpeedTestInProgress") is True:
        raise SmartHomeError("networkSpeedTestInProgress", "a speed test is already running")
    return {}


TRAIT = Trait(
    name=TRAIT_PREFIX + "NetworkControl",
    states=(
        "networkEnabled",
        "networkSettings",
        "guestNetworkEnabled",
        "guestNetworkSettings",
        "numConnectedDevices",
        "networkUsageMB",
        "networkUsageLimitMB",
        "networkUsageUnlimited",
        "lastNetworkDownloadSpeedTest",
        "lastNetworkUploadSpeedTest",
        "networkSpeedTestInProgress",
    ),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "EnableDisableGuestNetwork": enable_disable_guest_network,
        COMMAND_PREFIX + "EnableDisableNetworkProfile": enable_disable_network_profile,
        COMMAND_PREFIX + "GetGuestNetworkPassword": get_guest_network_password,
        COMMAND_PREFIX + "TestNetworkSpeed": test_network_speed,
    },
    results={COMMAND_PREFIX + "GetGuestNetworkPassword": password_results},
)
