"""get_library_watch_time_stats and get_library_user_stats (reference 1.2, 1.3).

History refers to a library by section_id; numbers are checked against a plain Python
computation over the rows built here, on one or several servers.
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
from users.models import User

pytestmark = pytest.mark.django_db

NOW = FROZEN_NOW  # the clock every test runs at (conftest)
DAY = dt.timedelta(days=1)
MARGIN = dt.timedelta(minutes=10)


def make_play(server, user, *, section_id, **play):
    """A movie's history row in library ``section_id`` (``play`` as for conftest.bake_play)."""
    return bake_play(server, user, section_id=section_id, media_type="movie", **play)


expected_windows = partial(expected_watch_windows, now=NOW)


@pytest.fixture
def servers():
    return (
        baker.make(Server, name="Main", machine_identifier="main-machine"),
        baker.make(Server, name="Cabin", machine_identifier="cabin-machine"),
    )


@pytest.fixture
def users():
    return (
        baker.make(User, user_id=133788, username="jon", friendly_name="Jon Snow"),
        baker.make(User, user_id=8008135, username="dany", thumb="https://plex.tv/d"),
    )


@pytest.fixture
def movies(servers, users):
    """Section 1 of the main server: plays around each window edge, a continuation, paused
    time. Section 2 and the other server's section 1 are noise for section 1 on Main."""
    main, cabin = servers
    jon, dany = users
    first = make_play(main, jon, section_id=1, stopped=NOW - 3 * MARGIN, seconds=600, paused=90)
    rows = [
        first,
        make_play(main, jon, section_id=1, stopped=NOW - MARGIN, seconds=300, continues=first),
        make_play(main, dany, section_id=1, stopped=NOW - DAY + MARGIN, seconds=1000),
        make_play(main, dany, section_id=1, stopped=NOW - DAY - MARGIN, seconds=1100),
        make_play(main, dany, section_id=1, stopped=NOW - 7 * DAY + MARGIN, seconds=1200),
        make_play(main, jon, section_id=1, stopped=NOW - 7 * DAY - MARGIN, seconds=1300),
        make_play(main, dany, section_id=1, stopped=NOW - 30 * DAY + MARGIN, seconds=1400),
        make_play(main, jon, section_id=1, stopped=NOW - 30 * DAY - MARGIN, seconds=1500),
        make_play(main, dany, section_id=1, stopped=NOW - 365 * DAY, seconds=1600),
    ]
    make_play(main, jon, section_id=2, stopped=NOW - MARGIN, seconds=5000)
    cabin_rows = [make_play(cabin, jon, section_id=1, stopped=NOW - MARGIN, seconds=4000)]
    return rows, cabin_rows


@pytest.mark.parametrize("grouping", [1, 0])
def test_watch_time_stats_of_a_section_on_one_server(call_api, movies, grouping):
    rows, _ = movies
    status, body = call_api(
        "get_library_watch_time_stats", section_id=1, server="main-machine", grouping=grouping
    )
    assert status == 200 and body["response"]["result"] == "success"
    assert body["response"]["data"] == expected_windows(
        rows, [1, 7, 30, 0], grouping=bool(grouping)
    )


def test_watch_time_stats_without_server_span_every_server(call_api, movies):
    rows, cabin_rows = movies
    data = call_api("get_library_watch_time_stats", section_id=1, query_days="0,1")[1]
    assert data["response"]["data"] == expected_windows(rows + cabin_rows, [0, 1], grouping=True)
    captured = load_fixture("tautulli-dart/media/get_item_watch_time_stats.json")["response"]
    assert list(data["response"]["data"][0]) == list(captured["data"][0])


def test_watch_time_stats_of_an_unplayed_section_are_zero(call_api, movies):
    data = call_api("get_library_watch_time_stats", section_id=7)[1]["response"]["data"]
    assert data == [{"query_days": d, "total_time": 0, "total_plays": 0} for d in (1, 7, 30, 0)]


