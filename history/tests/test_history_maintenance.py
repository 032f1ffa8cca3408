"""History maintenance commands (reference 1.2): regroup_history, delete_all_user_history,
delete_all_library_history, delete_library (update_metadata_details: plex/tests/
test_update_metadata_details.py)."""

from django_q.models import OrmQ

from history.models import History, HistoryGroup, HistoryMetadata
from history.regroup import regroup_history
from history.tests.test_get_history import history, library  # noqa: F401 - the fixture
from libraries.models import Library


def envelope(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    return status, body["response"]


def test_regroup_history_is_queued_with_tautullis_message(call_api, library):  # noqa: F811
    status, response = envelope(call_api, "regroup_history")
    assert status == 200 and response["result"] == "success"
    assert response["message"] == (
        "Regrouping play history started. Check the logs to monitor any problems."
    )
    assert OrmQ.objects.count() == 1


def test_regrouping_restores_plays_that_were_split(call_api, library):  # noqa: F811
    History.objects.filter(pk=2).update(reference_id=2)  # a resume wrongly split off
    History.objects.filter(pk=4).update(reference_id=1)  # a track wrongly joined
    changed = regroup_history()
    assert changed == 2
    assert History.objects.get(pk=2).reference_id == 1
    assert History.objects.get(pk=4).reference_id == 4
    assert HistoryGroup.objects.get(pk=1).group_count == 2


def test_regrouping_changes_nothing_when_grouping_is_right(library):  # noqa: F811
    before = dict(History.objects.values_list("id", "reference_id"))
    assert regroup_history() == 0
    assert dict(History.objects.values_list("id", "reference_id")) == before


def test_delete_all_user_history_keeps_the_user(call_api, library):  # noqa: F811
    status, response = envelope(call_api, "delete_all_user_history", user_id=101)
    assert status == 200 and response["message"] == "Deleted user history."
    assert not History.objects.filter(user_id=101).exists()
    assert not HistoryMetadata.objects.filter(history__user_id=101).exists()
    assert History.objects.count() == 4
    assert history(call_api)["recordsTotal"] == 4


def test_delete_all_user_history_by_row_ids(call_api, library):  # noqa: F811
    from users.models import User

    row_ids = ",".join(
        str(pk) for pk in User.objects.filter(user_id__in=[101, 102]).values_list("pk", flat=True)
    )
    envelope(call_api, "delete_all_user_history", row_ids=row_ids)
    assert set(History.objects.values_list("user_id", flat=True)) == {103}


def test_delete_all_user_history_without_ids(call_api, library):  # noqa: F811
    status, response = envelope(call_api, "delete_all_user_history")
    assert status == 400 and response["message"] == "No user id or row ids received."
    assert History.objects.count() == 7


def test_delete_all_library_history(call_api, library):  # noqa: F811
    status, response = envelope(
        call_api, "delete_all_library_history", server_id="pms1", section_id=1
    )
    assert status == 200 and response["message"] == "Deleted library history."
    assert not History.objects.filter(section_id=1).exists()
    assert History.objects.count() == 5


def test_delete_all_library_history_of_an_unknown_server(call_api, library):  # noqa: F811
    status, response = envelope(
        call_api, "delete_all_library_history", server_id="nope", section_id=1
    )
    assert status == 400 and response["result"] == "error"
    assert History.objects.count() == 7


def test_delete_library_flags_it_and_erases_its_history(call_api, library):  # noqa: F811
    server = History.objects.first().server
    movies = Library.objects.create(server=server, section_id=1, section_name="Movies")
    status, response = envelope(call_api, "delete_library", row_ids=str(movies.pk))
    assert status == 200 and response["message"] == "Deleted library."
    movies.refresh_from_db()
    assert movies.deleted_section and not movies.keep_history and not movies.do_notify
    assert not movies.do_notify_created
    assert not History.objects.filter(section_id=1).exists()
    status, response = envelope(call_api, "undelete_library", section_id=1)
    assert response["message"] == "Re-added library with section_id 1."
    movies.refresh_from_db()
    assert not movies.deleted_section and movies.keep_history and movies.do_notify_created
