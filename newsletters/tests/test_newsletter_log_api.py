"""/api/v2 get_newsletter_log against Tautulli v2.17.2's capture."""

import pytest

from conftest import bake_log_from_api_row, load_fixture
from newsletters.models import NewsletterLog

CAPTURE = "tautulli-dart/newsletter/get_newsletter_log.json"


def log_from_row(row: dict, **extra) -> NewsletterLog:
    """A NewsletterLog holding the values of one captured API row (plus ``extra`` columns)."""
    return bake_log_from_api_row(NewsletterLog, row, **extra)


@pytest.fixture
def captured(db):
    data = load_fixture(CAPTURE)["response"]["data"]
    for row in reversed(data["data"]):
        log_from_row(
            row,
            message_text="<html>secret-free body</html>",
            filename=f"newsletter_{row['uuid']}.html",
            email_msg_id=f"<{row['uuid']}@example.com>",
            start_time=1782500000,
            end_time=1783100000,
        )
    return data


def test_rows_and_envelope_are_exactly_tautullis(call_api, captured):
    status, body = call_api("get_newsletter_log")
    assert status == 200
    data = body["response"]["data"]
    assert list(data) == list(captured)
    assert data["data"] == captured["data"]  # values, key order and JSON types
    assert [list(row) for row in data["data"]] == [list(row) for row in captured["data"]]
    assert (data["recordsTotal"], data["recordsFiltered"], data["draw"]) == (5, 5, 1)


def test_empty_log(call_api):
    status, body = call_api("get_newsletter_log")
    assert status == 200
    assert body["response"]["data"] == {
        "recordsFiltered": 0,
        "recordsTotal": 0,
        "data": [],
        "draw": 1,
    }


def test_ordering_paging_and_search(call_api, captured):
    def data(**params):
        return call_api("get_newsletter_log", **params)[1]["response"]["data"]

    oldest_first = data(order_column="timestamp", order_dir="asc")["data"]
    assert [row["id"] for row in oldest_first] == [67934, 67935, 67936, 67937, 67938]
    # order_dir alone applies to the default column (timestamp), as in Tautulli.
    assert data(order_dir="asc")["data"] == oldest_first
    by_uuid = data(order_column="uuid", order_dir="asc", start=1, length=2)["data"]
    assert [row["uuid"] for row in by_uuid] == ["16d4d140", "5a6f765b"]
    by_end = data(order_column="end_date", order_dir="desc")["data"]
    assert by_end[0]["end_date"] == "2026-07-04"
    found = data(search="2026-07-02")
    assert found["recordsTotal"] == 5 and found["recordsFiltered"] == 4
    assert data(search="6FDA8BA5")["data"][0]["id"] == 67938


@pytest.mark.parametrize(
    "params, message",
    [
        ({"order_column": "message_text"}, "order_column"),
        ({"order_column": "uuid", "order_dir": "random"}, "order_dir"),
        ({"start": "-"}, "Parameter start must be an integer"),
    ],
)
def test_bad_input_is_a_400(call_api, params, message):
    status, body = call_api("get_newsletter_log", **params)
    assert status == 400
    assert body["response"]["result"] == "error"
    assert message in body["response"]["message"]
