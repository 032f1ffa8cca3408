"""The users commands of /api/v2 (reference 1.2 "Users", 1.3 "Watch-time stats").

Shapes are compared with real Tautulli v2.17.2 answers (captures and docs.json examples);
numbers with a plain Python computation over the rows the test built.
"""

import datetime as dt
import re
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
    source_watch_windows,
)
from history.models import History, HistoryMediaInfo, HistoryMetadata
from servers.models import Server
from users.models import DEFAULT_USER_THUMB, User

pytestmark = pytest.mark.django_db

NOW = FROZEN_NOW  # the clock every test runs at (conftest)


def make_user(user_id, username, **fields):
    return baker.make(User, user_id=user_id, username=username, **fields)


def make_play(server, user, *, seconds=600, **fields):
    """One history row (+ metadata and media info) that played ``seconds`` and ended ``stopped``
    (``stopped``, ``paused``, ``continues`` and History values as for conftest.bake_play)."""
    meta = {
        key: fields.pop(key)
        for key in list(fields)
        if key
        in {"full_title", "thumb", "parent_thumb", "grandparent_thumb", "parent_title"}
        | {"year", "media_index", "parent_media_index", "live", "guid", "originally_available_at"}
    }
    transcode = fields.pop("transcode_decision", "direct play")
    fields.setdefault("media_type", "movie")
    fields.setdefault("rating_key", 1000)
    row = bake_play(server, user, seconds=seconds, username=user.username, **fields)
    baker.make(
        HistoryMetadata,
        history=row,
        rating_key=row.rating_key,
        media_type=row.media_type,
        **meta,
    )
    baker.make(HistoryMediaInfo, history=row, transcode_decision=transcode)
    return row


TABLE_ENVELOPE_KEYS = {"draw", "recordsTotal", "recordsFiltered", "data"}


def docs_example_keys(cmd):
    """The JSON keys of a command's example rows in Tautulli's docs (cmd=docs capture)."""
    docs = load_fixture("tautulli-dart/api/docs.json")["response"]["data"]
    return set(re.findall(r'"(\w+)":', docs[cmd])) - TABLE_ENVELOPE_KEYS


expected_windows = partial(expected_watch_windows, now=NOW)


@pytest.fixture
def server():
    return baker.make(Server, name="Main", machine_identifier="main-machine")


@pytest.fixture
def jon(server):
    return make_user(
        133788,
        "LordCommanderSnow",
        friendly_name="Jon Snow",
        thumb="https://plex.tv/users/k10w/avatar",
        email="jon@castleblack.example",
        is_home_user=True,
        is_allow_sync=True,
        is_restricted=False,
        allow_guest=True,
        shared_libraries="1;2;3",
        filter_all="",
        filter_movies="",
        filter_tv="",
        filter_music="",
        filter_photos="",
        server_token="secret-server-token",
        user_token="secret-user-token",
    )


@pytest.fixture
def watch_history(server, jon):
    """Rows just inside and just outside the 1/7/30-day windows, with a grouped continuation
    and paused time; plus another user's rows that must never count."""
    margin = dt.timedelta(minutes=10)
    day = dt.timedelta(days=1)
    first = make_play(server, jon, stopped=NOW - dt.timedelta(hours=3), seconds=900, paused=60)
    rows = [
        first,
        make_play(server, jon, stopped=NOW - dt.timedelta(hours=1), seconds=300, continues=first),
        make_play(server, jon, stopped=NOW - day + margin, seconds=1200, paused=300),
        make_play(server, jon, stopped=NOW - day - margin, seconds=700),
        make_play(server, jon, stopped=NOW - 7 * day + margin, seconds=500),
        make_play(server, jon, stopped=NOW - 7 * day - margin, seconds=400, player="Roku"),
        make_play(server, jon, stopped=NOW - 30 * day + margin, seconds=800, player="Roku"),
        make_play(server, jon, stopped=NOW - 30 * day - margin, seconds=650, player="Roku"),
        make_play(server, jon, stopped=NOW - 400 * day, seconds=3600, player="Roku"),
    ]
    other = make_user(8008135, "DanyKhaleesi69")
    make_play(server, other, stopped=NOW - dt.timedelta(hours=2), seconds=5000)
    return rows


