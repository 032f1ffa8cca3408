"""/api/v2 get_notification_log against Tautulli v2.17.2's captures."""

import datetime as dt
import json
import sqlite3

import pytest
from model_bakery import baker

from conftest import bake_log_from_api_row, load_fixture
from notifications.models import NotifyLog

CAPTURE = "tautulli-dart/notification/get_notification_log.json"
CAPTURE_AFTER = "tautulli-dart/notification/get_notification_log__after.json"


def log_from_row(row: dict) -> NotifyLog:
    """A NotifyLog holding the values of one captured API row."""
    return bake_log_from_api_row(NotifyLog, row)


def test_rows_and_envelope_are_exactly_tautullis(call_api):
    captured = load_fixture(CAPTURE)["response"]["data"]
    for row in captured["data"]:
        log_from_row(row)
    status, body = call_api("get_notification_log")
    assert status == 200
    data = body["response"]["data"]
    assert list(data) == list(captured)
    assert data["data"] == captured["data"]  # values, key order and JSON types
    assert [list(row) for row in data["data"]] == [list(row) for row in captured["data"]]
    assert (data["recordsTotal"], data["recordsFiltered"], data["draw"]) == (5, 5, 1)


def test_same_timestamp_rows_come_in_id_order_as_captured(call_api):
    captured = load_fixture(CAPTURE_AFTER)["response"]["data"]["data"]
    for row in sorted(captured, key=lambda row: row["id"]):
        log_from_row(row)
    data = call_api("get_notification_log")[1]["response"]["data"]["data"]
    assert [row["id"] for row in data] == [row["id"] for row in captured]


def test_empty_log_matches_the_purged_capture(call_api):
    status, body = call_api("get_notification_log")
    assert status == 200
    assert body == load_fixture("tautulli-dart/notification/get_notification_log__purged.json")


def test_user_notification_fields_and_body_line_breaks(call_api):
    entry = baker.make(
        NotifyLog,
        timestamp=dt.datetime(2016, 5, 3, 5, 37, 1, tzinfo=dt.UTC),
        session_key=147,
        rating_key=153037,
        user_id=8008135,
        user="DanyKhaleesi69",
        notifier_id=1,
        agent_id=13,
        agent_name="telegram",
        notify_action="on_play",
        subject_text="Tautulli (Winterfell-Server)",
        body_text="DanyKhaleesi69 started playing\r\nThe Red Woman.\nEnjoy",
        script_args='["a"]',
        success=True,
        tag="secret-tag",
        poster_url="https://img.example/p.jpg",
    )
    row = call_api("get_notification_log")[1]["response"]["data"]["data"][0]
    assert row == {
        "id": entry.pk,
        "timestamp": 1462253821,
        "session_key": 147,
        "rating_key": 153037,
        "user_id": 8008135,
        "user": "DanyKhaleesi69",
        "notifier_id": 1,
        "agent_id": 13,
        "agent_name": "telegram",
        "notify_action": "on_play",
        "subject_text": "Tautulli (Winterfell-Server)",
        "body_text": "DanyKhaleesi69 started playing<br />The Red Woman.<br />Enjoy",
        "success": 1,
    }


@pytest.fixture
def log(db):
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    entries = []
    for i in range(30):
        entries.append(
            baker.make(
                NotifyLog,
                timestamp=base + dt.timedelta(hours=i),
                notifier_id=1 + i % 2,
                agent_id=20 if i % 2 == 0 else 10,
                agent_name="discord" if i % 2 == 0 else "email",
                notify_action=("on_play", "on_stop", "on_watched")[i % 3],
                subject_text=f"Subject {i:02d}",
                body_text=f"Body {i:02d}",
                success=i % 5 != 0,
            )
        )
    return entries


def test_default_order_newest_first_and_paging(call_api, log):
    data = call_api("get_notification_log", start=5, length=10)[1]["response"]["data"]
    assert data["recordsTotal"] == 30 and data["recordsFiltered"] == 30
    newest_first = sorted(log, key=lambda entry: entry.timestamp, reverse=True)
    assert [row["id"] for row in data["data"]] == [entry.pk for entry in newest_first[5:15]]


