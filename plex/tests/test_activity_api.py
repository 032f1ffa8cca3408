"""/api/v2 get_activity, get_stream_data and terminate_session against Tautulli v2.17.2's
captures (``tautulli-dart/activity``), with the fake PMS playing real recorded sessions."""

import json
import socket

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

import plex.activity.apiv2_activity  # noqa: F401  (registers the commands)
from conftest import load_fixture
from history.models import History, HistoryMediaInfo, HistoryMetadata
from plex.testing import FakePlexServer
from servers.models import Server, Session

pytestmark = pytest.mark.django_db

TOKEN = "activity-secret-token"
CAPTURES = "tautulli-dart/activity/"


def captured(name: str) -> dict:
    return load_fixture(CAPTURES + name)["response"]


def json_types(data: dict) -> dict:
    def kind(value):
        return "number" if type(value) in (int, float) else type(value).__name__

    return {key: kind(value) for key, value in data.items()}


@pytest.fixture
def pms(settings):
    with FakePlexServer(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(Server, name="Home", url=pms.url, token=TOKEN, machine_identifier="h" * 40)


@pytest.fixture
def api(call_api):
    """``api(cmd, **params)`` → the envelope ``response``, checking HTTP 200 / 400 matches it and
    that the Plex token never appears in the answer."""

    def call(cmd, **params):
        status, body = call_api(cmd, **params)
        assert TOKEN not in json.dumps(body)
        response = body["response"]
        assert status == (200 if response["result"] == "success" else 400)
        return response

    return call


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- get_activity ---------------------------------------------------------------------------


def test_no_sessions_answers_the_captured_empty_activity(api, server):
    assert api("get_activity") == captured("get_activity.json")


def test_activity_counts_streams_and_splits_bandwidth_lan_wan(api, pms, server):
    pms.viewer(user_id=1, media_type="movie", bandwidth=10_278).play()
    pms.viewer(
        user_id=2, media_type="episode", decision="transcode", location="wan", bandwidth=4_000
    ).play()
    pms.viewer(
        user_id=3, media_type="track", decision="copy", location="cellular", bandwidth=320
    ).play()
    pms.viewer(user_id=4, media_type="live", decision="copy", bandwidth=8_000).play()

    response = api("get_activity")

    capture = captured("get_activity__live.json")["data"]
    data = response["data"]
    assert response["result"] == "success" and response["message"] is None
    assert list(data) == list(capture) and json_types(data) == json_types(capture)
    assert {key: data[key] for key in data if key != "sessions"} == {
        "stream_count": "4",
        "stream_count_direct_play": 1,
        "stream_count_direct_stream": 2,
        "stream_count_transcode": 1,
        "total_bandwidth": 22_598,
        "lan_bandwidth": 18_278,
        "wan_bandwidth": 4_320,
    }
    captured_session = capture["sessions"][0]
    for session in data["sessions"]:
        assert list(session) == list(captured_session)
        assert json_types(session) == json_types(captured_session)
    assert [
        (s["session_key"], s["media_type"], s["transcode_decision"]) for s in data["sessions"]
    ] == [
        ("1", "movie", "direct play"),
        ("2", "episode", "transcode"),
        ("3", "track", "copy"),
        ("4", "episode", "copy"),
    ]
    assert [s["location"] for s in data["sessions"]] == ["lan", "wan", "cellular", "lan"]


def test_one_session_by_session_key_or_session_id(api, pms, server):
    pms.viewer(user_id=1).play()
    second = pms.viewer(user_id=2, media_type="episode").play()

    by_key = api("get_activity", session_key="2")["data"]
    by_id = api("get_activity", session_id=second.session_id)["data"]

    assert by_key == by_id
    captured_session = captured("get_activity__by_session_key.json")["data"]
    assert list(by_key) == list(captured_session)
    assert json_types(by_key) == json_types(captured_session)
    assert (by_key["session_key"], by_key["session_id"]) == ("2", "fake-session-2")
    assert api("get_activity", session_key="99") == {
        "result": "success",
        "message": None,
        "data": {},
    }
    assert api("get_activity", session_id="nope")["data"] == {}


def test_a_server_that_is_down_answers_success_with_nothing(api, db):
    baker.make(Server, name="Down", url=closed_port_url(), token=TOKEN)

    assert api("get_activity") == {"result": "success", "message": None, "data": {}}


def test_stopped_and_paused_sessions(api, pms, server):
    movie = pms.viewer(user_id=1).play()
    pms.viewer(user_id=2).play().pause()
    movie.stop()

    data = api("get_activity")["data"]

    assert data["stream_count"] == "1"
    assert [(s["session_key"], s["state"]) for s in data["sessions"]] == [("2", "paused")]


def test_an_unknown_server_parameter_is_an_error(api, server):
    response = api("get_activity", server="Elsewhere")

    assert response == {"result": "error", "message": "Unknown server: Elsewhere", "data": {}}


def test_queries_do_not_grow_with_the_number_of_sessions(
    client, api_key, pms, server, django_assert_max_num_queries
):
    def activity() -> dict:
        response = client.get("/api/v2", {"apikey": api_key, "cmd": "get_activity"})
        assert response.status_code == 200
        return response.json()["response"]["data"]

    pms.viewer(user_id=1).play()
    with CaptureQueriesContext(connection) as one_session:
        assert activity()["stream_count"] == "1"
    for user_id in range(2, 21):
        pms.viewer(user_id=user_id, media_type="episode" if user_id % 2 else "movie").play()

    with django_assert_max_num_queries(len(one_session)):
        assert activity()["stream_count"] == "20"


# --- get_stream_data ------------------------------------------------------------------------

# Values of the capture that live on History / HistoryMetadata rather than HistoryMediaInfo.
HISTORY_KEYS = {"quality_profile"}
METADATA_KEYS = {"media_type", "title", "grandparent_title", "original_title"}
OUTPUT_ONLY = {"current_session", "pre_tautulli"}


def columns_of(model, data: dict, skip=()) -> dict:
    """The captured values that ``model`` has columns for ("" left out: empty in the row)."""
    names = {f.name for f in model._meta.concrete_fields}
    return {k: v for k, v in data.items() if k in names and v != "" and k not in skip}


def test_stream_data_of_a_history_row_is_the_capture(api, server):
    expected = captured("get_stream_data__row_id.json")
    data = expected["data"]
    history = baker.make(History, server=server, quality_profile=data["quality_profile"])
    HistoryMediaInfo.objects.create(history=history, **columns_of(HistoryMediaInfo, data))
    HistoryMetadata.objects.create(
        history=history, **{k: data[k] for k in METADATA_KEYS if k in data}
    )

    assert api("get_stream_data", row_id=history.pk) == expected


def test_stream_data_of_a_live_session_row_is_the_capture(api, server):
    expected = captured("get_stream_data__session_key.json")
    data = expected["data"]
    baker.make(
        Session,
        server=server,
        session_key=2,
        **columns_of(Session, data, skip=OUTPUT_ONLY),
    )

    assert api("get_stream_data", session_key=2) == expected


def test_stream_data_of_a_session_the_monitor_has_not_stored_yet(api, pms, server):
    pms.viewer(media_type="episode", decision="transcode").play()

    data = api("get_stream_data", session_key=1)["data"]

    assert list(data) == list(captured("get_stream_data__session_key.json")["data"])
    assert data["current_session"] == 1 and data["pre_tautulli"] == ""
    assert (data["stream_video_decision"], data["stream_video_codec"]) == ("transcode", "h264")
    assert (data["media_type"], data["title"], data["grandparent_title"]) == (
        "episode",
        "Blind Date",
        "30 Rock",
    )
    assert data["stream_bitrate"] == 6000 and data["transcode_hw_decoding"] == ""


def test_stream_data_of_a_row_from_before_stream_details(api, server):
    history = baker.make(History, server=server, quality_profile="Original")
    HistoryMediaInfo.objects.create(
        history=history,
        container="mkv",
        video_codec="h264",
        width=1920,
        height=1080,
        audio_codec="ac3",
        audio_channels=6,
        video_decision="transcode",
        audio_decision="copy",
        transcode_container="mp4",
        transcode_video_codec="h264",
        transcode_width=1280,
        transcode_height=720,
    )
    HistoryMetadata.objects.create(history=history, media_type="movie", title="Old")

    data = api("get_stream_data", row_id=history.pk)["data"]

    assert data["pre_tautulli"] == 1
    assert (data["stream_container"], data["stream_video_width"], data["stream_video_height"]) == (
        "mp4",
        1280,
        720,
    )
    assert (data["video_width"], data["stream_audio_codec"], data["stream_audio_channels"]) == (
        1920,
        "ac3",
        6,
    )
    assert data["stream_video_decision"] == "transcode"


def test_stream_data_errors(api, server):
    assert api("get_stream_data") == {
        "result": "error",
        "message": "Parameter row_id or session_key is required",
        "data": {},
    }
    assert api("get_stream_data", row_id="abc")["message"] == (
        "Parameter row_id must be an integer, got 'abc'"
    )
    assert api("get_stream_data", row_id=424242) == {
        "result": "error",
        "message": None,
        "data": {},
    }
    assert api("get_stream_data", session_key=77)["result"] == "error"


# --- terminate_session ----------------------------------------------------------------------


def test_terminate_a_session_by_session_key(api, pms, server):
    viewer = pms.viewer(user_id=5).play()
    other = pms.viewer(user_id=6).play()

    response = api("terminate_session", session_key="1", message="Bedtime!")

    assert response == {"result": "success", "message": "Session terminated.", "data": {}}
    [request] = [r for r in pms.requests if r.path == "/status/sessions/terminate"]
    assert request.query == {"sessionId": "fake-session-1", "reason": "Bedtime!"}
    assert (viewer.state, viewer.stop_reason) == ("stopped", "Bedtime!")
    assert other.state == "playing"
    assert [s["session_key"] for s in api("get_activity")["data"]["sessions"]] == ["2"]


def test_terminate_by_session_id_with_the_default_message(api, pms, server):
    viewer = pms.viewer(media_type="track").play()

    response = api("terminate_session", session_id=viewer.session_id)

    assert response["result"] == "success"
    assert viewer.stop_reason == "The server owner has ended the stream."
    assert api("get_activity")["data"]["sessions"] == []


def test_terminate_an_unknown_session_is_the_captured_error(api, pms, server):
    pms.viewer().play()

    assert api("terminate_session", session_key="999999") == captured(
        "terminate_session__error.json"
    )
    assert api("terminate_session")["message"] == (
        "Failed to terminate session: Invalid session_key (None) or session_id (None)."
    )
    assert api("terminate_session", session_id="gone")["message"] == (
        "Failed to terminate session: Invalid session_key () or session_id (gone)."
    )
    assert not [r for r in pms.requests if r.path == "/status/sessions/terminate"]


def test_terminate_needs_plex_pass(api, pms, server):
    pms.route("/", pms.root_xml.replace('myPlexSubscription="1"', 'myPlexSubscription="0"'))
    viewer = pms.viewer().play()

    response = api("terminate_session", session_key="1")

    assert response == {
        "result": "error",
        "message": "Failed to terminate session: No Plex Pass subscription.",
        "data": {},
    }
    assert viewer.state == "playing"


def test_terminate_refused_by_pms(api, pms, server):
    pms.viewer().play()
    pms.route("/status/sessions/terminate", "<html>Forbidden</html>", status=403)

    response = api("terminate_session", session_key="1")

    assert response == {"result": "error", "message": "Failed to terminate session.", "data": {}}


def test_terminate_on_a_server_that_is_down(api, db):
    url = closed_port_url()
    baker.make(Server, name="Down", url=url, token=TOKEN)

    response = api("terminate_session", session_key="1")

    assert response["result"] == "error"
    assert response["message"] == (
        f"Failed to terminate session: Unreachable: could not connect to {url} "
        "(refused or no route)."
    )