# --- get_users / get_user / get_user_names ---------------------------------------------------


def test_get_users_matches_the_captured_shape_without_secrets(call_api, jon):
    make_user(0, "Local")
    make_user(555, "gone", deleted_user=True)
    status, body = call_api("get_users")
    assert status == 200 and body["response"]["result"] == "success"
    users = body["response"]["data"]
    assert [u["user_id"] for u in users] == [133788, 0]

    captured = load_fixture("home-assistant-core/tautulli/get_users.json")["response"]["data"][0]
    expected_keys = [k for k in captured if k != "server_token"]
    assert list(users[0]) == expected_keys
    assert "secret" not in str(body)
    row = users[0]
    assert row["row_id"] == jon.pk and isinstance(row["user_id"], int)
    assert row["friendly_name"] == "Jon Snow"
    assert row["shared_libraries"] == ["1", "2", "3"]  # v2.17.2: a list of strings
    for key in ("is_active", "is_admin", "is_home_user", "is_allow_sync", "is_restricted"):
        assert row[key] in (0, 1) and isinstance(row[key], int)
    for key in ("do_notify", "keep_history", "allow_guest"):
        assert isinstance(row[key], int)
    local = users[1]
    assert local["friendly_name"] == "Local" and local["shared_libraries"] == []
    assert local["is_home_user"] is None and local["thumb"] is None


def test_get_users_thumb_prefers_the_custom_avatar(call_api, jon):
    User.objects.filter(pk=jon.pk).update(custom_avatar_url="https://imgur.example/a.png")
    users = call_api("get_users")[1]["response"]["data"]
    assert users[0]["thumb"] == "https://imgur.example/a.png"


def test_get_user_details_and_last_seen(call_api, jon, watch_history):
    status, body = call_api("get_user", user_id=133788)
    assert status == 200
    user = body["response"]["data"]
    assert list(user) == [
        "row_id", "user_id", "username", "friendly_name", "user_thumb", "email", "is_active",
        "is_admin", "is_home_user", "is_allow_sync", "is_restricted", "do_notify",
        "keep_history", "deleted_user", "allow_guest", "shared_libraries", "last_seen",
    ]  # fmt: skip
    assert set(user) == docs_example_keys("get_user")
    assert user["user_id"] == 133788 and user["friendly_name"] == "Jon Snow"
    assert user["user_thumb"] == jon.thumb
    assert user["shared_libraries"] == ["1", "2", "3"]
    assert user["last_seen"] is None

    user = call_api("get_user", user_id=133788, include_last_seen="true")[1]["response"]["data"]
    assert user["last_seen"] == int(max(r.started for r in watch_history).timestamp())


def test_get_user_unknown_answers_the_local_placeholder(call_api):
    body = call_api("get_user", user_id=424242)[1]
    assert body["response"]["result"] == "success"
    user = body["response"]["data"]
    assert user["username"] == "Local" and user["user_id"] == 0
    assert user["user_thumb"] == DEFAULT_USER_THUMB


def test_get_user_names_uses_username_for_blank_friendly_names(call_api, jon):
    make_user(22, "spaces", friendly_name="   ")
    make_user(33, "nobody")
    make_user(44, "deleted", deleted_user=True)
    names = call_api("get_user_names")[1]["response"]["data"]
    assert names == [
        {"user_id": 133788, "friendly_name": "Jon Snow"},
        {"user_id": 22, "friendly_name": "spaces"},
        {"user_id": 33, "friendly_name": "nobody"},
    ]
    assert all(list(row) == ["user_id", "friendly_name"] for row in names)


# --- get_user_watch_time_stats / get_user_player_stats ------------------------------------------


