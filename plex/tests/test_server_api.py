"""/api/v2 get_server_info and server_status against Tautulli v2.17.2's captures."""

import pytest
from model_bakery import baker

from conftest import load_fixture
from servers.models import Server

CAPTURE = "tautulli-dart/plex/get_server_info.json"


@pytest.fixture
def captured_server(db):
    """A Server configured like the captured Tautulli instance."""
    data = load_fixture(CAPTURE)["response"]["data"]
    return baker.make(
        Server,
        name=data["pms_name"],
        version=data["pms_version"],
        platform=data["pms_platform"],
        url=data["pms_url"],
        machine_identifier=data["pms_identifier"],
        plexpass=bool(data["pms_plexpass"]),
        token="secret-plex-token",
    )


def test_get_server_info_is_shaped_exactly_as_the_capture(call_api, captured_server):
    expected = load_fixture(CAPTURE)
    status, body = call_api("get_server_info")
    assert status == 200
    data = body["response"]["data"]
    assert list(data) == list(expected["response"]["data"])
    assert {key: type(value) for key, value in data.items()} == {
        key: type(value) for key, value in expected["response"]["data"].items()
    }
    # The capture's pms_ip was typed in separately; ours is the IP the plex.direct host encodes.
    assert data.pop("pms_ip") == "192.0.2.10"
    expected_data = dict(expected["response"]["data"])
    expected_data.pop("pms_ip")
    assert data == expected_data
    assert body["response"]["result"] == "success" and body["response"]["message"] is None
    assert "secret-plex-token" not in str(body)


def test_get_server_info_of_a_manual_url_and_the_server_parameter(call_api, captured_server):
    baker.make(
        Server,
        name="Basement",
        url="http://10.0.0.5:32401",
        machine_identifier="b" * 40,
        version="1.40.0.1",
        platform="Windows",
        plexpass=False,
    )
    data = call_api("get_server_info", server="Basement")[1]["response"]["data"]
    assert data == {
        "pms_name": "Basement",
        "pms_version": "1.40.0.1",
        "pms_platform": "Windows",
        "pms_ip": "10.0.0.5",
        "pms_port": 32401,
        "pms_ssl": 0,
        "pms_url": "http://10.0.0.5:32401",
        "pms_url_manual": 1,
        "pms_identifier": "b" * 40,
        "pms_plexpass": 0,
    }
    # Without the parameter: the first server.
    first = call_api("get_server_info")[1]["response"]["data"]
    assert first["pms_name"] == "TestServer"


def test_get_server_info_without_a_server_is_empty_not_an_error(call_api):
    status, body = call_api("get_server_info")
    assert status == 200
    assert body["response"]["data"] == {
        "pms_name": "",
        "pms_version": "",
        "pms_platform": "",
        "pms_ip": "",
        "pms_port": 0,
        "pms_ssl": 0,
        "pms_url": "",
        "pms_url_manual": 0,
        "pms_identifier": "",
        "pms_plexpass": 0,
    }


def test_unknown_server_is_a_400(call_api, captured_server):
    for cmd in ("get_server_info", "server_status"):
        status, body = call_api(cmd, server="nowhere")
        assert status == 400
        assert body["response"] == {
            "result": "error",
            "message": "Unknown server: nowhere",
            "data": {},
        }


def test_server_status_shape(call_api, captured_server):
    """Same envelope and key as the capture; the state stays unknown (null) until the Plex
    monitor connects."""
    expected = load_fixture("tautulli-dart/plex/server_status.json")
    status, body = call_api("server_status")
    assert status == 200
    assert list(body["response"]) == list(expected["response"])
    assert body["response"]["result"] == "success" and body["response"]["message"] is None
    assert list(body["response"]["data"]) == ["connected"]
    assert body["response"]["data"]["connected"] is None


def test_server_status_without_a_server_is_null(call_api):
    status, body = call_api("server_status")
    assert status == 200
    assert body["response"]["data"] == {"connected": None}


def test_server_status_reports_what_the_monitor_last_saw(call_api, captured_server):
    from plex.activity.reachability import mark_down, mark_up

    mark_up(captured_server, 1_795_000_000)
    assert call_api("server_status")[1]["response"]["data"] == {"connected": True}
    mark_down(captured_server, "Timeout: http://x did not answer within 10 s.", 1_795_000_100)
    assert call_api("server_status")[1]["response"]["data"] == {"connected": False}


def test_delete_temp_sessions_flushes_live_sessions(call_api, captured_server):
    from model_bakery import baker

    from servers.models import Session

    baker.make(Session, server=captured_server, session_key=1, state="playing")
    baker.make(Session, server=captured_server, session_key=2, state="paused")
    expected = load_fixture("tautulli-dart/tautulli/delete_temp_sessions.json")
    status, body = call_api("delete_temp_sessions")
    assert status == 200 and body == expected
    assert not Session.objects.exists()
