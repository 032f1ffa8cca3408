"""The graph commands as a client sees them: /api/v2 (envelope, shapes, filters, errors) and
the REST endpoint /api/stats/graphs/{name} with its OpenAPI entry.

Plays are baked on fixed local dates and every request names its range with ``after``/``before``
(or checks only the shape of the default window), so no test depends on today's date.
"""

import datetime as dt

import pytest
from django.utils import timezone
from model_bakery import baker

from conftest import bake_play
from history.models import HistoryMediaInfo, HistoryMetadata
from libraries.models import Library
from servers.models import Server
from stats.graphs import GRAPH_TITLES, GRAPHS
from users.models import User

pytestmark = pytest.mark.django_db

COMMANDS = [f"get_{name}" for name in GRAPHS]
MEDIA_GRAPHS = [
    "get_plays_by_date",
    "get_plays_by_dayofweek",
    "get_plays_by_hourofday",
    "get_plays_per_month",
    "get_plays_by_top_10_platforms",
    "get_plays_by_top_10_users",
]
RANGE = {"after": "2026-03-01", "before": "2026-03-07"}


def local(day: str, clock: str = "20:00") -> dt.datetime:
    """An aware datetime at local ``day`` ``clock`` (settings.TIME_ZONE)."""
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day}T{clock}"))


def play(server, user, *, stopped, seconds=1200, live=False, decision="direct play", **fields):
    """A History row with its metadata (live flag) and media info (transcode decision)."""
    fields.setdefault("media_type", "movie")
    fields.setdefault("platform", "Chrome")
    fields.setdefault("section_id", 1)
    row = bake_play(server, user, stopped=stopped, seconds=seconds, **fields)
    baker.make(HistoryMetadata, history=row, live=live, full_title=f"Title {row.pk}")
    baker.make(
        HistoryMediaInfo, history=row, transcode_decision=decision, video_full_resolution="1080"
    )
    return row


def data_of(body) -> dict:
    assert body["response"]["result"] == "success", body
    return body["response"]["data"]


def series(graph: dict) -> dict[str, list[int]]:
    return {s["name"]: s["data"] for s in graph["series"]}


def column(graph: dict, category: str) -> dict[str, int]:
    index = graph["categories"].index(category)
    return {s["name"]: s["data"][index] for s in graph["series"]}


@pytest.fixture
def server():
    return baker.make(Server, name="Main", machine_identifier="main-machine")


@pytest.fixture
def libraries(server):
    return {
        "movies": baker.make(
            Library, server=server, section_id=1, section_name="Films", section_type="movie"
        ),
        "tv": baker.make(
            Library, server=server, section_id=2, section_name="Shows", section_type="show"
        ),
    }


@pytest.fixture
def users():
    return {
        "jon": baker.make(User, user_id=1001, username="jsnow", friendly_name="Jon Snow"),
        "dany": baker.make(User, user_id=1002, username="dany", friendly_name=" "),
        "arya": baker.make(User, user_id=1003, username="arya", friendly_name="Arya"),
    }


# --- shapes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_answers_tautullis_shape(call_api, server, libraries, users, command):
    play(server, users["jon"], stopped=local("2026-03-03"), media_type="episode", section_id=2)
    status, body = call_api(command, **RANGE)
    assert status == 200
    assert body["response"]["result"] == "success" and body["response"]["message"] is None
    graph = body["response"]["data"]
    assert list(graph) == ["categories", "series"]
    assert all(isinstance(c, str) for c in graph["categories"])
    assert graph["series"], command
    for item in graph["series"]:
        assert list(item) == ["name", "data"] and isinstance(item["name"], str)
        assert len(item["data"]) == len(graph["categories"])
        assert all(type(value) is int for value in item["data"])
    assert sum(sum(item["data"]) for item in graph["series"]) > 0, command


def test_default_windows(call_api, server, libraries, users):
    dates = data_of(call_api("get_plays_by_date")[1])["categories"]
    today = timezone.localdate()
    assert len(dates) == 30 and dates[-1] == today.isoformat()
    assert dates[0] == (today - dt.timedelta(days=29)).isoformat()
    assert len(data_of(call_api("get_plays_by_date", time_range=7)[1])["categories"]) == 7
    months = data_of(call_api("get_plays_per_month")[1])["categories"]
    assert len(months) == 12 and months[-1] == today.strftime("%b %Y")
    assert data_of(call_api("get_plays_by_dayofweek")[1])["categories"] == [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ]
    hours = data_of(call_api("get_plays_by_hourofday")[1])["categories"]
    assert hours == [f"{h:02d}" for h in range(24)]