@pytest.mark.parametrize("grouping", [True, False])
def test_watch_time_stats_windows_match_python(call_api, watch_history, grouping):
    status, body = call_api("get_user_watch_time_stats", user_id=133788, grouping=int(grouping))
    assert status == 200
    data = body["response"]["data"]
    assert data == expected_windows(watch_history, [1, 7, 30, 0], grouping=grouping)
    captured = load_fixture("tautulli-dart/media/get_item_watch_time_stats.json")
    assert [list(row) for row in data] == [list(row) for row in captured["response"]["data"]]


def test_watch_time_stats_default_grouping_and_custom_days(call_api, watch_history, settings):
    data = call_api("get_user_watch_time_stats", user_id=133788, query_days="30,2")[1]
    assert data["response"]["data"] == expected_windows(watch_history, [30, 2], grouping=True)
    settings.GROUP_HISTORY_TABLES = False
    data = call_api("get_user_watch_time_stats", user_id=133788)[1]["response"]["data"]
    assert data == expected_windows(watch_history, [1, 7, 30, 0], grouping=False)


def test_watch_time_stats_of_a_user_without_history_are_zero(call_api, jon):
    data = call_api("get_user_watch_time_stats", user_id=133788)[1]["response"]["data"]
    assert data == [{"query_days": d, "total_time": 0, "total_plays": 0} for d in (1, 7, 30, 0)]


def test_watch_time_stats_server_filter(call_api, server, jon, watch_history):
    other = baker.make(Server, name="Second", machine_identifier="second-machine")
    make_play(other, jon, stopped=NOW - dt.timedelta(hours=1), seconds=100)
    data = call_api("get_user_watch_time_stats", user_id=133788, server="main-machine")[1]
    assert data["response"]["data"] == expected_windows(watch_history, [1, 7, 30, 0], grouping=True)
    everything = call_api("get_user_watch_time_stats", user_id=133788)[1]["response"]["data"]
    assert everything[3]["total_time"] == data["response"]["data"][3]["total_time"] + 100


def test_player_stats_per_player_most_plays_first(call_api, watch_history):
    status, body = call_api("get_user_player_stats", user_id=133788, grouping=1)
    assert status == 200
    data = body["response"]["data"]
    by_player = {}
    for row in watch_history:
        by_player.setdefault(row.player, []).append(row)
    expected = sorted(
        (
            {
                "player_name": player,
                "platform": rows[0].platform,
                "total_plays": len({r.reference_id for r in rows}),
                "total_time": sum(r.play_duration for r in rows),
            }
            for player, rows in by_player.items()
        ),
        key=lambda r: (-r["total_plays"], -r["total_time"]),
    )
    assert [
        {k: row[k] for k in ("player_name", "platform", "total_plays", "total_time")}
        for row in data
    ] == expected
    assert [row["result_id"] for row in data] == list(range(len(expected)))
    assert list(data[0]) == [
        "player_name", "platform", "platform_name", "total_plays", "total_time", "result_id",
    ]  # fmt: skip
    assert set(data[0]) == docs_example_keys("get_user_player_stats")


def test_player_stats_platform_names(call_api, server, jon):
    make_play(server, jon, stopped=NOW, player="PS4", platform="WebMAF")
    make_play(server, jon, stopped=NOW, player="Chromecast", platform="Chromecast")
    make_play(server, jon, stopped=NOW, player="Odd", platform="Something New")
    rows = call_api("get_user_player_stats", user_id=133788)[1]["response"]["data"]
    icons = {row["player_name"]: (row["platform"], row["platform_name"]) for row in rows}
    assert icons == {
        "PS4": ("Playstation 4", "playstation"),
        "Chromecast": ("Chromecast", "chromecast"),
        "Odd": ("Something New", "default"),
    }


# --- get_users_table ------------------------------------------------------------------------


