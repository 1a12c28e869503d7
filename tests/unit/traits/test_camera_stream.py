import pytest

from functions.core.errors import InvalidDevice, SmartHomeError
from functions.devices.traits import TRAITS
from functions.devices.traits.camera_stream import negotiate
from functions.devices.traits.fields import params
from tests.unit.traits.helpers import execute, validate

# SYNC examples from https://developers.home.google.com/cloud-to-cloud/traits/camerastream
# (English page, "Examples"); GetCameraStream params as named on
# https://developers.google.cn/actions/smarthome/traits/camerastream?hl=zh-cn
MULTI = {
    "cameraStreamSupportedProtocols": ["webrtc", "hls", "dash", "smooth_stream", "progressive_mp4"],
    "cameraStreamNeedAuthToken": False,
}
HLS_ONLY = {"cameraStreamSupportedProtocols": ["hls"], "cameraStreamNeedAuthToken": True}
TO_CHROMECAST = {"StreamToChromecast": True, "SupportedStreamProtocols": ["progressive_mp4", "hls"]}


@pytest.mark.parametrize("attributes", [MULTI, HLS_ONLY])
def test_valid_attributes(attributes: dict) -> None:
    validate("CameraStream", attributes)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"cameraStreamNeedAuthToken": False}, "cameraStreamSupportedProtocols is required"),
        ({**HLS_ONLY, "cameraStreamSupportedProtocols": []}, "at least 1"),
        ({**HLS_ONLY, "cameraStreamSupportedProtocols": ["rtsp"]}, r"unknown protocol\(s\)"),
        ({**HLS_ONLY, "cameraStreamSupportedProtocols": "hls"}, "must be a list"),
        ({**HLS_ONLY, "cameraStreamSupportedProtocols": ["hls", "hls"]}, "twice"),
        ({"cameraStreamSupportedProtocols": ["hls"]}, "cameraStreamNeedAuthToken is required"),
        ({**HLS_ONLY, "cameraStreamNeedAuthToken": "no"}, "must be a boolean"),
    ],
)
def test_invalid_attributes(attributes: dict, message: str) -> None:
    with pytest.raises(InvalidDevice, match=message):
        validate("CameraStream", attributes)


def test_get_camera_stream_writes_no_state() -> None:
    assert execute("GetCameraStream", TO_CHROMECAST, {"on": True}, MULTI) == {}
    assert execute("GetCameraStream", TO_CHROMECAST, {}, HLS_ONLY) == {}


@pytest.mark.parametrize(
    ("attributes", "target", "chosen"),
    [
        (MULTI, ["progressive_mp4", "hls"], "hls"),  # the device's preference order wins
        (MULTI, ["webrtc"], "webrtc"),
        (HLS_ONLY, ["dash", "hls", "some_future_protocol"], "hls"),
    ],
)
def test_negotiate(attributes: dict, target: list, chosen: str) -> None:
    request = {"StreamToChromecast": False, "SupportedStreamProtocols": target}
    assert negotiate(attributes, params(request)) == chosen


def test_no_shared_protocol() -> None:
    request = {"StreamToChromecast": True, "SupportedStreamProtocols": ["dash"]}
    with pytest.raises(SmartHomeError) as raised:
        execute("GetCameraStream", request, {}, HLS_ONLY)
    assert raised.value.code == "streamUnplayable"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"SupportedStreamProtocols": ["hls"]},
        {"StreamToChromecast": True},
        {"StreamToChromecast": "true", "SupportedStreamProtocols": ["hls"]},
        {"StreamToChromecast": True, "SupportedStreamProtocols": "hls"},
        {"StreamToChromecast": True, "SupportedStreamProtocols": []},
        {"streamToChromecast": True, "supportedStreamProtocols": ["hls"]},  # casing matters
    ],
)
def test_bad_params(params: dict) -> None:
    with pytest.raises(SmartHomeError) as raised:
        execute("GetCameraStream", params, {}, MULTI)
    assert raised.value.code == "valueOutOfRange"


def test_no_query_states() -> None:
    trait = TRAITS["action.devices.traits.CameraStream"]
    assert trait.states == ()
    assert trait.query_states(MULTI, {"cameraStreamAccessUrl": "https://x", "on": True}) == {}
