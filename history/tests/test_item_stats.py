"""get_item_watch_time_stats and get_item_user_stats (reference 1.2, 1.3 "Watch-time stats").

An item matches at any level (episode, season, show); numbers are checked against a plain
Python computation over the rows built here, shapes against the real v2.17.2 captures.
"""

import datetime as dt
import sqlite3
import time
from functools import partial

import pytest
from model_bakery import baker

from conftest import (
    FROZEN_NOW,
    bake_play,
    expected_watch_windows,
    load_fixture,
    source_user_stats,
    source_watch_windows,
)
from servers.models import Server
from users.models import DEFAULT_USER_THUMB, User

pytestmark = pytest.mark.django_db

NOW = FROZEN_NOW  # the clock every test runs at (conftest)
DAY = dt.timedelta(days=1)
MARGIN = dt.timedelta(minutes=10)

SHOW, SEASON_1, SEASON_2 = 100, 110, 120
EPISODE_1, EPISODE_2, EPISODE_3 = 111, 112, 121


def make_play(server, user, *, rating_key, **play):
    """A history row of ``rating_key`` (an episode of SHOW unless it is 900+, a movie); ``play``:
    ``stopped``, ``seconds``, ``paused``, ``continues`` as for :func:`conftest.bake_play`."""
    episode = rating_key < 900
    return bake_play(
        server,
        user,
        **play,
        rating_key=rating_key,
        parent_rating_key=(SEASON_1 if rating_key < 120 else SEASON_2) if episode else None,
        grandparent_rating_key=SHOW if episode else None,
        media_type="episode" if episode else "movie",
    )


expected_windows = partial(expected_watch_windows, now=NOW)


def expected_users(rows, *, grouping):
    per_user = {}
    for row in rows:
        per_user.setdefault(row.user, []).append(row)
    result = [
        {
            "friendly_name": user.display_name,
            "user_id": user.user_id,
            "user_thumb": user.user_thumb,
            "username": user.username,
            "total_plays": len({r.reference_id for r in user_rows}) if grouping else len(user_rows),
            "total_time": sum(r.play_duration for r in user_rows),
        }
        for user, user_rows in per_user.items()
    ]
    return sorted(result, key=lambda r: (-r["total_plays"], -r["total_time"], r["user_id"]))


@pytest.fixture
def server():
    return baker.make(Server, name="Main", machine_identifier="main-machine")


@pytest.fixture
def users():
    return {
        "jon": baker.make(
            User, user_id=1601089, username="jsnow", friendly_name="Jon Snow", thumb="https://t/j"
        ),
        "dany": baker.make(User, user_id=8008135, username="DanyKhaleesi69", friendly_name=" "),
        "arya": baker.make(
            User, user_id=42, username="arya", thumb="https://t/a", custom_avatar_url="https://c/a"
        ),
    }


@pytest.fixture
def plays(server, users):
    """Episode plays just inside/outside each window, a grouped continuation, paused time,
    other users, and rows of a movie that must never count for the show."""
    jon, dany, arya = users["jon"], users["dany"], users["arya"]
    first = make_play(server, jon, stopped=NOW - 2 * MARGIN, seconds=900, paused=30, rating_key=111)
    rows = [
        first,
        make_play(server, jon, stopped=NOW - MARGIN, seconds=400, rating_key=111, continues=first),
        make_play(server, dany, stopped=NOW - DAY + MARGIN, seconds=1300, rating_key=112),
        make_play(server, dany, stopped=NOW - DAY - MARGIN, seconds=1250, rating_key=112),
        make_play(server, jon, stopped=NOW - 7 * DAY + MARGIN, seconds=2000, rating_key=121),
        make_play(server, arya, stopped=NOW - 7 * DAY - MARGIN, seconds=2100, rating_key=121),
        make_play(server, arya, stopped=NOW - 30 * DAY + MARGIN, seconds=700, rating_key=111),
        make_play(server, dany, stopped=NOW - 30 * DAY - MARGIN, seconds=650, rating_key=121),
        make_play(server, jon, stopped=NOW - 500 * DAY, seconds=1800, rating_key=112),
    ]
    make_play(server, jon, stopped=NOW - MARGIN, seconds=5000, rating_key=950)  # a movie
    return rows


@pytest.mark.parametrize(
    "rating_key, selects",
    [
        (SHOW, lambda r: True),
        (SEASON_1, lambda r: r.parent_rating_key == SEASON_1),
        (SEASON_2, lambda r: r.parent_rating_key == SEASON_2),
        (EPISODE_2, lambda r: r.rating_key == EPISODE_2),
    ],
)
@pytest.mark.parametrize("grouping", [1, 0])
def test_watch_time_stats_at_every_level(call_api, plays, rating_key, selects, grouping):
    status, body = call_api("get_item_watch_time_stats", rating_key=rating_key, grouping=grouping)
    assert status == 200 and body["response"]["result"] == "success"
    rows = [r for r in plays if selects(r)]
    assert body["response"]["data"] == expected_windows(
        rows, [1, 7, 30, 0], grouping=bool(grouping)
    )


def test_watch_time_stats_shape_matches_the_capture(call_api, plays):
    data = call_api("get_item_watch_time_stats", rating_key=SHOW)[1]["response"]["data"]
    captured = load_fixture("tautulli-dart/media/get_item_watch_time_stats.json")["response"]
    assert [list(row) for row in data] == [list(row) for row in captured["data"]]
    assert all(isinstance(v, int) for row in data for v in row.values())
    # default grouping is settings.GROUP_HISTORY_TABLES (on)
    assert data == expected_windows(plays, [1, 7, 30, 0], grouping=True)


