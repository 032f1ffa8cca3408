"""/api/v2 library commands: get_libraries, get_library, get_library_names, get_libraries_table,
edit_library — shapes against Tautulli v2.17.2's documented examples, numbers against a plain
computation over the same history."""

import datetime as dt
import json
import re
import sqlite3
from collections import defaultdict

import pytest
from model_bakery import baker

from conftest import bake_play, load_fixture
from history.models import HistoryMetadata
from libraries.models import Library
from servers.models import Server

T0 = dt.datetime(2026, 6, 1, 20, 0, tzinfo=dt.UTC)

TABLE_ROW_KEYS = [
    "row_id",
    "server_id",
    "section_id",
    "section_name",
    "section_type",
    "count",
    "parent_count",
    "child_count",
    "library_thumb",
    "library_art",
    "plays",
    "duration",
    "last_accessed",
    "history_row_id",
    "last_played",
    "rating_key",
    "media_type",
    "thumb",
    "parent_title",
    "year",
    "media_index",
    "parent_media_index",
    "content_rating",
    "labels",
    "live",
    "originally_available_at",
    "guid",
    "do_notify",
    "do_notify_created",
    "keep_history",
    "is_active",
]


def documented_keys(cmd: str) -> set[str]:
    """The JSON keys of the example in Tautulli v2.17.2's docstring of ``cmd``."""
    doc = load_fixture("tautulli-dart/api/docs.json")["response"]["data"][cmd]
    return set(re.findall(r'"(\w+)":', doc.split("Returns:")[1]))


@pytest.fixture
def server(db):
    return baker.make(
        Server,
        name="TestServer",
        machine_identifier="e" * 40,
        url="http://192.0.2.10:32400",
    )


@pytest.fixture
def libraries(server):
    """Movies, TV Shows, Music, Photos, Live TV and a deleted library on the first server."""
    return {
        "movies": baker.make(
            Library,
            server=server,
            section_id=1,
            section_name="Movies",
            section_type="movie",
            agent="tv.plex.agents.movie",
            thumb="/:/resources/movie.png",
            art="/:/resources/movie-fanart.jpg",
            count=887,
        ),
        "tv": baker.make(
            Library,
            server=server,
            section_id=2,
            section_name="TV Shows",
            section_type="show",
            agent="tv.plex.agents.series",
            thumb="/:/resources/show.png",
            art="/:/resources/show-fanart.jpg",
            count=62,
            parent_count=240,
            child_count=3745,
        ),
        "music": baker.make(
            Library,
            server=server,
            section_id=3,
            section_name="music",
            section_type="artist",
            agent="tv.plex.agents.music",
            thumb="/:/resources/artist.png",
            count=200,
            parent_count=430,
            child_count=4800,
        ),
        "photos": baker.make(
            Library,
            server=server,
            section_id=5,
            section_name="Photos",
            section_type="photo",
            agent="com.plexapp.agents.none",
            count=10,
            parent_count=2,
            child_count=300,
        ),
        "live": baker.make(
            Library,
            server=server,
            section_id=999999,
            section_name="Live TV",
            section_type="live",
            thumb="interfaces/default/images/live-tv.png",
        ),
        "deleted": baker.make(
            Library,
            server=server,
            section_id=7,
            section_name="Old Stuff",
            section_type="movie",
            deleted_section=True,
        ),
    }


def play(server, section_id, *, started, minutes, paused=0, reference=None, **metadata):
    """A history row (+ metadata) of ``minutes`` played minutes, ``paused`` seconds paused."""
    row = bake_play(
        server,
        None,
        stopped=started + dt.timedelta(minutes=minutes, seconds=paused),
        seconds=minutes * 60,
        paused=paused,
        continues=reference,
        section_id=section_id,
        rating_key=metadata.pop("rating_key", None),
        media_type=metadata.get("media_type"),
    )
    baker.make(HistoryMetadata, history=row, **metadata)
    return row


