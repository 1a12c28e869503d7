"""RunCycle: https://developers.home.google.com/cloud-to-cloud/traits/runcycle

Read-only: no attributes, no commands. The device backend writes ``currentRunCycle`` (a list of
``{currentCycle, nextCycle?, lang}``, one per language), ``currentTotalRemainingTime`` and
``currentCycleRemainingTime`` (seconds); QUERY answers what the document holds. A device without
cycles may report only the remaining times. The "cycle finished" notification is sent by the
Home Graph side, not by this trait.
"""

from functions.devices.traits.base import TRAIT_PREFIX, Trait, no_attributes

TRAIT = Trait(
    name=TRAIT_PREFIX + "RunCycle",
    states=("currentRunCycle", "currentTotalRemainingTime", "currentCycleRemainingTime"),
    validate_attributes=no_attributes,
)
