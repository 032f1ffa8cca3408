"""The /api/v2 requests that answered HTTP 500 or a non-envelope body, replayed one by one.

Each class of request found by probing the server from outside: numbers beyond 64 bits in ids,
keys and offsets (also inside ``json_data``), a ``server`` that is no server, dates at the ends
of the calendar, huge ``query_days``, too many parameters or too big a body, methods other than
GET/POST, and stored control characters in the XML output. Refused input answers HTTP 400 with
Tautulli's error envelope naming the parameter; dates beyond the usable ones are the ends of
that range (:mod:`core.limits`), so those requests succeed.
"""

import json
import logging
from xml.etree import ElementTree

import pytest
from django.test import override_settings

from core.tautulli_api.registry import COMMANDS
from users.models import User

pytestmark = pytest.mark.django_db

BEYOND_64_BITS = str(2**64)
ID_PARAMS = [
    "user_id",
    "section_id",
    "rating_key",
    "parent_rating_key",
    "grandparent_rating_key",
    "reference_id",
    "row_ids",
    "start",
]
# Valid values of the seed for the parameters commands require, so the one under test is read.
REQUIRED = {
    "user_id": "7001",
    "section_id": "11",
    "rating_key": "50001",
    "row_id": "1",
    "count": "5",
}
GRAPHS = sorted(name for name in COMMANDS if name.startswith(("get_plays_", "get_stream_type_")))
GRAPHS.append("get_concurrent_streams_by_stream_type")


def get(client, api_key, cmd, **params):
    response = client.get("/api/v2", {"apikey": api_key, "cmd": cmd, **params})
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.status_code, json.loads(response.content)["response"]


def command_params(read_params, name):
    """(command, parameter) for every command that reads parameter ``name``."""
    return [cmd for cmd in sorted(COMMANDS) if name in read_params(cmd)]


@pytest.mark.parametrize("name", ID_PARAMS)
def test_an_integer_beyond_64_bits_is_refused_naming_it(client, api_key, seeded, read_params, name):
    commands = command_params(read_params, name)
    assert commands, f"no command reads {name}"
    for cmd in commands:
        status, body = get(client, api_key, cmd, **{name: BEYOND_64_BITS})
        assert status == 400, (cmd, body)
        assert body["result"] == "error" and body["data"] == {}
        assert body["message"].startswith("Parameter "), (cmd, body)


@pytest.mark.parametrize(
    "json_data",
    [
        '{"start": 18446744073709551616}',
        '{"start": 1e400}',
        '{"start": NaN}',
        '{"length": -18446744073709551616}',
        '{"order": [{"column": 1e400}]}',
        "[" * 10_000,
    ],
)
def test_json_data_out_of_range_is_refused(client, api_key, seeded, read_params, json_data):
    for cmd in command_params(read_params, "json_data"):
        status, body = get(client, api_key, cmd, **REQUIRED, json_data=json_data)
        assert status == 400, (cmd, body)
        assert "json_data" in body["message"], (cmd, body)


@pytest.mark.parametrize("server", ["²", "9" * 5000, "1; DROP TABLE plex_server", "-1"])
def test_a_server_that_is_no_server_is_refused(client, api_key, seeded, read_params, server):
    for cmd in command_params(read_params, "server"):
        # session_key rather than row_id: get_stream_data reads the server for a live session
        required = {**REQUIRED, "row_id": "", "session_key": "1"}
        status, body = get(client, api_key, cmd, **required, server=server)
        assert status == 400, (cmd, body)
        assert body["message"].startswith("Unknown server: "), (cmd, body)
        assert len(body["message"]) <= 120  # a 5,000-digit value is not echoed whole


