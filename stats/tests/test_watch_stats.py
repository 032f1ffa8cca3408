"""Watch-time statistics of users and libraries read from the watch-time rollup
(stats.watch_stats): equal to the plain computation over history rows
(history.stats.watch_time_stats / user_stats) for every window, grouping, scope and time zone,
and current after history changes."""

import datetime as dt

import pytest
from django.db.models import Count

from conftest import bake_play, shared_import
from core import clock
from history.models import History
from history.stats import player_stats as plain_player_stats
from history.stats import rating_key_q
from history.stats import user_stats as plain_user_stats
from history.stats import watch_time_stats as plain_watch_time_stats
from stats.item_stats import item_user_stats, item_watch_time_stats
from stats.models import DailyWatchTime
from stats.player_stats import user_player_stats
from stats.watch_stats import Scope, user_stats, watch_time_stats
from users.models import User

imported = shared_import(
    "imported", history_rows=3000, users=12, days=400, time_zone="Pacific/Auckland"
)

# Windows inside a month, across months and years, longer than the history, and all time.
QUERY_DAYS = [1, 2, 7, 30, 45, 90, 365, 400, 0, 10**9]

pytestmark = pytest.mark.django_db


def _history(scope: Scope):
    return History.objects.filter(scope.q())


def _scopes() -> list[Scope]:
    users = sorted(set(History.objects.values_list("user_id", flat=True)) - {None})
    sections = sorted(set(History.objects.values_list("section_id", flat=True)) - {None})
    server_id = History.objects.values_list("server_id", flat=True).first()
    return [
        *(Scope(user_id=user_id) for user_id in users),
        *(Scope(section_id=section_id) for section_id in sections),
        Scope(user_id=users[0], server_id=server_id),
        Scope(section_id=sections[0], server_id=server_id),
        Scope(server_id=server_id),
        Scope(),
    ]


def _item_keys() -> list[int]:
    """Shows, seasons, albums and artists (the most played and others), and a few movies,
    episodes and tracks."""
    keys = set()
    for level in ("parent_rating_key", "grandparent_rating_key"):
        by_plays = History.objects.values(level).annotate(n=Count("id")).order_by("-n", level)
        keys |= {row[level] for row in by_plays[:12]} | {row[level] for row in by_plays[40:45]}
    for media_type in ("movie", "episode", "track"):
        own = History.objects.filter(media_type=media_type).values_list("rating_key", flat=True)
        keys |= set(own.order_by("rating_key")[:5])
    return sorted(keys - {None})


def assert_equal_to_plain(grouping: bool, now=None):
    for scope in _scopes():
        expected = plain_watch_time_stats(_history(scope), QUERY_DAYS, grouping=grouping, now=now)
        assert watch_time_stats(scope, QUERY_DAYS, grouping=grouping, now=now) == expected, scope
        if scope.user_id is None:
            expected_users = plain_user_stats(_history(scope), grouping=grouping)
            assert user_stats(scope, grouping=grouping) == expected_users, scope
        else:
            expected_players = plain_player_stats(_history(scope), grouping=grouping)
            players = user_player_stats(scope.user_id, grouping=grouping, server_id=scope.server_id)
            assert players == expected_players, scope
    server_id = History.objects.values_list("server_id", flat=True).first()
    keys = _item_keys()
    assert len(keys) > 20
    for rating_key in keys:
        for server in (None, server_id):
            rows = History.objects.filter(rating_key_q([rating_key]))
            rows = rows.filter(server_id=server) if server else rows
            expected = plain_watch_time_stats(rows, QUERY_DAYS, grouping=grouping, now=now)
            found = item_watch_time_stats(
                rating_key, QUERY_DAYS, grouping=grouping, server_id=server, now=now
            )
            assert found == expected, (rating_key, server)
            expected_users = plain_user_stats(rows, grouping=grouping)
            found_users = item_user_stats(rating_key, grouping=grouping, server_id=server)
            assert found_users == expected_users, (rating_key, server)