def test_ordering_and_search(call_api, log):
    def rows(**params):
        return call_api("get_notification_log", length=100, **params)[1]["response"]["data"]

    by_subject = rows(order_column="subject_text", order_dir="asc")["data"]
    assert [row["subject_text"] for row in by_subject][:3] == [
        "Subject 00",
        "Subject 01",
        "Subject 02",
    ]
    oldest_first = rows(order_dir="asc")["data"]
    assert [row["id"] for row in oldest_first] == [entry.pk for entry in log]
    by_agent = rows(order_column="agent_name", order_dir="desc")["data"]
    assert by_agent[0]["agent_name"] == "email" and by_agent[-1]["agent_name"] == "discord"
    found = rows(search="DISCORD")
    assert found["recordsTotal"] == 30 and found["recordsFiltered"] == 15
    assert {row["agent_name"] for row in found["data"]} == {"discord"}
    assert rows(search="Body 07")["recordsFiltered"] == 1
    assert rows(search="on_watched")["recordsFiltered"] == 10
    json_data = json.dumps(
        {
            "draw": 4,
            "columns": [{"data": "timestamp"}, {"data": "notify_action"}],
            "order": [{"column": 0, "dir": "asc"}],
            "start": 0,
            "length": 2,
            "search": {"value": "email"},
        }
    )
    data = rows(json_data=json_data)
    assert data["draw"] == 4 and data["recordsFiltered"] == 15
    assert [row["subject_text"] for row in data["data"]] == ["Subject 01", "Subject 03"]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"order_column": "script_args"}, "order_column"),
        ({"order_column": "timestamp", "order_dir": "up"}, "order_dir"),
        ({"order_dir": "up"}, "order_dir"),
        ({"start": "x"}, "Parameter start must be an integer"),
        ({"length": "many"}, "Parameter length must be an integer"),
        ({"json_data": "[1"}, "json_data"),
    ],
)
def test_bad_input_is_a_400(call_api, params, message):
    status, body = call_api("get_notification_log", **params)
    assert status == 400
    assert body["response"]["result"] == "error"
    assert message in body["response"]["message"]


def test_log_of_an_imported_tautulli_database(imported_tautulli, make_tautulli_db, call_api):
    """The imported notify_log reads back exactly as Tautulli's SQL over its database."""
    imported_tautulli(history_rows=2000)
    source = sqlite3.connect(make_tautulli_db(history_rows=2000))
    source.row_factory = sqlite3.Row
    columns = (
        "id, timestamp, session_key, rating_key, user_id, user, notifier_id, agent_id, "
        "agent_name, notify_action, subject_text, body_text, success"
    )
    expected = [
        dict(row)
        for row in source.execute(
            f"SELECT {columns} FROM notify_log ORDER BY timestamp DESC, id ASC LIMIT 25 OFFSET 10"
        )
    ]
    for row in expected:
        row["body_text"] = (
            (row["body_text"] or "").replace("\r\n", "<br />").replace("\n", "<br />")
        )
    total = source.execute("SELECT COUNT(*) FROM notify_log").fetchone()[0]
    status, body = call_api("get_notification_log", start=10, length=25)
    assert status == 200
    data = body["response"]["data"]
    assert data["recordsTotal"] == data["recordsFiltered"] == total > 25
    assert data["data"] == expected
    on_watched = source.execute(
        "SELECT COUNT(*) FROM notify_log WHERE instr(notify_action, 'on_watched')"
        " OR instr(agent_name, 'on_watched') OR instr(lower(subject_text), 'on_watched')"
        " OR instr(lower(body_text), 'on_watched')"
    ).fetchone()[0]
    found = call_api("get_notification_log", search="on_watched")[1]["response"]["data"]
    assert found["recordsFiltered"] == on_watched > 0
