"""The /api/v2 transport: auth, envelope, errors and output formats (reference section 1.1)."""

import json

import pytest
import xmltodict

from conftest import load_fixture
from core.models import ApiKey
from notifications.models import MobileDevice

pytestmark = pytest.mark.django_db


def test_missing_key_answers_400_with_tautullis_message(client):
    response = client.get("/api/v2", {"cmd": "status"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json;charset=UTF-8"
    assert response.json() == load_fixture("tautulli-dart/auth/auth__no_key.json")


def test_wrong_key_answers_invalid_apikey(client, api_key):
    response = client.get("/api/v2", {"apikey": "nope", "cmd": "status"})
    assert response.status_code == 400
    assert response.json() == load_fixture("tautulli-dart/auth/auth__bad_key.json")


def test_key_in_header_and_form_post_and_trailing_slash(client, api_key):
    assert client.get("/api/v2/", {"cmd": "status"}, HTTP_X_API_KEY=api_key).json() == (
        load_fixture("tautulli-dart/tautulli/status.json")
    )
    response = client.post("/api/v2", {"apikey": api_key, "cmd": "status"})
    assert response.status_code == 200
    assert response.json()["response"]["message"] == "Ok"


def test_generated_key_is_stable_and_rotates(client, settings):
    settings.TAUTULLI_API_KEY = ""
    first = ApiKey.current()
    assert len(first) == 32 and first == ApiKey.current()
    assert client.get("/api/v2", {"apikey": first, "cmd": "status"}).status_code == 200
    second = ApiKey.rotate()
    assert second != first
    assert client.get("/api/v2", {"apikey": first, "cmd": "status"}).status_code == 400
    assert client.get("/api/v2", {"apikey": second, "cmd": "status"}).status_code == 200


def test_unknown_and_missing_command_list_possible_commands(call_api):
    status, body = call_api("this_command_does_not_exist")
    expected = load_fixture("tautulli-dart/errors/unknown_command.json")
    assert status == 400
    assert body["response"]["result"] == expected["response"]["result"] == "error"
    message = body["response"]["message"]
    assert message.startswith(
        "Unknown command: this_command_does_not_exist. Possible commands are: "
    )
    assert "arnold" in message and "status" in message
    assert body["response"]["data"] == {}

    status, body = call_api("")
    assert status == 400
    assert body["response"]["message"].startswith(
        "Parameter cmd is required. Possible commands are:"
    )


def test_status_check_database_matches_capture(call_api):
    status, body = call_api("status", check="database")
    assert status == 200
    assert body == load_fixture("tautulli-dart/tautulli/status__check_database.json")


def test_date_formats_and_tautulli_info_shapes(call_api):
    _, body = call_api("get_date_formats")
    expected = load_fixture("tautulli-dart/tautulli/get_date_formats.json")
    assert body["response"]["data"].keys() == expected["response"]["data"].keys()
    _, body = call_api("get_tautulli_info")
    expected = load_fixture("tautulli-dart/tautulli/get_tautulli_info.json")["response"]["data"]
    data = body["response"]["data"]
    assert list(data) == list(expected)
    assert all(isinstance(v, str) for v in data.values())
    assert data["tautulli_version"].startswith("v2.")


def test_arnold_returns_a_quote(call_api):
    _, body = call_api("arnold")
    assert body["response"]["result"] == "success"
    assert isinstance(body["response"]["data"], str) and body["response"]["data"]


def test_docs_lists_commands_and_docs_md_is_markdown(client, call_api, api_key):
    _, body = call_api("docs")
    assert "arnold" in body["response"]["data"]
    assert "status" in body["response"]["data"]
    response = client.get("/api/v2", {"apikey": api_key, "cmd": "docs_md"})
    assert response.status_code == 200
    assert b"### status" in response.content


def test_xml_output_and_jsonp_callback(client, api_key):
    response = client.get("/api/v2", {"apikey": api_key, "cmd": "status", "out_type": "xml"})
    assert response["Content-Type"].startswith("application/xml")
    assert xmltodict.parse(response.content)["response"]["message"] == "Ok"

    response = client.get("/api/v2", {"apikey": api_key, "cmd": "status", "callback": "cb"})
    assert response["Content-Type"] == "application/javascript"
    text = response.content.decode()
    assert text.startswith("cb(") and text.endswith(");")
    assert json.loads(text[3:-2])["response"]["result"] == "success"

    response = client.get("/api/v2", {"apikey": api_key, "cmd": "status", "callback": "x;alert(1)"})
    assert response.status_code == 400


def test_debug_pretty_prints(client, api_key):
    response = client.get("/api/v2", {"apikey": api_key, "cmd": "status", "debug": "1"})
    assert b'\n    "response"' in response.content


def test_device_token_needs_app_true(client, api_key):
    MobileDevice.objects.create(device_id="dev1", device_token="devtoken123")
    ok = client.get("/api/v2", {"apikey": "devtoken123", "app": "true", "cmd": "status"})
    assert ok.status_code == 200
    assert MobileDevice.objects.get().last_seen is not None
    no_app = client.get("/api/v2", {"apikey": "devtoken123", "cmd": "status"})
    assert no_app.json() == load_fixture("tautulli-dart/auth/auth__token_no_app.json")


def test_null_character_in_a_parameter_is_rejected(call_api):
    status, body = call_api("status", check="data\x00base")
    assert status == 400
    assert "null character" in body["response"]["message"]


def test_legacy_api_path_points_to_v2(client):
    response = client.get("/api", {"cmd": "status"})
    assert response.status_code == 200
    assert response.json()["response"]["message"] == "Please use the /api/v2 endpoint."


def test_health_checks_the_database(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_invalid_input_from_domain_code_answers_like_a_bad_parameter(client, api_key, monkeypatch):
    """Domain code raises core.errors.InvalidInput (it knows no envelope): the dispatcher answers
    it as it answers an ApiError, HTTP 400 with the message; anything else stays a 500."""
    from core.errors import InvalidInput
    from core.tautulli_api.registry import COMMANDS, Command

    def rejects(request, params):
        raise InvalidInput("Parameter after must not be later than before")

    def breaks(request, params):
        raise RuntimeError("a bug")

    monkeypatch.setitem(COMMANDS, "test_rejects", Command("test_rejects", rejects))
    monkeypatch.setitem(COMMANDS, "test_breaks", Command("test_breaks", breaks))
    response = client.get("/api/v2", {"apikey": api_key, "cmd": "test_rejects"})
    assert response.status_code == 400
    assert response.json() == {
        "response": {
            "result": "error",
            "message": "Parameter after must not be later than before",
            "data": {},
        }
    }
    response = client.get("/api/v2", {"apikey": api_key, "cmd": "test_breaks"})
    assert response.status_code == 500
    assert response.json()["response"]["message"] == "Check the logs for errors"
