"""StatusReport: https://developers.home.google.com/cloud-to-cloud/traits/statusreport

No attributes, no commands. ``currentStatusReport`` lists the current errors and exceptions of
the device and of related devices: ``{blocking, deviceTarget, priority, statusCode}`` with
``statusCode`` taken from Google's errors-and-exceptions list.

Where Google is silent: the state is required, so a document that holds none answers an empty
list (nothing to report) instead of leaving the state out; the trait does not filter or sort the
entries (Google orders them by ``priority`` itself).
"""

from collections.abc import Mapping
from typing import Any

from functions.devices.traits.base import TRAIT_PREFIX, States, Trait, no_attributes


class StatusReportTrait(Trait):
    """StatusReport always answers ``currentStatusReport``, empty when nothing is stored."""

    def query_states(self, attributes: Mapping[str, Any], states: States) -> dict[str, Any]:
        return {"currentStatusReport": [], **super().query_states(attributes, states)}


TRAIT = StatusReportTrait(
    name=TRAIT_PREFIX + "StatusReport",
    states=("currentStatusReport",),
    validate_attributes=no_attributes,
)
