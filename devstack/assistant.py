"""What the Assistant would say, roughly, for the local Google Home page: after an EXECUTE, for a
follow-up response and for a notification; pure. Google words it (and in the user's language);
these sentences follow the meaning Google gives each error code
(https://developers.home.google.com/cloud-to-cloud/intents/errors-exceptions)."""

from collections.abc import Mapping, Sequence
from typing import Any

COMMAND = "action.devices.commands."
CHALLENGE_ASKS = {
    "pinNeeded": "What's the PIN for {name}?",
    "challengeFailedPinNeeded": "Sorry, that PIN is incorrect. What's the PIN for {name}?",
    "ackNeeded": "{doing} Are you sure?",
}
ERRORS = {
    "deviceOffline": "Sorry, it looks like {name} is unavailable right now.",
    "offline": "Sorry, it looks like {name} is unavailable right now.",
    "deviceNotFound": "Sorry, I couldn't find {name}. Try setting it up again in the app.",
    "functionNotSupported": "Sorry, {name} can't do that.",
    "notSupported": "Sorry, that mode isn't available for {name}.",
    "valueOutOfRange": "Sorry, {name} can't be set to that value.",
    "rangeTooClose": "Sorry, those temperatures are too close together for {name}.",
    "deviceJammingDetected": "Sorry, {name} seems to be jammed.",
    "alreadyLocked": "{name} is already locked.",
    "alreadyUnlocked": "{name} is already unlocked.",
    "alreadyOpen": "{name} is already open.",
    "alreadyClosed": "{name} is already closed.",
    "alreadyArmed": "{name} is already armed.",
    "alreadyDisarmed": "{name} is already disarmed.",
    "alreadyOn": "{name} is already on.",
    "alreadyOff": "{name} is already off.",
    "maxSpeedReached": "{name} is already at its highest speed.",
    "minSpeedReached": "{name} is already at its lowest speed.",
    "discreteOnlyOpenClose": "Sorry, {name} can only be fully open or closed.",
    "unpausableState": "Sorry, {name} can't be paused right now.",
    "inSoftwareUpdate": "Sorry, {name} is updating right now. Try again in a moment.",
    "lowBattery": "Sorry, {name} has a low battery.",
    "tooManyFailedAttempts": "Sorry, too many failed attempts. Try again later, or use the app.",
    "pinIncorrect": "Sorry, that PIN is incorrect.",
    "userCancelled": "OK, I won't change {name}.",
    "transientError": "Sorry, something went wrong. Please try again.",
    "hardError": "Sorry, something went wrong with {name}.",
}
EXCEPTIONS = {
    "lowBattery": "{name} has a low battery.",
    "deviceOpen": "{name} is open.",
    "inSoftwareUpdate": "{name} is updating.",
}


def names_of(ids: Sequence[str], names: Mapping[str, str]) -> str:
    """``Kitchen light``, ``Kitchen light and Desk outlet``, ``A, B and C``."""
    said = [names.get(i) or i for i in ids]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]


def error(code: str, name: str) -> str:
    return ERRORS.get(code, "Sorry, {name} couldn't do that (" + code + ").").format(name=name)


def doing(executions: Sequence[Mapping[str, Any]], name: str) -> str:
    """What the command does, as the Assistant says it while doing it: ``Turning X on.``"""
    if not executions:
        return f"OK, {name}."
    execution = executions[0]
    command = str(execution.get("command", "")).removeprefix(COMMAND)
    params = execution.get("params") or {}
    phrase = _doing(command, params, name)
    return phrase[0].upper() + phrase[1:] + "."


def _doing(command: str, p: Mapping[str, Any], name: str) -> str:  # noqa: PLR0911, PLR0912
    if command == "OnOff":
        return f"turning {name} {'on' if p.get('on') else 'off'}"
    if command == "BrightnessAbsolute":
        return f"setting {name} to {p.get('brightness')}%"
    if command == "ColorAbsolute":
        color = p.get("color") or {}
        if "temperature" in color:
            return f"setting {name} to {color['temperature']} K"
        return f"changing the colour of {name}"
    if command == "OpenClose":
        percent = p.get("openPercent")
        if percent in (0, 100):
            return f"{'opening' if percent else 'closing'} {name}"
        return f"opening {name} to {percent}%"
    if command == "LockUnlock":
        return f"{'locking' if p.get('lock') else 'unlocking'} {name}"
    if command == "ArmDisarm":
        return f"{'arming' if p.get('arm') else 'disarming'} {name}"
    if command == "ThermostatTemperatureSetpoint":
        return f"setting {name} to {p.get('thermostatTemperatureSetpoint')} degrees"
    if command == "ThermostatTemperatureSetRange":
        low, high = (
            p.get("thermostatTemperatureSetpointLow"),
            p.get("thermostatTemperatureSetpointHigh"),
        )
        return f"setting {name} between {low} and {high} degrees"
    if command == "ThermostatSetMode":
        return f"setting {name} to {p.get('thermostatMode')}"
    if command == "SetFanSpeed":
        return f"setting {name} to {p.get('fanSpeed') or p.get('fanSpeedPercent')}"
    if command == "setVolume":
        return f"setting {name} volume to {p.get('volumeLevel')}"
    if command == "mute":
        return f"{'muting' if p.get('mute') else 'unmuting'} {name}"
    if command == "StartStop":
        return f"{'starting' if p.get('start') else 'stopping'} {name}"
    if command == "PauseUnpause":
        return f"{'pausing' if p.get('pause') else 'resuming'} {name}"
    if command == "ActivateScene":
        return f"{'deactivating' if p.get('deactivate') else 'activating'} {name}"
    return f"OK, {name}: {command}"


