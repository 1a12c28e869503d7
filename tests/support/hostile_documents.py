"""Rule-valid hostile device documents: what a device backend's credential may write (only the
contract's fields, ``states`` a map; firestore.rules), with any JSON value anywhere else.

A document starts from a valid one (the demo home, or a made-up device of one or more traits) and
has one or a few of its values replaced by arbitrary JSON, or extra attribute and state keys that
some trait reads, set to arbitrary JSON: the ill-typed field that must make one device invalid,
never the request that names it.
"""

import ast
import copy
import inspect
from datetime import UTC
from functools import cache
from typing import Any

from hypothesis import strategies as st

from devstack.demo_home import DEMO_DEVICES
from functions.devices.contract import CONTRACT_FIELDS, STATES
from functions.devices.device_types import DEVICE_TYPES
from functions.devices.traits import CATALOGUE, TRAITS, module_name
from functions.devices.traits.base import TRAIT_PREFIX

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["", "0x", "on", "heatcool", "SUCCESS", "hls", "deviceOffline", "C"]),
)


def _nested(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=12,
    )


JSON_VALUES = _nested(JSON_SCALARS)
"""What a request from Google may hold."""
FIRESTORE_VALUES = _nested(
    st.one_of(
        JSON_SCALARS,
        st.floats(),
        st.datetimes(timezones=st.just(UTC)),
        st.binary(max_size=4),
    )
)
"""What a Firestore document may hold besides JSON: NaN and infinities, timestamps, bytes."""


@cache
def trait_keys(short: str) -> tuple[str, ...]:
    """Every string a trait's module names: its attributes, states, params and values."""
    module = importlib_module(short)
    names = {
        node.value
        for node in ast.walk(ast.parse(inspect.getsource(module)))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.isidentifier()
    }
    return tuple(sorted(names | set(TRAITS[TRAIT_PREFIX + short].states)))


def importlib_module(short: str) -> Any:
    import importlib

    return importlib.import_module(f"functions.devices.traits.{module_name(short)}")


NAMES = [{"name_synonym": ["One"], "lang": "en"}]
REQUIRED_ATTRIBUTES: dict[str, dict[str, Any]] = {
    "AppSelector": {"availableApplications": [{"key": "a", "names": NAMES}]},
    "CameraStream": {"cameraStreamSupportedProtocols": ["hls"], "cameraStreamNeedAuthToken": False},
    "Channel": {"availableChannels": [{"key": "a", "names": ["A"], "number": "1"}]},
    "ColorSetting": {
        "colorModel": "rgb",
        "colorTemperatureRange": {"temperatureMinK": 2000, "temperatureMaxK": 9000},
    },
    "Cook": {"supportedCookingModes": ["COOK", "BOIL"]},
    "Dispense": {
        "supportedDispenseItems": [
            {
                "item_name": "water",
                "item_name_synonyms": [{"synonyms": ["Water"], "lang": "en"}],
                "supported_units": ["CUPS"],
                "default_portion": {"amount": 2, "unit": "CUPS"},
            }
        ]
    },
    "EnergyStorage": {"queryOnlyEnergyStorage": False, "isRechargeable": True},
    "FanSpeed": {"supportsFanSpeedPercent": True, "reversible": True},
    "InputSelector": {"availableInputs": [{"key": "hdmi_1", "names": NAMES}]},
    "LightEffects": {"supportedEffects": ["colorLoop", "sleep", "wake"]},
    "Modes": {
        "availableModes": [
            {
                "name": "load",
                "name_values": [{"name_synonym": ["load"], "lang": "en"}],
                "settings": [
                    {
                        "setting_name": name,
                        "setting_values": [{"setting_synonym": [name], "lang": "en"}],
                    }
                    for name in ("small", "large")
                ],
            }
        ]
    },
    "Rotation": {
        "supportsDegrees": True,
        "supportsPercent": True,
        "rotationDegreesRange": {"rotationDegreesMin": 0, "rotationDegreesMax": 180},
    },
    "SensorState": {
        "sensorStatesSupported": [
            {
                "name": "AirQuality",
                "descriptiveCapabilities": {"availableStates": ["healthy", "unhealthy"]},
            }
        ]
    },
    "TemperatureControl": {
        "temperatureRange": {"minThresholdCelsius": 30, "maxThresholdCelsius": 250},
        "temperatureUnitForUX": "C",
    },
    "TemperatureSetting": {
        "availableThermostatModes": ["off", "heat", "heatcool", "on"],
        "thermostatTemperatureUnit": "C",
    },
    "Timer": {"maxTimerLimitSec": 7200},
    "Toggles": {
        "availableToggles": [
            {"name": "quiet", "name_values": [{"name_synonym": ["quiet"], "lang": "en"}]}
        ]
    },
    "TransportControl": {"transportControlSupportedCommands": ["NEXT", "PAUSE", "RESUME"]},
    "Volume": {"volumeMaxLevel": 100, "volumeCanMuteAndUnmute": True},
}
"""Attributes that make each trait that requires some valid (from its unit tests)."""


