"""/api/v2 get_deletion_candidates and get_rule_sets: Tautulli's envelope and table shape, epoch
times, filters, order and paging, and Tautulli's error envelope for bad input (never a 500)."""

import pytest

from housekeeping.models import Candidate

from .test_api import GB, NOW, TRACE, build_candidates

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return build_candidates()


def table(call_api, **params):
    status, body = call_api("get_deletion_candidates", **params)
    assert status == 200, body
    assert body["response"]["result"] == "success", body
    return body["response"]["data"]


def test_the_table_of_one_rule_set(data, call_api):
    answer = table(call_api, rule_set_id=data["movies_rule"].pk)
    assert (answer["recordsTotal"], answer["recordsFiltered"], answer["draw"]) == (3, 3, 1)
    rows = answer["data"]
    assert [row["rating_key"] for row in rows] == [52, 50, 51]  # due soonest first
    big = rows[1]
    assert big["id"] == data["big"].pk and big["title"] == "Big Movie"
    assert (big["rule_set"], big["status"], big["size"]) == ("Old movies", "pending", 8 * GB)
    assert big["due_at"] == int(NOW.timestamp()) + 2 * 86400
    assert big["first_matched_at"] == int(NOW.timestamp()) - 10 * 86400
    assert big["trace"] == TRACE and big["plays"] == 2 and big["server_name"] == "Home"


def test_status_filter_order_and_paging(data, call_api):
    answer = table(call_api, status="pending", order="-size")
    assert (answer["recordsTotal"], answer["recordsFiltered"]) == (5, 4)
    assert [row["rating_key"] for row in answer["data"]] == [50, 1, 51, 11]
    answer = table(call_api, order_column="due_at", order_dir="desc", start=1, length=2)
    assert [row["rating_key"] for row in answer["data"]] == [11, 50]
    answer = table(call_api, search="alien")
    assert answer["recordsFiltered"] == 1 and answer["data"][0]["rating_key"] == 51


def test_rule_sets(data, call_api):
    status, body = call_api("get_rule_sets")
    assert status == 200 and body["response"]["result"] == "success"
    rows = {row["name"]: row for row in body["response"]["data"]}
    assert rows["Old movies"]["reclaimable_bytes"] == 10 * GB
    assert rows["Old movies"]["candidate_count"] == 2
    assert rows["Old movies"]["next_due_at"] == int(NOW.timestamp()) + 2 * 86400
    assert rows["Old TV"]["status_counts"] == {"pending": 2}
    status, body = call_api("get_rule_sets", rule_set_id=data["tv_rule"].pk)
    assert [row["name"] for row in body["response"]["data"]] == ["Old TV"]


@pytest.mark.parametrize(
    "cmd,params,message",
    [
        ("get_deletion_candidates", {"rule_set_id": "abc"}, "rule_set_id"),
        ("get_deletion_candidates", {"rule_set_id": "999999"}, "No rule set"),
        ("get_deletion_candidates", {"status": "gone"}, "status"),
        ("get_deletion_candidates", {"order": "colour"}, "order"),
        ("get_deletion_candidates", {"order_column": "colour"}, "order_column"),
        ("get_deletion_candidates", {"order_dir": "sideways"}, "order_dir"),
        ("get_deletion_candidates", {"start": "-1"}, "start"),
        ("get_deletion_candidates", {"json_data": "{not json"}, ""),
        ("get_rule_sets", {"rule_set_id": "0"}, "rule_set_id"),
        ("get_rule_sets", {"rule_set_id": "999999"}, "No rule set"),
    ],
)
def test_bad_input_gets_the_error_envelope(data, call_api, cmd, params, message):
    status, body = call_api(cmd, **params)
    assert status == 400, body
    assert body["response"]["result"] == "error"
    assert message in body["response"]["message"]
    assert Candidate.objects.count() == 5