def test_get_libraries_lists_the_servers_sections_with_string_counts(call_api, libraries):
    status, body = call_api("get_libraries")
    assert status == 200
    assert body["response"]["result"] == "success"
    data = body["response"]["data"]
    # Live TV is not a Plex section and deleted libraries are gone: as Plex lists them.
    assert [item["section_name"] for item in data] == ["Movies", "TV Shows", "music", "Photos"]
    tv = data[1]
    assert tv == {
        "section_id": "2",
        "section_name": "TV Shows",
        "section_type": "show",
        "agent": "tv.plex.agents.series",
        "thumb": "/:/resources/show.png",
        "art": "/:/resources/show-fanart.jpg",
        "count": "62",
        "is_active": 1,
        "parent_count": "240",
        "child_count": "3745",
    }
    # Movie libraries have no parent/child counts.
    assert "parent_count" not in data[0] and "child_count" not in data[0]
    # Keys of Tautulli's documented example, plus the agent it also returns.
    assert set(tv) == documented_keys("get_libraries") | {"agent"}


def test_get_libraries_without_server_is_an_empty_list(call_api):
    assert call_api("get_libraries")[1]["response"]["data"] == []
    assert call_api("get_library_names")[1]["response"]["data"] == []


def test_get_libraries_is_scoped_to_the_server_parameter(call_api, libraries):
    other = baker.make(Server, name="Other", machine_identifier="f" * 40)
    baker.make(Library, server=other, section_id=9, section_name="Anime", section_type="show")
    data = call_api("get_libraries", server="Other")[1]["response"]["data"]
    assert [item["section_id"] for item in data] == ["9"]
    data = call_api("get_libraries", server="f" * 40)[1]["response"]["data"]
    assert [item["section_name"] for item in data] == ["Anime"]


def test_get_library_names(call_api, libraries):
    data = call_api("get_library_names")[1]["response"]["data"]
    assert data[0] == {
        "section_id": 1,
        "section_name": "Movies",
        "section_type": "movie",
        "agent": "tv.plex.agents.movie",
    }
    assert [item["section_id"] for item in data] == [1, 2, 3, 5, 999999]
    assert set(data[0]) == documented_keys("get_library_names") | {"agent"}


def test_get_library_details_and_last_accessed(call_api, server, libraries):
    play(server, 1, started=T0, minutes=90, full_title="Heat", media_type="movie")
    latest = play(server, 1, started=T0 + dt.timedelta(days=2), minutes=5, media_type="movie")
    status, body = call_api("get_library", section_id=1)
    assert status == 200
    data = body["response"]["data"]
    assert data == {
        "row_id": libraries["movies"].pk,
        "server_id": "e" * 40,
        "section_id": 1,
        "section_name": "Movies",
        "section_type": "movie",
        "library_thumb": "/:/resources/movie.png",
        "library_art": "/:/resources/movie-fanart.jpg",
        "count": 887,
        "parent_count": None,
        "child_count": None,
        "is_active": 1,
        "do_notify": 1,
        "do_notify_created": 1,
        "keep_history": 1,
        "deleted_section": 0,
        "last_accessed": None,
    }
    assert set(data) == documented_keys("get_library")
    with_last = call_api("get_library", section_id=1, include_last_accessed=1)[1]
    assert with_last["response"]["data"]["last_accessed"] == int(latest.started.timestamp())


def test_get_library_unknown_section_answers_tautullis_placeholder(call_api, libraries):
    data = call_api("get_library", section_id=42)[1]["response"]["data"]
    assert data["row_id"] == 0 and data["section_name"] == "Local"
    assert list(data) == list(call_api("get_library", section_id=1)[1]["response"]["data"])


@pytest.mark.parametrize(
    "params, message",
    [
        ({}, "Parameter section_id is required"),
        ({"section_id": "abc"}, "Parameter section_id must be an integer, got 'abc'"),
        ({"section_id": "1", "include_last_accessed": "maybe"}, "include_last_accessed"),
        ({"section_id": "1", "server": "nope"}, "Unknown server: nope"),
    ],
)
def test_get_library_bad_input_is_a_400(call_api, libraries, params, message):
    status, body = call_api("get_library", **params)
    assert status == 400
    assert body["response"]["result"] == "error"
    assert message in body["response"]["message"]
    assert body["response"]["data"] == {}


