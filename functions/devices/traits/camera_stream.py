"""CameraStream: https://developers.home.google.com/cloud-to-cloud/traits/camerastream

The trait has no QUERY states. GetCameraStream answers with result fields that are not
states (``cameraStreamProtocol``, ``cameraStreamAccessUrl``, ``cameraStreamReceiverAppId``,
``cameraStreamAuthToken``; for WebRTC ``cameraStreamSignalingUrl``, ``cameraStreamOffer``,
``cameraStreamIceServers``). Only the device backend can mint a stream URL, so the handler
returns an empty patch (it never writes results into the device's ``states``), the command is
always awaited, and the answer carries the results the backend recorded in its outcome's
``states``, where Google's answer carries them: the protocol one the target asked for and the
device declares, the access URL (the signaling URL for WebRTC), each field a string.

Where Google is silent:

- The protocol is the first of the device's ``cameraStreamSupportedProtocols`` (its order of
  preference) that the target lists in ``SupportedStreamProtocols`` (``negotiate``); when none
  is shared the stream cannot play on that target: ``streamUnplayable``.
- Protocol names the target lists that this product does not know are ignored, not refused.
"""

from collections.abc import Mapping
from typing import Any

from functions.core.errors import SmartHomeError
from functions.devices.traits.base import (
    COMMAND_PREFIX,
    TRAIT_PREFIX,
    BadResult,
    Patch,
    States,
    Trait,
    result_strings,
)
from functions.devices.traits.fields import Fields

PROTOCOLS = ("hls", "dash", "smooth_stream", "progressive_mp4", "webrtc")


def validate(attributes: Fields) -> None:
    protocols = attributes.strings("cameraStreamSupportedProtocols", required=True, min_items=1)
    protocols = protocols or []
    unknown = sorted(set(protocols) - set(PROTOCOLS))
    if unknown:
        attributes.error(f"cameraStreamSupportedProtocols: unknown protocol(s) {unknown}")
    if len(set(protocols)) != len(protocols):
        attributes.error("cameraStreamSupportedProtocols lists a protocol twice")
    attributes.boolean("cameraStreamNeedAuthToken", required=True)


def negotiate(attributes: Mapping[str, Any], params: Fields) -> str:
    """The device's most preferred protocol that the target surface supports."""
    params.boolean("StreamToChromecast", required=True)
    target = params.strings("SupportedStreamProtocols", required=True, min_items=1) or []
    for protocol in attributes.get("cameraStreamSupportedProtocols") or []:
        if protocol in target:
            return str(protocol)
    raise SmartHomeError("streamUnplayable", f"no protocol shared with the target: {target}")


def get_camera_stream(attributes: Mapping[str, Any], _states: States, params: Fields) -> Patch:
    """Check the request can be served; the stream itself comes from the device backend."""
    negotiate(attributes, params)
    return {}


RESULTS = (
    "cameraStreamProtocol",
    "cameraStreamAccessUrl",
    "cameraStreamReceiverAppId",
    "cameraStreamAuthToken",
    "cameraStreamSignalingUrl",
    "cameraStreamOffer",
    "cameraStreamIceServers",
)


def stream_results(
    attributes: Mapping[str, Any], params: Mapping[str, Any], reported: Mapping[str, Any]
) -> dict[str, Any]:
    """The stream the backend minted, as Google's GetCameraStream results schema has it."""
    protocol = reported.get("cameraStreamProtocol")
    url = "cameraStreamSignalingUrl" if protocol == "webrtc" else "cameraStreamAccessUrl"
    found = result_strings(reported, RESULTS, ("cameraStreamProtocol", url))
    target = params.get("SupportedStreamProtocols") or []
    if protocol not in target or protocol not in attributes.get(
        "cameraStreamSupportedProtocols", []
    ):
        raise BadResult("results: cameraStreamProtocol is not one the target and device share")
    return found


TRAIT = Trait(
    name=TRAIT_PREFIX + "CameraStream",
    states=(),
    validate_attributes=validate,
    commands={COMMAND_PREFIX + "GetCameraStream": get_camera_stream},
    results={COMMAND_PREFIX + "GetCameraStream": stream_results},
)