def test_user_stats_most_plays_first(call_api, movies, users):
    rows, _ = movies
    jon, dany = users
    status, body = call_api("get_library_user_stats", section_id=1, server="Main")
    assert status == 200
    data = body["response"]["data"]
    dany_rows = [r for r in rows if r.user_id == dany.user_id]
    jon_rows = [r for r in rows if r.user_id == jon.user_id]
    assert data == [
        {
            "friendly_name": "dany",
            "user_id": 8008135,
            "user_thumb": "https://plex.tv/d",
            "username": "dany",
            "total_plays": len(dany_rows),
            "total_time": sum(r.play_duration for r in dany_rows),
        },
        {
            "friendly_name": "Jon Snow",
            "user_id": 133788,
            "user_thumb": "interfaces/default/images/gravatar-default-80x80.png",
            "username": "jon",
            "total_plays": len({r.reference_id for r in jon_rows}),
            "total_time": sum(r.play_duration for r in jon_rows),
        },
    ]
    captured = load_fixture("tautulli-dart/media/get_item_user_stats.json")["response"]["data"]
    assert list(data[0]) == list(captured[0])

    ungrouped = call_api("get_library_user_stats", section_id=1, server="Main", grouping=0)[1]
    jon_row = ungrouped["response"]["data"][1]
    assert jon_row["total_plays"] == len(jon_rows)


def test_user_stats_across_servers_plays_first_then_time(call_api, movies):
    # grouped: dany 5 plays (6300 s) before jon 4 plays (7700 s): plays win over time
    data = call_api("get_library_user_stats", section_id=1)[1]["response"]["data"]
    assert [(r["user_id"], r["total_plays"], r["total_time"]) for r in data] == [
        (8008135, 5, 6300),
        (133788, 4, 7700),
    ]
    # ungrouped: 5 rows each, the tie goes to the most time
    data = call_api("get_library_user_stats", section_id=1, grouping=0)[1]["response"]["data"]
    assert [(r["user_id"], r["total_plays"]) for r in data] == [(133788, 5), (8008135, 5)]


@pytest.mark.parametrize(
    "cmd", ["get_library_watch_time_stats", "get_library_user_stats"], ids=["time", "users"]
)
@pytest.mark.parametrize(
    "params, message",
    [
        ({}, "Parameter section_id is required"),
        ({"section_id": "movies"}, "Parameter section_id must be an integer"),
        ({"section_id": "1", "grouping": "yes please"}, "grouping"),
        ({"section_id": "1", "server": "nowhere"}, "Unknown server"),
    ],
)
def test_bad_input_answers_400(call_api, cmd, params, message):
    status, body = call_api(cmd, **params)
    assert status == 400 and body["response"]["result"] == "error"
    assert message in body["response"]["message"]


# --- on an imported Tautulli database (2000 rows) ---------------------------------------------


def test_imported_library_stats_match_the_source(call_api, imported_tautulli, make_tautulli_db):

    result = imported_tautulli()
    source = sqlite3.connect(make_tautulli_db())
    sections = [row[0] for row in source.execute("SELECT DISTINCT section_id FROM session_history")]
    assert len(sections) >= 3
    for section_id in sections:
        before = int(time.time())
        data = call_api(
            "get_library_watch_time_stats", section_id=section_id, server=result.server.pk
        )[1]["response"]["data"]
        after = int(time.time())
        candidates = [
            source_watch_windows(source, "section_id = ?", [section_id], [1, 7, 30, 0], now)
            for now in (before, after)
        ]
        assert data in candidates, section_id

        users = call_api("get_library_user_stats", section_id=section_id)[1]["response"]["data"]
        expected = source_user_stats(source, "section_id = ?", [section_id])
        assert {(u["user_id"], u["total_plays"], u["total_time"]) for u in users} == set(expected)
        assert [u["total_plays"] for u in users] == [row[1] for row in expected]
    source.close()