def test_registry_matches_the_commands():
    from core.tautulli_api import COMMANDS as REGISTERED

    assert set(GRAPHS) == set(GRAPH_TITLES) and len(GRAPHS) == 13
    assert all(f"get_{name}" in REGISTERED for name in GRAPHS)
    assert "plays_by_library" in GRAPHS


def test_docs_describe_the_new_parameters(call_api):
    doc = data_of(call_api("docs")[1])["get_plays_by_date"]
    for word in ("time_range", "after", "before", "section_id", "server", "y_axis", "Total"):
        assert word in doc


# --- counting ------------------------------------------------------------------------------------


def test_dates_are_zero_filled_and_series_follow_libraries(call_api, server, libraries, users):
    play(server, users["jon"], stopped=local("2026-03-03"))
    play(server, users["jon"], stopped=local("2026-03-05"), media_type="episode", section_id=2)
    graph = data_of(call_api("get_plays_by_date", **RANGE)[1])
    assert graph["categories"] == [f"2026-03-0{d}" for d in range(1, 8)]
    # Movie and show libraries exist: TV and Movies; no music library, no live play.
    assert series(graph) == {
        "TV": [0, 0, 0, 0, 1, 0, 0],
        "Movies": [0, 0, 1, 0, 0, 0, 0],
        "Total": [0, 0, 1, 0, 1, 0, 0],
    }


def test_live_tv_appears_when_played_without_a_library(call_api, server, libraries, users):
    play(server, users["jon"], stopped=local("2026-03-02"), media_type="episode", live=True)
    graph = data_of(call_api("get_plays_by_date", **RANGE)[1])
    assert [s["name"] for s in graph["series"]] == ["TV", "Movies", "Live TV", "Total"]
    assert column(graph, "2026-03-02") == {"TV": 0, "Movies": 0, "Live TV": 1, "Total": 1}
    # Once live TV was played, its series stays in every range (as Tautulli's Live TV library).
    later = data_of(call_api("get_plays_by_hourofday", after="2026-04-01", before="2026-04-02")[1])
    assert [s["name"] for s in later["series"]] == ["TV", "Movies", "Live TV"]


def test_plays_of_a_removed_library_type_stay_visible(call_api, server, libraries, users):
    baker.make(
        Library,
        server=server,
        section_id=3,
        section_name="Old music",
        section_type="artist",
        deleted_section=True,
    )
    play(server, users["jon"], stopped=local("2026-03-02"), media_type="track", section_id=3)
    graph = data_of(call_api("get_plays_by_date", **RANGE)[1])
    assert series(graph)["Music"] == [0, 1, 0, 0, 0, 0, 0]
    # Without plays in the range, no library of that type: no Music series.
    graph = data_of(call_api("get_plays_by_date", after="2026-04-01", before="2026-04-02")[1])
    assert [s["name"] for s in graph["series"]] == ["TV", "Movies", "Total"]


def test_y_axis_duration_sums_seconds(call_api, server, libraries, users):
    play(server, users["jon"], stopped=local("2026-03-03"), seconds=1800, paused=120)
    play(server, users["dany"], stopped=local("2026-03-03", "22:00"), seconds=600)
    graph = data_of(call_api("get_plays_by_date", y_axis="duration", **RANGE)[1])
    assert column(graph, "2026-03-03")["Movies"] == 2400  # paused time excluded
    top = data_of(call_api("get_plays_by_top_10_users", y_axis="duration", **RANGE)[1])
    assert top["categories"] == ["Jon Snow", "dany"]  # a blank friendly name shows the username
    assert series(top)["Movies"] == [1800, 600]