def test_watch_time_stats_custom_days_and_unknown_item(call_api, plays):
    data = call_api("get_item_watch_time_stats", rating_key=SHOW, query_days="7,0,1")[1]
    assert data["response"]["data"] == expected_windows(plays, [7, 0, 1], grouping=True)
    data = call_api("get_item_watch_time_stats", rating_key=4242)[1]["response"]["data"]
    assert data == [{"query_days": d, "total_time": 0, "total_plays": 0} for d in (1, 7, 30, 0)]


def test_watch_time_stats_server_filter(call_api, plays, users):
    other = baker.make(Server, name="Second", machine_identifier="second-machine")
    make_play(other, users["jon"], stopped=NOW - MARGIN, seconds=77, rating_key=EPISODE_1)
    own = call_api("get_item_watch_time_stats", rating_key=SHOW, server="Main")[1]
    assert own["response"]["data"] == expected_windows(plays, [1, 7, 30, 0], grouping=True)
    both = call_api("get_item_watch_time_stats", rating_key=SHOW)[1]["response"]["data"]
    assert both[0]["total_time"] == own["response"]["data"][0]["total_time"] + 77


@pytest.mark.parametrize("grouping", [1, 0])
def test_user_stats_per_user_most_plays_first(call_api, plays, grouping):
    status, body = call_api("get_item_user_stats", rating_key=SHOW, grouping=grouping)
    assert status == 200
    assert body["response"]["data"] == expected_users(plays, grouping=bool(grouping))


def test_user_stats_shape_matches_the_capture(call_api, plays):
    data = call_api("get_item_user_stats", rating_key=SEASON_1)[1]["response"]["data"]
    captured = load_fixture("tautulli-dart/media/get_item_user_stats.json")["response"]["data"]
    assert all(list(row) == list(captured[0]) for row in data)
    for row in data:
        for key, value in captured[0].items():
            assert type(row[key]) is type(value), key
    by_name = {row["username"]: row for row in data}
    assert by_name["DanyKhaleesi69"]["friendly_name"] == "DanyKhaleesi69"  # blank → username
    assert by_name["DanyKhaleesi69"]["user_thumb"] == DEFAULT_USER_THUMB
    assert by_name["arya"]["user_thumb"] == "https://c/a"  # custom avatar wins
    assert by_name["jsnow"]["friendly_name"] == "Jon Snow"


def test_user_stats_leave_out_rows_without_a_known_user(call_api, server, plays):
    make_play(server, None, stopped=NOW, seconds=99, rating_key=EPISODE_1)
    data = call_api("get_item_user_stats", rating_key=SHOW)[1]["response"]["data"]
    assert data == expected_users(plays, grouping=True)
    assert call_api("get_item_user_stats", rating_key=4242)[1]["response"]["data"] == []


@pytest.mark.parametrize(
    "cmd", ["get_item_watch_time_stats", "get_item_user_stats"], ids=["watch_time", "users"]
)
@pytest.mark.parametrize(
    "params, message",
    [
        ({}, "Parameter rating_key is required"),
        ({"rating_key": "abc"}, "Parameter rating_key must be an integer"),
        ({"rating_key": "1", "grouping": "2"}, "grouping"),
        ({"rating_key": "1", "server": "missing"}, "Unknown server"),
    ],
)
def test_bad_input_answers_400(call_api, cmd, params, message):
    status, body = call_api(cmd, **params)
    assert status == 400 and body["response"]["result"] == "error"
    assert message in body["response"]["message"]


def test_bad_query_days_answers_400(call_api):
    status, body = call_api("get_item_watch_time_stats", rating_key=1, query_days="1,week")
    assert status == 400 and "query_days" in body["response"]["message"]


# --- on an imported Tautulli database (2000 rows) ---------------------------------------------


def test_imported_item_stats_match_the_source(call_api, imported_tautulli, make_tautulli_db):

    imported_tautulli()
    source = sqlite3.connect(make_tautulli_db())
    matches = "(grandparent_rating_key = ? OR parent_rating_key = ? OR rating_key = ?)"
    show, season = source.execute(
        "SELECT grandparent_rating_key, parent_rating_key FROM session_history "
        "WHERE media_type = 'episode' GROUP BY grandparent_rating_key ORDER BY COUNT(*) DESC"
    ).fetchone()
    movie = source.execute(
        "SELECT rating_key FROM session_history WHERE media_type = 'movie' "
        "GROUP BY rating_key ORDER BY COUNT(*) DESC"
    ).fetchone()[0]
    for key in (show, season, movie):
        before = int(time.time())
        data = call_api("get_item_watch_time_stats", rating_key=key)[1]["response"]["data"]
        after = int(time.time())
        candidates = [
            source_watch_windows(source, matches, [key, key, key], [1, 7, 30, 0], now)
            for now in (before, after)
        ]
        assert data in candidates, key

        users = call_api("get_item_user_stats", rating_key=key)[1]["response"]["data"]
        expected = source_user_stats(source, matches, [key, key, key])
        assert {(u["user_id"], u["total_plays"], u["total_time"]) for u in users} == set(expected)
        assert [u["total_plays"] for u in users] == [row[1] for row in expected]
    source.close()
