"""delete_history (reference 1.2): rows go from the three history tables, plays are regrouped."""

import pytest

from history.models import History, HistoryGroup, HistoryMediaInfo, HistoryMetadata
from history.tests.test_get_history import history, library  # noqa: F401 - the fixture


def delete(call_api, row_ids):
    return call_api("delete_history", row_ids=row_ids)


def test_deleting_answers_like_tautulli(call_api, library):  # noqa: F811
    status, body = delete(call_api, "4")
    assert status == 200
    assert body == {"response": {"result": "success", "message": "Deleted history.", "data": {}}}


def test_rows_leave_all_three_tables(call_api, library):  # noqa: F811
    delete(call_api, "4,7")
    for model in (History, HistoryMetadata, HistoryMediaInfo):
        assert not model.objects.filter(pk__in=[4, 7]).exists()
    assert History.objects.count() == 5
    data = history(call_api)
    assert data["recordsTotal"] == 5 and data["recordsFiltered"] == 3


def test_deleting_the_latest_row_of_a_play_shows_the_one_before(call_api, library):  # noqa: F811
    delete(call_api, "2")
    play = next(row for row in history(call_api)["data"] if row["reference_id"] == 1)
    assert play["row_id"] == 1 and play["group_count"] == 1 and play["group_ids"] == "1"
    assert play["platform"] == "Android" and play["duration"] == 30 * 60 - 60
    assert play["percent_complete"] == 80


def test_deleting_the_first_row_of_a_play_keeps_the_rest(call_api, library):  # noqa: F811
    delete(call_api, "3")
    data = history(call_api)
    play = next(row for row in data["data"] if row["reference_id"] == 3)
    assert play["row_id"] == 6 and play["group_ids"] == "6" and play["duration"] == 90 * 60
    assert data["recordsFiltered"] == 5


def test_deleting_a_whole_play(call_api, library):  # noqa: F811
    delete(call_api, "1,2")
    data = history(call_api)
    assert [row["reference_id"] for row in data["data"]].count(1) == 0
    assert data["recordsFiltered"] == 4 and data["recordsTotal"] == 5
    assert not HistoryGroup.objects.filter(pk=1).exists()


def test_unknown_ids_are_ignored(call_api, library):  # noqa: F811
    status, body = delete(call_api, "999,1000")
    assert status == 200 and body["response"]["message"] == "Deleted history."
    assert History.objects.count() == 7


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "No row ids received."),
        ({"row_ids": ""}, "No row ids received."),
        ({"row_ids": " , "}, "No row ids received."),
        ({"row_ids": "1,two"}, "Parameter row_ids must be a comma-separated list of integers"),
    ],
)
def test_bad_row_ids_answer_400(call_api, library, params, message):  # noqa: F811
    status, body = call_api("delete_history", **params)
    assert status == 400
    assert body["response"] == {"result": "error", "message": message, "data": {}}
    assert History.objects.count() == 7