def test_grouping_counts_a_play_once(call_api, server, libraries, users):
    first = play(server, users["jon"], stopped=local("2026-03-03", "20:00"))
    play(server, users["jon"], stopped=local("2026-03-03", "21:00"), continues=first)
    grouped = data_of(call_api("get_plays_by_date", grouping=1, **RANGE)[1])
    rows = data_of(call_api("get_plays_by_date", grouping=0, **RANGE)[1])
    assert column(grouped, "2026-03-03")["Movies"] == 1
    assert column(rows, "2026-03-03")["Movies"] == 2
    for command, name in (
        ("get_plays_by_top_10_platforms", "Movies"),
        ("get_plays_by_stream_type", "Direct Play"),
        ("get_plays_by_hourofday", "Movies"),
        ("get_plays_per_month", "Movies"),
    ):
        for grouping, expected in ((1, 1), (0, 2)):
            graph = data_of(call_api(command, grouping=grouping, **RANGE)[1])
            assert sum(series(graph)[name]) == expected, (command, grouping)


def test_a_play_over_two_months_counts_in_each_month_once(call_api, server, libraries, users):
    first = play(server, users["jon"], stopped=local("2026-01-30"))
    second = play(server, users["jon"], stopped=local("2026-01-31"), continues=first)
    play(server, users["jon"], stopped=local("2026-02-01"), continues=second)
    params = {"after": "2026-01-01", "before": "2026-02-28"}
    months = data_of(call_api("get_plays_per_month", **params)[1])
    assert months["categories"] == ["Jan 2026", "Feb 2026"]
    assert series(months)["Movies"] == [1, 1]
    days = data_of(call_api("get_plays_by_date", **params)[1])
    assert sum(series(days)["Movies"]) == 3  # one play on three dates
    top = data_of(call_api("get_plays_by_top_10_platforms", **params)[1])
    assert series(top)["Movies"] == [1]  # one play begun in the range
    # A range starting after the play began: the play shows on its dates, not in the top 10.
    later = {"after": "2026-01-31", "before": "2026-02-28"}
    assert sum(series(data_of(call_api("get_plays_by_date", **later)[1]))["Movies"]) == 2
    assert data_of(call_api("get_plays_by_top_10_platforms", **later)[1])["categories"] == []


def test_hour_and_day_of_week(call_api, server, libraries, users, settings):
    play(server, users["jon"], stopped=local("2026-03-02", "08:50"), seconds=600)  # Mon 08:40
    play(server, users["jon"], stopped=local("2026-03-07", "23:59"), seconds=600)  # Sat 23:49
    hours = data_of(call_api("get_plays_by_hourofday", **RANGE)[1])
    assert column(hours, "08")["Movies"] == 1 and column(hours, "23")["Movies"] == 1
    days = data_of(call_api("get_plays_by_dayofweek", **RANGE)[1])
    assert series(days)["Movies"] == [0, 1, 0, 0, 0, 0, 1]
    settings.WEEK_START_MONDAY = True
    days = data_of(call_api("get_plays_by_dayofweek", **RANGE)[1])
    assert days["categories"][0] == "Monday" and days["categories"][-1] == "Sunday"
    assert series(days)["Movies"] == [1, 0, 0, 0, 0, 1, 0]


def test_a_play_on_the_fall_back_day(call_api, server, libraries, users, settings):
    """America/New_York falls back on 2026-11-01: 01:30 happens twice (EDT, then EST)."""
    settings.TIME_ZONE = "America/New_York"
    utc = dt.UTC
    starts = {
        dt.datetime(2026, 11, 1, 4, 30, tzinfo=utc): "00",  # 00:30 EDT
        dt.datetime(2026, 11, 1, 5, 30, tzinfo=utc): "01",  # 01:30 EDT
        dt.datetime(2026, 11, 1, 6, 30, tzinfo=utc): "01",  # 01:30 EST, the second 01:30
        dt.datetime(2026, 11, 2, 4, 30, tzinfo=utc): "23",  # 23:30 EST, still November 1st
        dt.datetime(2026, 11, 2, 5, 30, tzinfo=utc): "00",  # 00:30 EST on November 2nd
    }
    for started in starts:
        play(server, users["jon"], stopped=started + dt.timedelta(minutes=10), seconds=600)
    params = {"after": "2026-10-31", "before": "2026-11-02"}
    days = data_of(call_api("get_plays_by_date", **params)[1])
    assert series(days)["Movies"] == [0, 4, 1]
    hours = data_of(call_api("get_plays_by_hourofday", **params)[1])
    assert {
        h: n for h, n in zip(hours["categories"], series(hours)["Movies"], strict=True) if n
    } == {
        "00": 2,
        "01": 2,
        "23": 1,
    }
    one_day = data_of(
        call_api("get_plays_by_hourofday", after="2026-11-01", before="2026-11-01")[1]
    )
    assert sum(series(one_day)["Movies"]) == 4
    week = data_of(call_api("get_plays_by_dayofweek", **params)[1])
    assert column(week, "Sunday")["Movies"] == 4 and column(week, "Monday")["Movies"] == 1