def done(states: Mapping[str, Any], executions: Sequence[Mapping[str, Any]], name: str) -> str:
    """A confirmed outcome, as the Assistant says it: ``Front door is unlocked.``"""
    if "isLocked" in states:
        return f"{name} is {'locked' if states['isLocked'] else 'unlocked'}."
    if "openPercent" in states:
        return f"{name} is {_openness(states['openPercent'])}."
    return doing(executions, name)


def _openness(percent: Any) -> str:
    if percent == 0:
        return "closed"
    return "open" if percent == 100 else f"{percent}% open"


def execute(
    request: Mapping[str, Any], answer: Any, names: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Per entry of an EXECUTE answer: its ids, status, errorCode, challenge type and what the
    Assistant says; one entry for an answer that failed as a whole."""
    executions = _executions(request)
    payload = answer.get("payload") if isinstance(answer, Mapping) else None
    if not isinstance(payload, Mapping):
        return [{"ids": [], "status": "ERROR", "said": error("transientError", "")}]
    if payload.get("errorCode"):
        code = str(payload["errorCode"])
        return [{"ids": [], "status": "ERROR", "errorCode": code, "said": error(code, "")}]
    said = []
    for entry in payload.get("commands") or []:
        ids = [str(i) for i in entry.get("ids") or []]
        name = names_of(ids, names)
        status = entry.get("status")
        code = entry.get("errorCode")
        challenge = (entry.get("challengeNeeded") or {}).get("type")
        ran = executions.get(ids[0], []) if ids else []
        if challenge:
            ask = CHALLENGE_ASKS.get(challenge, "{name} needs your confirmation.")
            text = ask.format(name=name, doing=doing(ran, name))
        elif status == "SUCCESS":
            text = done(entry.get("states") or {}, ran, name)
        elif status == "PENDING":
            text = doing(ran, name)
        elif status == "EXCEPTIONS":
            text = EXCEPTIONS.get(str(code), "{name} reports " + str(code) + ".").format(name=name)
        else:
            text = error(str(code), name)
        if len(ids) > 1:
            text = text.replace(f"{name} is ", f"{name} are ")
        said.append(
            {"ids": ids, "status": status, "errorCode": code, "challenge": challenge, "said": text}
        )
    return said


def _executions(request: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    """Device id -> the executions the request sent it."""
    found: dict[str, list[Mapping[str, Any]]] = {}
    for intent in request.get("inputs") or []:
        for command in (intent.get("payload") or {}).get("commands") or []:
            for device in command.get("devices") or []:
                found.setdefault(str(device.get("id")), []).extend(command.get("execution") or [])
    return found


def follow_up(trait: str, response: Mapping[str, Any], name: str) -> str:
    """A follow-up response, as the Assistant announces it."""
    if response.get("status") != "SUCCESS":
        return error(str(response.get("errorCode")), name)
    return done(response, [], name) if trait in ("LockUnlock", "OpenClose") else f"{name} is done."


def notification(trait: str, payload: Mapping[str, Any], name: str) -> str:
    """A proactive notification, as the Assistant announces it."""
    if trait == "ObjectDetection":
        objects = payload.get("objects") or {}
        named = [str(n) for n in objects.get("named") or []]
        if named:
            who = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
            return f"{name}: {who} {'is' if len(named) == 1 else 'are'} at the door."
        return f"{name}: {_unnamed(objects)} at the door."
    if trait == "RunCycle":
        if payload.get("status") == "FAILURE":
            return error(str(payload.get("errorCode")), name)
        return f"{name} has finished."
    if trait == "SensorState":
        return f"{name}: {payload.get('name')} is {payload.get('currentSensorState')}."
    return f"{name}: {trait}."


def _unnamed(objects: Mapping[str, Any]) -> str:
    familiar, unfamiliar = objects.get("familiar") or 0, objects.get("unfamiliar") or 0
    if familiar:
        return "a familiar person is" if familiar == 1 else f"{familiar} familiar people are"
    if unfamiliar:
        return "someone unfamiliar is" if unfamiliar == 1 else f"{unfamiliar} unfamiliar people are"
    return "someone is"