def test_edit_library_changes_only_the_given_settings(call_api, libraries):
    status, body = call_api(
        "edit_library", section_id=2, custom_thumb="https://img.example/tv.png", keep_history=0
    )
    assert status == 200
    assert body["response"] == {
        "result": "success",
        "message": "Successfully updated library.",
        "data": {},
    }
    tv = Library.objects.get(pk=libraries["tv"].pk)
    assert tv.custom_thumb_url == "https://img.example/tv.png"
    assert tv.keep_history is False
    assert tv.do_notify is True and tv.custom_art_url == libraries["tv"].custom_art_url
    data = call_api("get_library", section_id=2)[1]["response"]["data"]
    assert data["library_thumb"] == "https://img.example/tv.png"
    assert data["keep_history"] == 0
    # An empty custom thumb clears it: PMS's thumb shows again.
    call_api("edit_library", section_id=2, custom_thumb="")
    data = call_api("get_library", section_id=2)[1]["response"]["data"]
    assert data["library_thumb"] == "/:/resources/show.png"


@pytest.mark.parametrize(
    "params, message",
    [
        ({}, "Parameter section_id is required"),
        ({"section_id": "2", "keep_history": "perhaps"}, "keep_history must be 0 or 1"),
        ({"section_id": "42"}, "No library with section_id 42"),
    ],
)
def test_edit_library_bad_input_is_a_400(call_api, libraries, params, message):
    status, body = call_api("edit_library", **params)
    assert status == 400
    assert message in body["response"]["message"]


@pytest.fixture
def history(server, libraries):
    """Plays in Movies and TV (TV has a resumed play), none in Music; plus a second server's
    section 1, which must not count for the first server's Movies."""
    rows = []
    rows.append(play(server, 1, started=T0, minutes=100, paused=60, media_type="movie"))
    first = play(server, 2, started=T0 + dt.timedelta(hours=1), minutes=20, media_type="episode")
    rows.append(first)
    rows.append(
        play(
            server,
            2,
            started=T0 + dt.timedelta(hours=2),
            minutes=25,
            paused=30,
            reference=first,
            media_type="episode",
        )
    )
    rows.append(
        play(
            server,
            2,
            started=T0 + dt.timedelta(days=1),
            minutes=44,
            rating_key=153037,
            media_type="episode",
            full_title="Game of Thrones - The Red Woman",
            title="The Red Woman",
            parent_title="Season 6",
            grandparent_title="Game of Thrones",
            thumb="/library/metadata/153037/thumb/1",
            parent_thumb="/library/metadata/153036/thumb/1462175062",
            grandparent_thumb="/library/metadata/153035/thumb/1",
            year=2016,
            media_index=1,
            parent_media_index=6,
            content_rating="TV-MA",
            labels="Fantasy;HBO",
            live=False,
            originally_available_at="2016-04-24",
            guid="com.plexapp.agents.thetvdb://121361/6/1?lang=en",
        )
    )
    other = baker.make(Server, name="Other", machine_identifier="f" * 40)
    baker.make(Library, server=other, section_id=1, section_name="Films", section_type="movie")
    rows.append(play(other, 1, started=T0, minutes=10, media_type="movie"))
    return rows


def expected_stats(rows, *, grouping):
    """Plain Python: plays, duration (s) and last row per (server machine id, section_id)."""
    stats = defaultdict(lambda: {"plays": set(), "duration": 0, "last": None})
    for row in rows:
        entry = stats[(row.server.machine_identifier, row.section_id)]
        entry["plays"].add(row.reference_id if grouping else row.id)
        entry["duration"] += (row.stopped - row.started).total_seconds() - row.paused_counter
        if entry["last"] is None or (row.started, row.id) > (
            entry["last"].started,
            entry["last"].id,
        ):
            entry["last"] = row
    return stats


@pytest.mark.parametrize("grouping", [0, 1])
def test_libraries_table_numbers_match_a_plain_computation(call_api, history, grouping):
    status, body = call_api("get_libraries_table", grouping=grouping, length=100)
    assert status == 200
    expected = expected_stats(history, grouping=grouping)
    rows = body["response"]["data"]["data"]
    # All servers, deleted libraries left out.
    assert len(rows) == 6
    for row in rows:
        stats = expected.get((row["server_id"], row["section_id"]))
        if stats is None:
            assert (row["plays"], row["duration"], row["last_accessed"]) == (0, 0, None)
            assert row["history_row_id"] is None and row["labels"] == []
            continue
        assert row["plays"] == len(stats["plays"])
        assert row["duration"] == stats["duration"]
        assert row["last_accessed"] == int(stats["last"].started.timestamp())
        assert row["history_row_id"] == stats["last"].id
    tv = next(row for row in rows if row["section_name"] == "TV Shows")
    assert tv["plays"] == (2 if grouping else 3)


