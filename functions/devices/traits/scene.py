"""Scene: https://developers.home.google.com/cloud-to-cloud/traits/scene

Stateless: ActivateScene changes no state; only a sceneReversible scene can be deactivated.

A scene has no states (the page), so the patch is always empty and the activation reaches the
device backend through the command record. The schema marks ``deactivate`` required; a missing
one reads as false so an activation never fails. Deactivating a scene without
``sceneReversible: true`` answers ``functionNotSupported``.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import COMMAND_PREFIX, TRAIT_PREFIX, Patch, States, Trait
from functions.devices.traits.fields import Fields


def validate(attributes: Fields) -> None:
    attributes.boolean("sceneReversible")


def activate_scene(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Activate, or deactivate a reversible scene; a scene has no states: the patch is empty."""
    # The page marks deactivate required; a missing one reads as false so activation never fails.
    deactivate = params.boolean("deactivate", default=False)
    if deactivate and attributes.get("sceneReversible") is not True:
        raise SmartHomeError("functionNotSupported", "the scene is not reversible")
    return {}


TRAIT = Trait(
    name=TRAIT_PREFIX + "Scene",
    states=(),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + "ActivateScene": activate_scene},
)