@pytest.mark.parametrize("grouping", [True, False], ids=["grouped", "rows"])
def test_every_user_and_library_equals_the_plain_computation(imported, settings, grouping):
    settings.TIME_ZONE = "Pacific/Auckland"  # the zone the rollup was built in
    assert len(_scopes()) > 10
    assert any(
        row["total_plays"]
        for row in plain_watch_time_stats(History.objects.all(), [1, 7], grouping=grouping)
    )
    assert_equal_to_plain(grouping)
    # Windows whose first day is cut at another hour, and the 1st of a month.
    for hours in (5, 13, 23):
        assert_equal_to_plain(grouping, now=clock.now() - dt.timedelta(days=17, hours=hours))


@pytest.mark.parametrize("grouping", [True, False], ids=["grouped", "rows"])
def test_mixed_plays_midnight_and_changes_stay_equal(imported, settings, grouping):
    """A play continued by another user, in another library, across midnight; a row without a
    stop time; later edits and deletions: each is seen by the next read."""
    settings.TIME_ZONE = "Pacific/Auckland"
    first, second = User.objects.filter(user_id__in=History.objects.values("user_id"))[:2]
    server = History.objects.first().server
    now = clock.now()
    midnight = dt.datetime.combine(
        (now - dt.timedelta(days=2)).astimezone(dt.UTC).date(), dt.time(), tzinfo=dt.UTC
    )
    row = bake_play(
        server, first, stopped=midnight - dt.timedelta(minutes=5), seconds=600, section_id=1
    )
    bake_play(
        server,
        second,
        stopped=midnight + dt.timedelta(hours=2),
        seconds=300,
        continues=row,
        section_id=2,
    )
    bake_play(server, first, stopped=now - dt.timedelta(hours=3), seconds=900, section_id=1)
    History.objects.filter(pk=bake_play(server, first, stopped=now, seconds=60).pk).update(
        stopped=None
    )
    assert_equal_to_plain(grouping)
    History.objects.filter(pk=row.pk).update(play_duration=1234, stopped=now)
    assert_equal_to_plain(grouping)
    History.objects.filter(pk=row.pk).delete()
    assert_equal_to_plain(grouping)


def test_api_answers_from_the_rollup(imported, settings, call_api):
    settings.TIME_ZONE = "Pacific/Auckland"
    user_id = History.objects.values_list("user_id", flat=True).first()
    section_id = History.objects.values_list("section_id", flat=True).first()
    assert DailyWatchTime.objects.filter(user_id=user_id).exists()
    cases = [
        ("get_user_watch_time_stats", {"user_id": user_id}, Scope(user_id=user_id)),
        ("get_library_watch_time_stats", {"section_id": section_id}, Scope(section_id=section_id)),
    ]
    for command, params, scope in cases:
        data = call_api(command, grouping=1, **params)[1]["response"]["data"]
        assert data == plain_watch_time_stats(_history(scope), [1, 7, 30, 0], grouping=True)
    users = call_api("get_library_user_stats", section_id=section_id, grouping=0)[1]
    assert users["response"]["data"] == plain_user_stats(
        _history(Scope(section_id=section_id)), grouping=False
    )


@pytest.mark.parametrize("grouping", [True, False], ids=["grouped", "rows"])
def test_item_window_starting_within_a_second_of_a_stop(imported, grouping):
    """A window's start falls between whole seconds: a show's play that stopped on the second
    before it is out of the window, one that stopped on the second after is in (rows, time and
    plays alike)."""
    server = History.objects.first().server
    user = User.objects.filter(user_id__in=History.objects.values("user_id")).first()
    stop = clock.now().replace(microsecond=0) - dt.timedelta(days=3)
    show = dict(media_type="episode", rating_key=9_000_001, parent_rating_key=9_000_002)
    show["grandparent_rating_key"] = 9_000_003
    bake_play(server, user, stopped=stop, seconds=600, **show)
    bake_play(server, user, stopped=stop + dt.timedelta(seconds=1), seconds=300, **show)
    rows = History.objects.filter(rating_key_q([9_000_003]))
    for now in (stop + dt.timedelta(days=7), stop + dt.timedelta(days=7, microseconds=500_000)):
        expected = plain_watch_time_stats(rows, [7, 0], grouping=grouping, now=now)
        assert item_watch_time_stats(9_000_003, [7, 0], grouping=grouping, now=now) == expected
    assert expected[0]["total_time"] == 300