def test_libraries_table_row_shape_and_last_played_details(call_api, history, libraries):
    status, body = call_api("get_libraries_table", server="e" * 40)
    assert status == 200
    envelope = body["response"]["data"]
    assert list(envelope) == ["recordsFiltered", "recordsTotal", "data", "draw"]
    assert (envelope["recordsTotal"], envelope["recordsFiltered"], envelope["draw"]) == (5, 5, 1)
    rows = envelope["data"]
    # Tautulli's default order: section name descending, case-insensitively.
    assert [row["section_name"] for row in rows] == [
        "TV Shows",
        "Photos",
        "music",
        "Movies",
        "Live TV",
    ]
    tv = rows[0]
    assert list(tv) == TABLE_ROW_KEYS
    # Tautulli's documented example (its docstring misspells history_row_id).
    documented = documented_keys("get_libraries_table") - {
        "draw",
        "recordsTotal",
        "recordsFiltered",
        "data",
        "histroy_row_id",
    }
    assert set(tv) == documented | {"history_row_id"}
    last = history[3]
    assert tv == {
        "row_id": libraries["tv"].pk,
        "server_id": "e" * 40,
        "section_id": 2,
        "section_name": "TV Shows",
        "section_type": "show",
        "count": 62,
        "parent_count": 240,
        "child_count": 3745,
        "library_thumb": "/:/resources/show.png",
        "library_art": "/:/resources/show-fanart.jpg",
        "plays": 2,
        "duration": 20 * 60 + 25 * 60 + 44 * 60,
        "last_accessed": int(last.started.timestamp()),
        "history_row_id": last.id,
        "last_played": "Game of Thrones - The Red Woman",
        "rating_key": 153037,
        "media_type": "episode",
        "thumb": "/library/metadata/153036/thumb/1462175062",
        "parent_title": "Season 6",
        "year": 2016,
        "media_index": 1,
        "parent_media_index": 6,
        "content_rating": "TV-MA",
        "labels": ["Fantasy", "HBO"],
        "live": 0,
        "originally_available_at": "2016-04-24",
        "guid": "com.plexapp.agents.thetvdb://121361/6/1?lang=en",
        "do_notify": 1,
        "do_notify_created": 1,
        "keep_history": 1,
        "is_active": 1,
    }
    photos = rows[1]
    # A library without its own thumb shows Tautulli's default cover.
    assert photos["library_thumb"] == "interfaces/default/images/cover.png"
    assert photos["library_art"] is None


def test_libraries_table_ordering_paging_and_search(call_api, history):
    def names(**params):
        body = call_api("get_libraries_table", server="e" * 40, **params)[1]
        return [row["section_name"] for row in body["response"]["data"]["data"]]

    assert names(order_column="plays", order_dir="desc")[:2] == ["TV Shows", "Movies"]
    assert names(order_column="duration", order_dir="asc")[-2:] == ["TV Shows", "Movies"]
    assert names(order_column="section_name", order_dir="desc", start=1, length=2) == [
        "Photos",
        "music",
    ]
    assert names(order_column="last_accessed", order_dir="desc")[0] == "TV Shows"
    # order_dir alone applies to the default column, as in Tautulli.
    assert names(order_dir="asc") == ["Live TV", "Movies", "music", "Photos", "TV Shows"]
    assert names(search="mov") == ["Movies"]
    assert names(search="red woman") == ["TV Shows"]
    assert names(search="3745") == ["TV Shows"]
    body = call_api("get_libraries_table", server="e" * 40, search="show")[1]
    assert body["response"]["data"]["recordsTotal"] == 5
    assert body["response"]["data"]["recordsFiltered"] == 1
    # The DataTables json_data form.
    json_data = json.dumps(
        {
            "draw": 3,
            "columns": [{"data": "section_name"}, {"data": "plays"}],
            "order": [{"column": 1, "dir": "desc"}],
            "start": 0,
            "length": 1,
            "search": {"value": ""},
        }
    )
    body = call_api("get_libraries_table", server="e" * 40, json_data=json_data)[1]
    assert body["response"]["data"]["draw"] == 3
    assert [row["section_name"] for row in body["response"]["data"]["data"]] == ["TV Shows"]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"order_column": "bogus"}, "order_column"),
        ({"order_dir": "sideways", "order_column": "plays"}, "order_dir"),
        ({"order_dir": "sideways"}, "order_dir"),
        ({"start": "abc"}, "Parameter start must be an integer"),
        ({"grouping": "2"}, "Parameter grouping must be 0 or 1"),
        ({"json_data": "{not json"}, "json_data"),
        ({"server": "nope"}, "Unknown server: nope"),
    ],
)
def test_libraries_table_bad_input_is_a_400(call_api, libraries, params, message):
    status, body = call_api("get_libraries_table", **params)
    assert status == 400
    assert body["response"]["result"] == "error"
    assert message in body["response"]["message"]