def test_users_table_rows_match_python(call_api, jon, watch_history):
    latest = make_play(
        watch_history[0].server,
        jon,
        stopped=NOW - dt.timedelta(minutes=5),
        seconds=1500,
        media_type="episode",
        rating_key=153037,
        full_title="Game of Thrones - The Red Woman",
        parent_thumb="/library/metadata/153036/thumb",
        grandparent_thumb="/library/metadata/153035/thumb",
        parent_title="Season 6",
        year=2016,
        media_index=1,
        parent_media_index=6,
        guid="plex://episode/1",
        originally_available_at="2016-04-24",
        transcode_decision="transcode",
        ip_address="10.1.2.3",
        platform="Konvergo",
        player="Living Room",
    )
    make_user(99, "never-played", title="Managed")
    make_user(98, "deleted", deleted_user=True)
    status, body = call_api("get_users_table", order_column="plays", order_dir="desc")
    assert status == 200
    table = body["response"]["data"]
    assert list(table) == ["recordsFiltered", "recordsTotal", "data", "draw"]
    assert table["recordsTotal"] == User.objects.count() == 4
    assert table["recordsFiltered"] == 3
    rows = table["data"]
    assert [r["user_id"] for r in rows] == [133788, 8008135, 99]
    assert set(rows[0]) == docs_example_keys("get_users_table")

    jon_rows = [*watch_history, latest]
    row = rows[0]
    assert row["plays"] == len({r.reference_id for r in jon_rows})
    assert row["duration"] == sum(r.play_duration for r in jon_rows)
    assert row["last_seen"] == int(latest.started.timestamp())
    assert row["history_row_id"] == latest.pk
    assert row["last_played"] == "Game of Thrones - The Red Woman"
    assert row["thumb"] == "/library/metadata/153036/thumb"  # episode: the season's
    assert row["platform"] == "Plex Media Player"  # PLATFORM_NAME_OVERRIDES
    assert (row["ip_address"], row["player"]) == ("10.1.2.3", "Living Room")
    assert (row["rating_key"], row["media_type"], row["year"]) == (153037, "episode", 2016)
    assert (row["media_index"], row["parent_media_index"], row["live"]) == (1, 6, 0)
    assert row["transcode_decision"] == "transcode"
    assert (row["allow_guest"], row["do_notify"], row["keep_history"], row["is_active"]) == (
        1, 1, 1, 1,
    )  # fmt: skip
    assert row["user_thumb"] == jon.thumb and row["row_id"] == jon.pk

    never = rows[2]
    assert (never["plays"], never["duration"], never["last_seen"]) == (0, 0, None)
    assert never["history_row_id"] is None and never["friendly_name"] == "never-played"
    assert never["title"] == "Managed" and never["user_thumb"] == DEFAULT_USER_THUMB

    ungrouped = call_api("get_users_table", grouping=0, order_column="plays")[1]
    assert ungrouped["response"]["data"]["data"][0]["plays"] == len(jon_rows)


def test_users_table_default_order_search_and_paging(call_api, server):
    for index, name in enumerate(["alice", "Bob", "carol", "dave"]):
        user = make_user(100 + index, name)
        make_play(server, user, stopped=NOW, ip_address=f"192.168.0.{index}")
    table = call_api("get_users_table")[1]["response"]["data"]
    assert [r["username"] for r in table["data"]] == ["dave", "carol", "Bob", "alice"]

    # case-insensitive, as Tautulli's COLLATE NOCASE
    table = call_api("get_users_table", order_column="friendly_name", order_dir="asc")[1]
    names = [r["username"] for r in table["response"]["data"]["data"]]
    assert names == ["alice", "Bob", "carol", "dave"]

    table = call_api("get_users_table", order_column="ip_address", order_dir="asc")[1]
    assert [r["ip_address"] for r in table["response"]["data"]["data"]] == [
        "192.168.0.0", "192.168.0.1", "192.168.0.2", "192.168.0.3",
    ]  # fmt: skip

    table = call_api("get_users_table", search="192.168.0.2")[1]["response"]["data"]
    assert [r["username"] for r in table["data"]] == ["carol"]
    assert (table["recordsFiltered"], table["recordsTotal"]) == (1, 4)

    table = call_api("get_users_table", order_dir="asc", start=1, length=2)[1]
    data = table["response"]["data"]
    assert [r["username"] for r in data["data"]] == ["Bob", "carol"]
    assert data["recordsFiltered"] == 4


