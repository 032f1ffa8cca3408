"""get_user_watch_time_stats read from the per-user play totals: equal to the plain computation
over the user's history rows (history.stats.watch_time_stats) for every window and grouping."""

import datetime as dt

import pytest

from conftest import bake_play, shared_import
from core import clock
from history.models import History
from history.stats import user_watch_time_stats, watch_time_stats
from users.models import User

imported = shared_import("imported", history_rows=3000, users=12, days=365)

QUERY_DAYS = [1, 2, 7, 30, 90, 365, 400, 0, 10**9]

pytestmark = pytest.mark.django_db


def _plain(user_id, grouping):
    history = History.objects.for_user(user_id)
    return watch_time_stats(history, QUERY_DAYS, grouping=grouping)


def _user_ids():
    return sorted(set(History.objects.values_list("user_id", flat=True)) - {None})


@pytest.mark.parametrize("grouping", [True, False], ids=["grouped", "rows"])
def test_every_user_equals_the_plain_computation(imported, grouping):
    users = _user_ids()
    assert len(users) > 5
    for user_id in users:
        expected = _plain(user_id, grouping)
        assert any(row["total_plays"] for row in expected)
        assert user_watch_time_stats(user_id, QUERY_DAYS, grouping=grouping) == expected


@pytest.mark.parametrize("grouping", [True, False], ids=["grouped", "rows"])
def test_mixed_plays_and_changes_stay_equal(imported, grouping):
    """A play continued by another user counts for both; later writes are seen."""
    first, second = _user_ids()[:2]
    server = History.objects.first().server
    users = {user.user_id: user for user in User.objects.filter(user_id__in=[first, second])}
    now = clock.now()
    row = bake_play(server, users[first], stopped=now - dt.timedelta(hours=30), seconds=600)
    bake_play(
        server, users[second], stopped=now - dt.timedelta(hours=2), seconds=300, continues=row
    )
    for user_id in (first, second):
        assert user_watch_time_stats(user_id, QUERY_DAYS, grouping=grouping) == _plain(
            user_id, grouping
        )
    History.objects.filter(pk=row.pk).update(play_duration=1234)
    assert user_watch_time_stats(first, QUERY_DAYS, grouping=grouping) == _plain(first, grouping)


def test_api_answers_from_the_totals(imported, call_api):
    user_id = _user_ids()[0]
    data = call_api("get_user_watch_time_stats", user_id=user_id, grouping=1)[1]
    assert data["response"]["data"] == watch_time_stats(
        History.objects.for_user(user_id), [1, 7, 30, 0], grouping=True
    )