def test_libraries_table_queries_do_not_grow_with_libraries(
    call_api, server, django_assert_max_num_queries
):
    for section_id in range(1, 31):
        baker.make(
            Library, server=server, section_id=section_id, section_name=f"Library {section_id}"
        )
        for hour in range(3):
            play(
                server,
                section_id,
                started=T0 + dt.timedelta(hours=hour),
                minutes=10,
                media_type="movie",
            )
    call_api("get_libraries_table")  # brings the statistics rollup up to date
    with django_assert_max_num_queries(6):
        status, body = call_api("get_libraries_table", length=30)
    assert status == 200
    assert len(body["response"]["data"]["data"]) == 30
    assert all(row["plays"] == 3 for row in body["response"]["data"]["data"])
    with django_assert_max_num_queries(6):
        status, body = call_api("get_libraries_table", length=30, search="Library 1")
    assert body["response"]["data"]["recordsFiltered"] == 11


def test_libraries_table_on_an_imported_tautulli_database(
    imported_tautulli, make_tautulli_db, call_api, django_assert_max_num_queries
):
    """2000 imported history rows: the same numbers as Tautulli's own SQL over its database."""
    result = imported_tautulli(history_rows=2000)
    source = sqlite3.connect(make_tautulli_db(history_rows=2000))
    source.row_factory = sqlite3.Row
    expected = {
        row["section_id"]: dict(row)
        for row in source.execute(
            """SELECT ls.section_id,
                      COUNT(DISTINCT COALESCE(sh.reference_id, sh.id)) AS plays,
                      COUNT(sh.id) AS rows_played,
                      COALESCE(SUM(CASE WHEN sh.stopped > 0 THEN sh.stopped - sh.started ELSE 0 END)
                               - SUM(COALESCE(sh.paused_counter, 0)), 0) AS duration,
                      MAX(sh.started) AS last_accessed,
                      (SELECT id FROM session_history WHERE section_id = ls.section_id
                       ORDER BY started DESC, id DESC LIMIT 1) AS history_row_id
               FROM library_sections ls
               LEFT JOIN session_history sh ON sh.section_id = ls.section_id
               WHERE ls.deleted_section = 0
               GROUP BY ls.section_id"""
        )
    }
    titles = dict(source.execute("SELECT id, full_title FROM session_history_metadata"))
    call_api("get_libraries_table")  # brings the statistics rollup up to date
    with django_assert_max_num_queries(6):
        status, body = call_api("get_libraries_table", length=100)
    assert status == 200
    data = body["response"]["data"]
    assert data["recordsTotal"] == len(expected) == len(data["data"])
    for row in data["data"]:
        want = expected[row["section_id"]]
        assert row["server_id"] == result.server.machine_identifier
        assert (row["plays"], row["duration"], row["last_accessed"]) == (
            want["plays"],
            want["duration"],
            want["last_accessed"],
        )
        assert row["history_row_id"] == want["history_row_id"]
        assert row["last_played"] == titles.get(want["history_row_id"])
        assert list(row) == TABLE_ROW_KEYS
    ungrouped = call_api("get_libraries_table", length=100, grouping=0)[1]["response"]["data"]
    for row in ungrouped["data"]:
        assert row["plays"] == expected[row["section_id"]]["rows_played"]
    by_plays = call_api("get_libraries_table", order_column="plays", order_dir="desc")[1]
    plays = [row["plays"] for row in by_plays["response"]["data"]["data"]]
    assert plays == sorted(plays, reverse=True) and plays[0] > 0