def test_users_table_has_no_n_plus_one(call_api, server, django_assert_max_num_queries):
    for index in range(60):
        user = make_user(1000 + index, f"user{index:02}")
        for _ in range(3):
            make_play(server, user, stopped=NOW - dt.timedelta(hours=index))
    call_api("get_users_table")  # brings the statistics rollup up to date
    with django_assert_max_num_queries(6):
        status, body = call_api("get_users_table", length=100, order_column="duration")
    assert status == 200 and len(body["response"]["data"]["data"]) == 60
    with django_assert_max_num_queries(6):
        status, body = call_api("get_users_table", search="user1", order_column="last_played")
    assert body["response"]["data"]["recordsFiltered"] == 10


# --- get_user_ips ---------------------------------------------------------------------------


def test_user_ips_one_row_per_address(call_api, server, jon):
    a1 = make_play(server, jon, stopped=NOW - dt.timedelta(days=3), ip_address="10.0.0.1")
    a2 = make_play(
        server, jon, stopped=NOW - dt.timedelta(days=1), ip_address="10.0.0.1", full_title="Last"
    )
    b = make_play(server, jon, stopped=NOW - dt.timedelta(days=2), ip_address="172.16.0.9")
    status, body = call_api("get_user_ips", user_id=133788)
    assert status == 200
    table = body["response"]["data"]
    assert table["recordsTotal"] == History.objects.count()
    assert table["recordsFiltered"] == 2
    rows = table["data"]
    assert [r["ip_address"] for r in rows] == ["10.0.0.1", "172.16.0.9"]  # last_seen desc
    assert set(rows[0]) == docs_example_keys("get_user_ips") - {"id"} | {"history_row_id"}
    first = rows[0]
    assert first["play_count"] == 2
    assert first["first_seen"] == int(a1.started.timestamp())
    assert first["last_seen"] == int(a2.started.timestamp())
    assert (first["history_row_id"], first["last_played"]) == (a2.pk, "Last")
    assert (first["friendly_name"], first["user_id"]) == ("Jon Snow", 133788)
    assert rows[1]["history_row_id"] == b.pk

    rows = call_api("get_user_ips", user_id=133788, order_column="play_count", order_dir="asc")
    assert [r["ip_address"] for r in rows[1]["response"]["data"]["data"]] == [
        "172.16.0.9", "10.0.0.1",
    ]  # fmt: skip
    searched = call_api("get_user_ips", user_id=133788, search="172.16")[1]["response"]["data"]
    assert [r["ip_address"] for r in searched["data"]] == ["172.16.0.9"]
    # the search applies to each address's latest row: "Last" is the latest title of 10.0.0.1
    searched = call_api("get_user_ips", user_id=133788, search="last")[1]["response"]["data"]
    assert [r["ip_address"] for r in searched["data"]] == ["10.0.0.1"]
    assert searched["data"][0]["play_count"] == 2
    rows = call_api("get_user_ips", user_id=133788, order_column="last_played", order_dir="asc")
    assert [r["last_played"] for r in rows[1]["response"]["data"]["data"]] == [None, "Last"]


# --- edit_user / delete_user / undelete_user --------------------------------------------------