# --- filters -------------------------------------------------------------------------------------


def test_user_and_section_filters(call_api, server, libraries, users):
    play(server, users["jon"], stopped=local("2026-03-03"), section_id=1)
    play(server, users["dany"], stopped=local("2026-03-03"), section_id=1)
    play(server, users["arya"], stopped=local("2026-03-03"), media_type="episode", section_id=2)

    def total(**params):
        graph = data_of(call_api("get_plays_by_date", **RANGE, **params)[1])
        return column(graph, "2026-03-03")["Total"]

    assert total() == 3
    assert total(user_id="1001") == 1
    assert total(user_id="1001,1003") == 2
    assert total(section_id="2") == 1
    assert total(section_id="1,2", user_id="1002") == 1
    assert total(user_id="999") == 0
    top = data_of(call_api("get_plays_by_top_10_users", section_id="1", **RANGE)[1])
    assert top["categories"] == ["Jon Snow", "dany"]


def test_server_filter_with_two_servers(call_api, server, libraries, users):
    other = baker.make(Server, name="Cabin", machine_identifier="cabin-machine")
    baker.make(Library, server=other, section_id=1, section_name="Films", section_type="movie")
    baker.make(Library, server=other, section_id=7, section_name="Tunes", section_type="artist")
    play(server, users["jon"], stopped=local("2026-03-03"))
    play(other, users["jon"], stopped=local("2026-03-03", "20:10"), decision="transcode")
    play(other, users["dany"], stopped=local("2026-03-04"), media_type="track", section_id=7)

    def graph(command, **params):
        return data_of(call_api(command, **RANGE, **params)[1])

    assert sum(series(graph("get_plays_by_date"))["Total"]) == 3
    assert sum(series(graph("get_plays_by_date", server="Cabin"))["Total"]) == 2
    assert sum(series(graph("get_plays_by_date", server=str(server.pk)))["Total"]) == 1
    assert sum(series(graph("get_plays_by_date", server="cabin-machine"))["Total"]) == 2
    # The series follow the libraries of the server asked for (Music only on the cabin's).
    assert "Music" not in series(graph("get_plays_by_date", server="Main"))
    assert "Music" in series(graph("get_plays_by_date", server="Cabin"))
    streams = graph("get_plays_by_stream_type", server="Cabin")
    assert column(streams, "2026-03-03") == {"Direct Play": 0, "Direct Stream": 0, "Transcode": 1}
    concurrent = graph("get_concurrent_streams_by_stream_type")
    assert column(concurrent, "2026-03-03")["Max. Concurrent Streams"] == 2  # overlapping
    concurrent = graph("get_concurrent_streams_by_stream_type", server="Main")
    assert column(concurrent, "2026-03-03")["Max. Concurrent Streams"] == 1
    # A library name on both servers is told apart by the server's name.
    libraries_graph = graph("get_plays_by_library")
    assert [s["name"] for s in libraries_graph["series"]] == [
        "Films (Cabin)",
        "Films (Main)",
        "Tunes",
    ]


def test_custom_range(call_api, server, libraries, users):
    play(server, users["jon"], stopped=local("2026-02-28", "23:30"), seconds=600)
    play(server, users["jon"], stopped=local("2026-03-01", "00:20"), seconds=600)
    graph = data_of(call_api("get_plays_by_date", after="2026-03-01", before="2026-03-03")[1])
    assert graph["categories"] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert series(graph)["Movies"] == [1, 0, 0]  # the play of the 28th is outside
    one = data_of(call_api("get_plays_by_date", after="2026-02-28", before="2026-02-28")[1])
    assert one["categories"] == ["2026-02-28"] and series(one)["Movies"] == [1]
    ending = data_of(call_api("get_plays_by_date", before="2026-03-01", time_range=2)[1])
    assert ending["categories"] == ["2026-02-28", "2026-03-01"]
    months = data_of(call_api("get_plays_per_month", after="2026-02-15", before="2026-03-02")[1])
    assert months["categories"] == ["Feb 2026", "Mar 2026"]
    assert series(months)["Movies"] == [1, 1]