def one_trait_device(short: str) -> dict[str, Any]:
    """A valid device of one trait, online, with no states besides ``online``."""
    return {
        "type": "action.devices.types.SWITCH",
        "traits": [TRAIT_PREFIX + short],
        "name": {"name": short},
        "willReportState": True,
        "attributes": copy.deepcopy(REQUIRED_ATTRIBUTES.get(short, {})),
        STATES: {"online": True},
    }


BASES = [copy.deepcopy(document) for document in DEMO_DEVICES.values()] + [
    one_trait_device(short) for short in sorted(CATALOGUE)
]


@st.composite
def made_up(draw: st.DrawFn) -> dict[str, Any]:
    """A device of one to three traits, its attributes and states drawn from the names those
    traits read, with arbitrary values."""
    shorts = draw(st.lists(st.sampled_from(sorted(CATALOGUE)), min_size=1, max_size=3, unique=True))
    keys = sorted({key for short in shorts for key in trait_keys(short)})
    return {
        "type": draw(st.sampled_from(sorted(DEVICE_TYPES))),
        "traits": [TRAIT_PREFIX + short for short in shorts],
        "name": {"name": "Hostile"},
        "willReportState": True,
        "attributes": draw(st.dictionaries(st.sampled_from(keys), FIRESTORE_VALUES, max_size=6)),
        STATES: {
            "online": True,
            **draw(st.dictionaries(st.sampled_from(keys), FIRESTORE_VALUES, max_size=6)),
        },
    }


def declared(document: dict[str, Any]) -> list[str]:
    """The short names of the known traits a document lists, however broken its list is."""
    traits = document.get("traits")
    listed = traits if isinstance(traits, list) else []
    names = [t.removeprefix(TRAIT_PREFIX) for t in listed if isinstance(t, str)]
    return [name for name in names if name in CATALOGUE]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (map keys and list indexes)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """``base`` with one to three values replaced by arbitrary JSON, or new keys added to its
    attributes or states; ``states`` stays a map (the rules ask for one)."""
    document = copy.deepcopy(draw(base))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [path for path in _paths(document) if path != (STATES,)]
        if draw(st.booleans()) and paths:
            path = draw(st.sampled_from(paths))
            target = document
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = draw(FIRESTORE_VALUES)
        else:
            field = draw(st.sampled_from(sorted(CONTRACT_FIELDS)))
            if field in ("attributes", STATES) and isinstance(document.get(field), dict):
                keys = [k for s in declared(document) for k in trait_keys(s)] or ["x"]
                document[field][draw(st.sampled_from(keys))] = draw(FIRESTORE_VALUES)
            elif field != STATES:
                document[field] = draw(FIRESTORE_VALUES)
    return document


ANY_DEVICE_STATES = ("online", "currentStatusReport", "previousThermostatMode")
"""States the product reads on any device, whatever its traits."""

PLAUSIBLE = st.one_of(
    st.integers(min_value=-5, max_value=120),
    st.floats(min_value=-50, max_value=300, allow_nan=False),
    st.booleans(),
    st.sampled_from(
        ["on", "off", "heat", "heatcool", "low", "hls", "a", "hdmi_1", "quiet", "CUPS"]
    ),
    st.lists(st.sampled_from(["hls", "dash", "webrtc", "a"]), max_size=3),
    st.just({"temperature": 2700}),
    st.just({"spectrumRGB": 255}),
    st.just({"load": "small"}),
    st.just({"quiet": True}),
)
"""Param values of the kinds Google sends."""


@st.composite
def hostile_states(draw: st.DrawFn) -> dict[str, Any]:
    """A valid device whose ``states`` (which nothing checks when written) hold arbitrary
    values under the names its traits, or any trait, or the product read."""
    document = copy.deepcopy(draw(st.sampled_from(BASES)))
    own = {key for short in declared(document) for key in trait_keys(short)}
    other = trait_keys(draw(st.sampled_from(sorted(CATALOGUE))))
    keys = sorted(own | set(other) | set(ANY_DEVICE_STATES))
    extra = draw(st.dictionaries(st.sampled_from(keys), FIRESTORE_VALUES, min_size=1, max_size=4))
    if draw(st.booleans()):
        extra[draw(st.sampled_from(ANY_DEVICE_STATES[1:]))] = draw(FIRESTORE_VALUES)
    document[STATES] = {**document[STATES], **extra}
    return document


HOSTILE_DOCUMENTS = st.one_of(
    mutated(st.sampled_from(BASES)), hostile_states(), hostile_states(), mutated(made_up())
)
"""Rule-valid device documents, most of them broken in one field."""


def rule_valid(document: dict[str, Any]) -> bool:
    """What firestore.rules lets a bridge credential write: the contract's fields, states a map."""
    return set(document) <= CONTRACT_FIELDS and isinstance(document.get(STATES, {}), dict)