def test_edit_user_changes_only_what_is_given(call_api, jon):
    status, body = call_api("edit_user", user_id=133788, friendly_name="The White Wolf")
    assert status == 200
    assert body["response"] == {
        "result": "success",
        "message": None,
        "data": "Successfully updated user.",
    }
    jon.refresh_from_db()
    assert jon.friendly_name == "The White Wolf"
    assert (jon.keep_history, jon.allow_guest, jon.do_notify) == (True, True, True)

    call_api("edit_user", user_id=133788, keep_history=0, allow_guest=0, custom_thumb="http://x/a")
    jon.refresh_from_db()
    assert (jon.keep_history, jon.allow_guest) == (False, False)
    assert jon.custom_avatar_url == "http://x/a"
    user = call_api("get_user", user_id=133788)[1]["response"]["data"]
    assert (user["keep_history"], user["allow_guest"], user["user_thumb"]) == (0, 0, "http://x/a")

    call_api("edit_user", user_id=133788, friendly_name="", custom_thumb="")
    jon.refresh_from_db()
    assert (jon.friendly_name, jon.custom_avatar_url) == (None, None)
    assert call_api("get_user", user_id=133788)[1]["response"]["data"]["friendly_name"] == (
        "LordCommanderSnow"
    )


def test_delete_user_soft_deletes_and_purges_history(call_api, jon, watch_history):
    other_rows = History.objects.exclude(user_id=133788).count()
    status, body = call_api("delete_user", user_id=133788)
    assert (status, body["response"]["message"]) == (200, "Deleted user.")
    jon.refresh_from_db()
    assert (jon.deleted_user, jon.keep_history, jon.do_notify) == (True, False, False)
    assert not History.objects.filter(user_id=133788).exists()
    assert not HistoryMetadata.objects.filter(history__user_id=133788).exists()
    assert HistoryMetadata.objects.count() == HistoryMediaInfo.objects.count() == other_rows
    assert History.objects.count() == other_rows
    assert [u["user_id"] for u in call_api("get_users")[1]["response"]["data"]] == [8008135]
    assert call_api("get_user", user_id=133788)[1]["response"]["data"]["deleted_user"] == 1

    status, body = call_api("undelete_user", user_id=133788)
    assert (status, body["response"]["message"]) == (200, "Re-added user with user_id 133788.")
    jon.refresh_from_db()
    assert (jon.deleted_user, jon.keep_history, jon.do_notify) == (False, True, True)
    assert History.objects.filter(user_id=133788).count() == 0  # history stays gone


def test_delete_user_by_row_ids_and_undelete_by_username(call_api, server, jon):
    arya = make_user(7, "arya")
    make_play(server, arya, stopped=NOW)
    make_user(8, "sansa")
    status, body = call_api("delete_user", row_ids=f"{jon.pk},{arya.pk}")
    assert (status, body["response"]["message"]) == (200, "Deleted user.")
    deleted = User.objects.filter(deleted_user=True).values_list("user_id", flat=True)
    assert set(deleted) == {7, 133788}
    assert History.objects.count() == 0
    status, body = call_api("undelete_user", username="arya")
    assert body["response"]["message"] == "Re-added user with username arya."
    assert not User.objects.get(user_id=7).deleted_user


def test_delete_and_undelete_errors(call_api):
    status, body = call_api("delete_user")
    assert (status, body["response"]["message"]) == (400, "No user id or row ids received.")
    status, body = call_api("delete_user", user_id=31337)
    assert (status, body["response"]["message"]) == (400, "Failed to delete user(s).")
    status, body = call_api("undelete_user", user_id=31337)
    assert status == 400
    assert body["response"]["message"] == "Unable to re-add user. Invalid user_id or username."
    status, body = call_api("edit_user", user_id=31337, friendly_name="x")
    assert status == 400 and "31337" in body["response"]["message"]


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cmd, params, message",
    [
        ("get_user", {}, "Parameter user_id is required"),
        ("get_user", {"user_id": "abc"}, "Parameter user_id must be an integer"),
        ("get_user_ips", {}, "Parameter user_id is required"),
        ("get_user_player_stats", {}, "Parameter user_id is required"),
        ("get_user_watch_time_stats", {}, "Parameter user_id is required"),
        ("get_user_watch_time_stats", {"user_id": "1", "query_days": "1,x"}, "query_days"),
        ("get_user_watch_time_stats", {"user_id": "1", "query_days": "-3"}, "query_days"),
        ("get_user_watch_time_stats", {"user_id": "1", "grouping": "maybe"}, "grouping"),
        ("get_user_watch_time_stats", {"user_id": "1", "server": "nope"}, "Unknown server"),
        ("get_users_table", {"order_column": "password"}, "order_column"),
        ("get_users_table", {"start": "x"}, "start"),
        ("edit_user", {}, "Parameter user_id is required"),
        ("edit_user", {"user_id": "1.5"}, "user_id"),
        ("delete_user", {"row_ids": "1,a"}, "row_ids"),
        ("undelete_user", {"user_id": "x"}, "user_id"),
    ],
)
def test_bad_input_answers_400_with_a_message(call_api, cmd, params, message):
    status, body = call_api(cmd, **params)
    assert status == 400
    assert body["response"]["result"] == "error"
    assert message in body["response"]["message"]