# --- top 10, resolutions, libraries, concurrency -------------------------------------------------


def test_top_platforms_use_displayed_names_and_keep_ten(call_api, server, libraries, users):
    platforms = ["osx", "macOS", "Konvergo", ""] + [f"Zeta {n:02d}" for n in range(10)]
    for platform in platforms:
        play(server, users["jon"], stopped=local("2026-03-03"), platform=platform)
    play(server, users["jon"], stopped=local("2026-03-04"), platform="Konvergo")
    graph = data_of(call_api("get_plays_by_top_10_platforms", **RANGE)[1])
    # osx + macOS make one macOS bar; Konvergo is Plex Media Player; no platform is Unknown;
    # most plays first, ties by name; ten bars.
    assert graph["categories"] == [
        "Plex Media Player",
        "macOS",
        "Unknown",
        *(f"Zeta {n:02d}" for n in range(7)),
    ]
    assert series(graph) == {"TV": [0] * 10, "Movies": [2, 2] + [1] * 8}
    by_type = data_of(call_api("get_stream_type_by_top_10_platforms", **RANGE)[1])
    assert by_type["categories"] == graph["categories"]
    assert series(by_type)["Direct Play"] == [2, 2] + [1] * 8


def test_stream_types_and_resolutions(call_api, server, libraries, users):
    jon, dany = users["jon"], users["dany"]
    play(server, jon, stopped=local("2026-03-03"), decision="direct play")
    play(server, jon, stopped=local("2026-03-03", "21:00"), decision="copy")
    transcoded = play(server, dany, stopped=local("2026-03-04"), decision="transcode")
    HistoryMediaInfo.objects.filter(pk=transcoded.pk).update(
        video_full_resolution="4k", video_decision="transcode", transcode_height=720
    )
    music = play(server, dany, stopped=local("2026-03-04", "22:00"), media_type="track")
    HistoryMediaInfo.objects.filter(pk=music.pk).update(video_full_resolution="")

    streams = data_of(call_api("get_plays_by_stream_type", **RANGE)[1])
    assert column(streams, "2026-03-03") == {"Direct Play": 1, "Direct Stream": 1, "Transcode": 0}
    assert column(streams, "2026-03-04") == {"Direct Play": 1, "Direct Stream": 0, "Transcode": 1}
    source = data_of(call_api("get_plays_by_source_resolution", **RANGE)[1])
    assert source["categories"] == ["1080", "4k"]  # the track is not counted
    assert series(source) == {"Direct Play": [1, 0], "Direct Stream": [1, 0], "Transcode": [0, 1]}
    stream = data_of(call_api("get_plays_by_stream_resolution", **RANGE)[1])
    assert stream["categories"] == ["1080", "720"]  # transcoded from 4k to 720
    users_graph = data_of(call_api("get_stream_type_by_top_10_users", **RANGE)[1])
    assert users_graph["categories"] == ["Jon Snow", "dany"]  # 2 each: ties by name
    assert series(users_graph) == {
        "Direct Play": [1, 1],
        "Direct Stream": [1, 0],
        "Transcode": [0, 1],
    }


def test_plays_by_library(call_api, server, libraries, users):
    play(server, users["jon"], stopped=local("2026-03-03"), section_id=1)
    play(server, users["jon"], stopped=local("2026-03-04"), section_id=1, seconds=300)
    play(server, users["jon"], stopped=local("2026-03-04", "22:00"), section_id=2, seconds=100)
    play(server, users["jon"], stopped=local("2026-03-05"), section_id=9)  # removed library
    graph = data_of(call_api("get_plays_by_library", **RANGE)[1])
    assert graph["categories"][0] == "2026-03-01" and len(graph["categories"]) == 7
    assert series(graph) == {
        "Films": [0, 0, 1, 1, 0, 0, 0],
        "Library 9": [0, 0, 0, 0, 1, 0, 0],
        "Shows": [0, 0, 0, 1, 0, 0, 0],
    }
    duration = data_of(call_api("get_plays_by_library", y_axis="duration", **RANGE)[1])
    assert series(duration)["Films"][3] == 300 and series(duration)["Shows"][3] == 100
    only = data_of(call_api("get_plays_by_library", section_id="2", **RANGE)[1])
    assert [s["name"] for s in only["series"]] == ["Shows"]


