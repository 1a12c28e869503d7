"""AppSelector: https://developers.home.google.com/cloud-to-cloud/traits/appselector

Where Google is silent:

- ``newApplication`` (a key) wins over ``newApplicationName``. A key matches exactly, else
  ignoring case (Google's own examples spell ``youtube`` in SYNC and ``YouTube`` in commands);
  a name matches any declared ``name_synonym`` ignoring case. Google marks neither param
  required, so a command needs at least one of them.
- appSelect brings a declared app to the foreground (``currentApplication`` becomes its key);
  an app the device does not declare answers ``noAvailableApp``.
- appInstall and appSearch change no state: installing targets apps the device does not list
  yet, and search results only show on the device. The command itself reaches the device
  backend, which reports the new ``availableApplications`` through a SYNC update.
- Google's page names no language fallback for this trait, so no ``en`` entry is required.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields
from functions.devices.traits.modes import distinct, each


def validate(attributes: Fields) -> None:
    apps = each(attributes, "availableApplications")
    distinct(attributes, "availableApplications", [a.string("key", required=True) for a in apps])
    for app in apps:
        for names in each(app, "names"):
            names.strings("name_synonym", required=True, min_items=1)
            names.string("lang", required=True)


def _wanted(params: Fields) -> tuple[str | None, str | None]:
    """The requested (key, name); at least one is required."""
    key = params.string("newApplication")
    name = params.string("newApplicationName")
    if key is None and name is None:
        params.error("newApplication or newApplicationName is required")
    return key, name


def resolve(attributes: Mapping[str, Any], params: Fields) -> str | None:
    """The declared key the command names (by key, else by any synonym), or None."""
    key, name = _wanted(params)
    apps = attributes.get("availableApplications") or []
    keys = [str(app["key"]) for app in apps]
    if key in keys:
        return key
    folded = {k.casefold(): k for k in keys}
    if key is not None and key.casefold() in folded:
        return folded[key.casefold()]
    if name is None:
        return None
    wanted = name.casefold()
    for app in apps:
        for names in app["names"]:
            if any(synonym.casefold() == wanted for synonym in names["name_synonym"]):
                return str(app["key"])
    return None


def app_select(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Bring a declared app to the foreground."""
    key = resolve(attributes, params)
    if key is None:
        raise SmartHomeError("noAvailableApp", "the device declares no such application")
    return {"currentApplication": key}


def app_install(_attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Start installing an app; no state changes."""
    _wanted(params)
    return {}


def app_search(_attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Show search results for an app on the device; no state changes."""
    _wanted(params)
    return {}


TRAIT = Trait(
    name=TRAIT_PREFIX + "AppSelector",
    states=("currentApplication",),
    validate_attributes=validate,
    commands={
        COMMAND_PREFIX + "appInstall": app_install,
        COMMAND_PREFIX + "appSearch": app_search,
        COMMAND_PREFIX + "appSelect": app_select,
    },
)