# --- on an imported Tautulli database (2000 rows) ---------------------------------------------


@pytest.fixture
def imported(imported_tautulli, make_tautulli_db):
    """The imported 2000-row database and a connection to its source file."""
    result = imported_tautulli()
    source = sqlite3.connect(make_tautulli_db())
    yield result, source
    source.close()


def test_imported_users_commands_match_the_source(call_api, imported):
    result, source = imported
    expected_ids = {
        row[0] for row in source.execute("SELECT user_id FROM users WHERE NOT deleted_user")
    }
    users = call_api("get_users")[1]["response"]["data"]
    assert {u["user_id"] for u in users} == expected_ids | set(result.placeholder_user_ids)
    shared = dict(source.execute("SELECT user_id, shared_libraries FROM users"))
    for user in users:
        assert user["shared_libraries"] == [
            s for s in (shared[user["user_id"]] or "").split(";") if s
        ]

    table = call_api("get_users_table", length=100, order_column="plays")[1]["response"]["data"]
    per_user = {
        uid: (plays, duration)
        for uid, plays, duration in source.execute(
            "SELECT user_id, COUNT(DISTINCT reference_id), "
            "SUM(stopped - started) - SUM(COALESCE(paused_counter, 0)) "
            "FROM session_history GROUP BY user_id"
        )
    }
    assert table["recordsFiltered"] == len(expected_ids)
    for row in table["data"]:
        assert (row["plays"], row["duration"]) == per_user.get(row["user_id"], (0, 0))
    assert [r["plays"] for r in table["data"]] == sorted(
        (r["plays"] for r in table["data"]), reverse=True
    )

    heavy = max(per_user, key=lambda uid: per_user[uid][0])
    before = int(time.time())
    stats = call_api("get_user_watch_time_stats", user_id=heavy)[1]["response"]["data"]
    after = int(time.time())
    candidates = [
        source_watch_windows(source, "user_id = ?", [heavy], [1, 7, 30, 0], t)
        for t in (before, after)
    ]
    assert stats in candidates
    assert stats[3]["total_plays"] == per_user[heavy][0] and stats[1]["total_plays"] > 0

    players = call_api("get_user_player_stats", user_id=heavy)[1]["response"]["data"]
    expected_players = {
        player: (plays, total)
        for player, plays, total in source.execute(
            "SELECT player, COUNT(DISTINCT reference_id), "
            "SUM(stopped - started) - SUM(COALESCE(paused_counter, 0)) "
            "FROM session_history WHERE user_id = ? GROUP BY player",
            [heavy],
        )
    }
    assert {
        p["player_name"]: (p["total_plays"], p["total_time"]) for p in players
    } == expected_players

    ips = call_api("get_user_ips", user_id=heavy, length=100)[1]["response"]["data"]
    expected_ips = dict(
        source.execute(
            "SELECT ip_address, COUNT(id) FROM session_history WHERE user_id = ? GROUP BY ip_address",
            [heavy],
        )
    )
    assert {r["ip_address"]: r["play_count"] for r in ips["data"]} == expected_ips
    assert ips["recordsTotal"] == 2000