def test_concurrent_streams(call_api, server, libraries, users):
    jon, dany, arya = users["jon"], users["dany"], users["arya"]
    # 2026-03-03: jon 19:40-20:00 direct play, dany 19:50-20:10 transcode, arya 20:10-20:30
    # (starts when dany stops: not simultaneous). A stream crossing midnight into the 4th.
    play(server, jon, stopped=local("2026-03-03", "20:00"), seconds=1200)
    play(server, dany, stopped=local("2026-03-03", "20:10"), seconds=1200, decision="transcode")
    play(server, arya, stopped=local("2026-03-03", "20:30"), seconds=1200, decision="transcode")
    play(server, jon, stopped=local("2026-03-04", "00:30"), seconds=3600)
    graph = data_of(call_api("get_concurrent_streams_by_stream_type", **RANGE)[1])
    assert [s["name"] for s in graph["series"]] == [
        "Direct Play",
        "Direct Stream",
        "Transcode",
        "Max. Concurrent Streams",
    ]
    assert column(graph, "2026-03-03") == {
        "Direct Play": 1,
        "Direct Stream": 0,
        "Transcode": 1,
        "Max. Concurrent Streams": 2,
    }
    assert column(graph, "2026-03-04")["Max. Concurrent Streams"] == 1  # from the day before
    assert column(graph, "2026-03-05")["Max. Concurrent Streams"] == 0
    # Filtered by user: computed from those users' streams.
    filtered = data_of(
        call_api("get_concurrent_streams_by_stream_type", user_id="1002,1003", **RANGE)[1]
    )
    assert column(filtered, "2026-03-03") == {
        "Direct Play": 0,
        "Direct Stream": 0,
        "Transcode": 1,
        "Max. Concurrent Streams": 1,
    }
    assert column(filtered, "2026-03-04")["Max. Concurrent Streams"] == 0
    jon_only = data_of(
        call_api("get_concurrent_streams_by_stream_type", user_id="1001", **RANGE)[1]
    )
    assert column(jon_only, "2026-03-04")["Max. Concurrent Streams"] == 1
    by_section = data_of(
        call_api("get_concurrent_streams_by_stream_type", section_id="1", **RANGE)[1]
    )
    assert column(by_section, "2026-03-03")["Max. Concurrent Streams"] == 2


def test_new_history_shows_at_once(call_api, server, libraries, users):
    assert sum(series(data_of(call_api("get_plays_by_date", **RANGE)[1]))["Total"]) == 0
    play(server, users["jon"], stopped=local("2026-03-03"))
    assert sum(series(data_of(call_api("get_plays_by_date", **RANGE)[1]))["Total"]) == 1


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, words",
    [
        ({"time_range": "abc"}, "time_range"),
        ({"time_range": "0"}, "time_range"),
        ({"y_axis": "bogus"}, "y_axis"),
        ({"after": "2026-03-07", "before": "2026-03-01"}, "after"),
        ({"after": "03/01/2026"}, "after"),
        ({"user_id": "jon"}, "user_id"),
        ({"section_id": "1;2"}, "section_id"),
        ({"grouping": "maybe"}, "grouping"),
        ({"server": "nowhere"}, "server"),
        ({"after": "0001-01-01", "before": "9999-12-31"}, "range"),
    ],
)
@pytest.mark.parametrize("command", ["get_plays_by_date", "get_plays_per_month"])
def test_bad_input_answers_the_error_envelope(call_api, server, command, params, words):
    status, body = call_api(command, **params)
    assert status == 400
    assert body["response"]["result"] == "error"
    assert words in body["response"]["message"].lower()
    assert body["response"]["data"] == {}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_rejects_bad_input(call_api, command):
    status, body = call_api(command, y_axis="bogus")
    assert status == 400 and body["response"]["result"] == "error"
    status, body = call_api(command, after="2026-03-07", before="2026-03-01")
    assert status == 400 and body["response"]["result"] == "error"


# --- REST ----------------------------------------------------------------------------------------


