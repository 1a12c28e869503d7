"""The trait registry: one module per Google trait, imported when a device first needs it.

``CATALOGUE`` names every trait and its commands, so that a cold start imports only the traits
its devices use (the fulfillment's ``import main`` loads none); the module of trait ``FanSpeed``
is ``fan_speed.py`` and defines ``TRAIT``. tests/unit/test_catalogue.py keeps the catalogue
equal to the modules: a new trait module is added here too.
"""

import importlib
import re
from collections.abc import Iterator, Mapping

from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Trait

CATALOGUE: dict[str, tuple[str, ...]] = {
    "AppSelector": ("appInstall", "appSearch", "appSelect"),
    "ArmDisarm": ("ArmDisarm",),
    "Brightness": ("BrightnessAbsolute", "BrightnessRelative"),
    "CameraStream": ("GetCameraStream",),
    "Channel": ("selectChannel", "relativeChannel", "returnChannel"),
    "ColorSetting": ("ColorAbsolute",),
    "Cook": ("Cook",),
    "Dispense": ("Dispense",),
    "Dock": ("Dock",),
    "EnergyStorage": ("Charge",),
    "FanSpeed": ("SetFanSpeed", "SetFanSpeedRelative", "Reverse"),
    "Fill": ("Fill",),
    "HumiditySetting": ("SetHumidity", "HumidityRelative"),
    "InputSelector": ("SetInput", "NextInput", "PreviousInput"),
    "LightEffects": ("ColorLoop", "Sleep", "Wake", "StopEffect"),
    "Locator": ("Locate",),
    "LockUnlock": ("LockUnlock",),
    "MediaState": (),
    "Modes": ("SetModes",),
    "NetworkControl": (
        "EnableDisableGuestNetwork",
        "EnableDisableNetworkProfile",
        "GetGuestNetworkPassword",
        "TestNetworkSpeed",
    ),
    "ObjectDetection": (),
    "OccupancySensing": (),
    "OnOff": ("OnOff",),
    "OpenClose": ("OpenClose", "OpenCloseRelative"),
    "Reboot": ("Reboot",),
    "Rotation": ("RotateAbsolute",),
    "RunCycle": (),
    "Scene": ("ActivateScene",),
    "SensorState": (),
    "SoftwareUpdate": ("SoftwareUpdate",),
    "StartStop": ("StartStop", "PauseUnpause"),
    "StatusReport": (),
    "TemperatureControl": ("SetTemperature",),
    "TemperatureSetting": (
        "ThermostatTemperatureSetpoint",
        "ThermostatTemperatureSetRange",
        "ThermostatSetMode",
        "TemperatureRelative",
    ),
    "Timer": ("TimerStart", "TimerAdjust", "TimerPause", "TimerResume", "TimerCancel"),
    "Toggles": ("SetToggles",),
    "TransportControl": (
        "mediaStop",
        "mediaNext",
        "mediaPrevious",
        "mediaPause",
        "mediaResume",
        "mediaSeekRelative",
        "mediaSeekToPosition",
        "mediaRepeatMode",
        "mediaShuffle",
        "mediaClosedCaptioningOn",
        "mediaClosedCaptioningOff",
    ),
    "Volume": ("mute", "setVolume", "volumeRelative"),
}
"""Trait short name -> its command short names."""


def module_name(short: str) -> str:
    """The module that defines a trait: ``FanSpeed`` -> ``fan_speed``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", short).lower()


def _load(short: str) -> Trait:
    trait = importlib.import_module(f"{__name__}.{module_name(short)}").TRAIT
    assert isinstance(trait, Trait) and trait.name == TRAIT_PREFIX + short
    return trait


class _Traits(Mapping[str, Trait]):
    """Wire trait name (``action.devices.traits.OnOff``) -> Trait, imported on first use."""

    def __init__(self, keys: Mapping[str, str]) -> None:
        self._keys = keys  # wire name -> trait short name
        self._loaded: dict[str, Trait] = {}

    def __getitem__(self, name: str) -> Trait:
        short = self._keys[name]
        if short not in self._loaded:
            self._loaded[short] = _load(short)
        return self._loaded[short]

    def __contains__(self, name: object) -> bool:
        return name in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


TRAITS: Mapping[str, Trait] = _Traits({TRAIT_PREFIX + short: short for short in CATALOGUE})
"""Wire trait name (``action.devices.traits.OnOff``) -> Trait."""

COMMANDS: Mapping[str, Trait] = _Traits(
    {
        COMMAND_PREFIX + command: short
        for short, commands in CATALOGUE.items()
        for command in commands
    }
)
"""Wire command name (``action.devices.commands.OnOff``) -> the Trait that owns it."""