@pytest.mark.parametrize("cmd", [*GRAPHS, "get_home_stats", "get_library_growth"])
@pytest.mark.parametrize(
    "params",
    [
        {"before": "0001-01-01"},
        {"after": "9999-12-31", "before": "9999-12-31"},
        {"before": "9999-12-31"},
        {"after": "0001-01-01", "before": "1970-01-01"},
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_the_ends_of_the_usable_range(
    client, api_key, seeded, cmd, params
):
    status, body = get(client, api_key, cmd, **params)
    assert (status, body["result"]) == (200, "success"), body


@pytest.mark.parametrize("key", ["after", "before", "start_date"])
def test_history_dates_at_the_ends_of_the_calendar(client, api_key, seeded, key):
    status, body = get(client, api_key, "get_history", **{key: "9999-12-31"})
    assert status == 200, body
    expected = 6 if key == "before" else 0  # before the end of time: every play
    assert body["data"]["recordsFiltered"] == expected
    status, body = get(client, api_key, "get_history", **{key: "0001-01-01"})
    assert status == 200 and body["data"]["recordsFiltered"] == (0 if key != "after" else 6)
    status, body = get(client, api_key, "get_history", **{key: "10000-01-01"})
    assert status == 400 and body["message"].startswith(f"Parameter {key} must be a date")


@pytest.mark.parametrize(
    ("cmd", "params"),
    [
        ("get_user_watch_time_stats", {"user_id": "7001"}),
        ("get_library_watch_time_stats", {"section_id": "11"}),
        ("get_item_watch_time_stats", {"rating_key": "50001"}),
    ],
)
def test_query_days_beyond_a_century_is_all_time(client, api_key, seeded, cmd, params):
    _, all_time = get(client, api_key, cmd, query_days="0", **params)
    for days in ("2932897", str(2**63 - 1)):
        status, body = get(client, api_key, cmd, query_days=days, **params)
        assert status == 200, body
        assert body["data"][0]["total_time"] == all_time["data"][0]["total_time"] > 0
    status, body = get(client, api_key, cmd, query_days=BEYOND_64_BITS, **params)
    assert status == 400 and body["message"].startswith("Parameter query_days")


# --- the transport -------------------------------------------------------------------------


def test_more_parameters_than_django_reads_answer_an_envelope(client, api_key):
    params = {f"p{n}": "1" for n in range(1_200)}
    status, body = get(client, api_key, "status", **params)
    assert status == 400 and body["result"] == "error"
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in body["message"]
    response = client.post("/api/v2", {"apikey": api_key, "cmd": "status", **params})
    assert response.status_code == 400 and response.json()["response"]["result"] == "error"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_body_over_the_limit_answers_an_envelope(client, api_key):
    response = client.post("/api/v2", {"apikey": api_key, "cmd": "status", "pad": "x" * 5000})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["response"]["result"] == "error"


@pytest.mark.parametrize("method", ["put", "delete", "patch", "options", "head"])
def test_every_method_is_answered_like_get(client, api_key, method):
    response = getattr(client, method)(f"/api/v2?apikey={api_key}&cmd=status")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    if method != "head":
        assert response.json()["response"]["message"] == "Ok"
    response = getattr(client, method)("/api/v2?cmd=status")
    assert response.status_code == 400


@pytest.mark.parametrize("param", ["friendly_name", "custom_thumb"])
def test_edit_user_refuses_control_characters(client, api_key, seeded, param):
    status, body = get(client, api_key, "edit_user", user_id="7001", **{param: "Al\x01ice"})
    assert (
        status == 400
        and body["message"] == f"Parameter {param} must not contain control characters"
    )
    assert User.objects.get(user_id=7001).friendly_name == "Alice"
    status, _ = get(client, api_key, "edit_user", user_id="7001", friendly_name="Alice B\t")
    assert status == 200 and User.objects.get(user_id=7001).friendly_name == "Alice B"


def test_edit_library_refuses_control_characters(client, api_key, seeded):
    status, body = get(client, api_key, "edit_library", section_id="11", custom_art="http://x/\x1b")
    assert status == 400 and "control characters" in body["message"]


def test_stored_control_characters_still_give_well_formed_xml(client, api_key, seeded):
    """Rows written before the check (or by an import) are escaped by the XML renderer."""
    User.objects.filter(user_id=7001).update(friendly_name="Al\x01ice\x0b\ufffe")
    response = client.get("/api/v2", {"apikey": api_key, "cmd": "get_users", "out_type": "xml"})
    root = ElementTree.fromstring(response.content)
    names = [node.text for node in root.iter("friendly_name")]
    assert "Al\ufffdice\ufffd\ufffd" in names


@pytest.mark.parametrize(
    "params",
    [
        {"cmd": "this_command_does_not_exist"},
        {"cmd": "get_history", "user_id": BEYOND_64_BITS},
        {"cmd": "get_history", "json_data": "{"},
    ],
)
def test_refused_requests_log_no_traceback(client, api_key, caplog, params):
    with caplog.at_level(logging.DEBUG):
        response = client.get("/api/v2", {"apikey": api_key, **params})
    assert response.status_code == 400
    assert not [record for record in caplog.records if record.exc_info]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