def test_rest_graph(rest_get, server, libraries, users):
    play(server, users["jon"], stopped=local("2026-03-03"), seconds=900)
    play(server, users["dany"], stopped=local("2026-03-04"), seconds=300, section_id=2)
    status, graph = rest_get("/api/stats/graphs/plays_by_date", **RANGE)
    assert status == 200
    assert graph["categories"][0] == "2026-03-01" and len(graph["categories"]) == 7
    assert series(graph)["Total"] == [0, 0, 1, 1, 0, 0, 0]
    status, graph = rest_get(
        "/api/stats/graphs/plays_by_date", y_axis="duration", user_id=[1001, 1002], **RANGE
    )
    assert status == 200 and series(graph)["Total"] == [0, 0, 900, 300, 0, 0, 0]
    status, graph = rest_get("/api/stats/graphs/plays_by_date", user_id=1002, **RANGE)
    assert series(graph)["Total"] == [0, 0, 0, 1, 0, 0, 0]
    status, graph = rest_get("/api/stats/graphs/plays_by_library", section_id=2, **RANGE)
    assert [s["name"] for s in graph["series"]] == ["Shows"]
    status, graph = rest_get("/api/stats/graphs/plays_per_month", time_range=3, grouping=False)
    assert status == 200 and len(graph["categories"]) == 3
    status, graph = rest_get("/api/stats/graphs/plays_by_date", server="Main", **RANGE)
    assert status == 200 and sum(series(graph)["Total"]) == 2
    status, titles = rest_get("/api/stats/graphs")
    assert status == 200 and titles == GRAPH_TITLES


def test_rest_graph_errors(client, rest_get, server):
    status, body = rest_get("/api/stats/graphs/plays_by_nothing")
    assert status == 422 and body["detail"][0]["loc"] == ["path", "name"]
    assert "plays_by_date" in body["detail"][0]["msg"]
    status, body = rest_get("/api/stats/graphs/plays_by_date", y_axis="bogus")
    assert status == 422 and body["detail"][0]["loc"] == ["query", "y_axis"]
    status, body = rest_get("/api/stats/graphs/plays_by_date", time_range="abc")
    assert status == 422
    status, body = rest_get("/api/stats/graphs/plays_by_date", after="2026-13-01")
    assert status == 422
    status, body = rest_get("/api/stats/graphs/plays_by_date", user_id="jon")
    assert status == 422
    status, body = rest_get(
        "/api/stats/graphs/plays_by_date", after="2026-03-07", before="2026-03-01"
    )
    assert status == 400 and "after" in body["detail"]
    status, body = rest_get("/api/stats/graphs/plays_by_date", server="nowhere")
    assert status == 400 and "nowhere" in body["detail"]
    assert client.get("/api/stats/graphs/plays_by_date").status_code == 401


def test_rest_graph_openapi(admin_client):
    schema = admin_client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/stats/graphs/{name}"]["get"]
    parameters = {p["name"] for p in operation["parameters"]}
    assert parameters >= {
        "name",
        "time_range",
        "after",
        "before",
        "user_id",
        "section_id",
        "server",
        "grouping",
        "y_axis",
    }
    assert "plays_by_library" in operation["description"]
    assert set(operation["responses"]) == {"200", "400", "401", "422"}
    name = next(p for p in operation["parameters"] if p["name"] == "name")
    assert name["schema"]["enum"] == list(GRAPHS)
    graph = schema["components"]["schemas"]["GraphOut"]["properties"]
    assert graph["categories"]["items"]["type"] == "string"
    series_schema = schema["components"]["schemas"]["GraphSeries"]["properties"]
    assert series_schema["data"]["items"]["type"] == "integer"
    assert "seconds" in series_schema["data"]["description"]


@pytest.mark.parametrize("command", COMMANDS)
def test_queries_do_not_grow_with_the_data(call_api, server, libraries, users, command):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count_queries() -> int:
        call_api(command, **RANGE)  # brings the rollup up to date
        with CaptureQueriesContext(connection) as queries:
            assert call_api(command, user_id="1001,1002,1003", **RANGE)[0] == 200
        return len(queries)

    play(server, users["jon"], stopped=local("2026-03-03"))
    few = count_queries()
    for index, user in enumerate(users.values()):
        for day in range(1, 8):
            play(server, user, stopped=local(f"2026-03-0{day}"), platform=f"P{index}{day}")
    assert count_queries() == few
    assert few <= 8
