"""get_home_stats rules on small hand-made histories: two servers, deleted users and libraries,
DST and plays across midnight, live TV, the watched rule of last_watched, most_concurrent's
titles and times.

Times are local (America/New_York); 2026-11-01 is the day daylight saving time ends.
"""

import datetime as dt

import pytest
from django.utils import timezone
from model_bakery import baker

from conftest import bake_play
from history.models import HistoryMediaInfo, HistoryMetadata
from libraries.models import Library
from servers.models import Server
from users.models import DEFAULT_USER_THUMB, User

pytestmark = pytest.mark.django_db

ZONE = "America/New_York"


@pytest.fixture(autouse=True)
def _zone(settings):
    settings.TIME_ZONE = ZONE


def at(local: str) -> dt.datetime:
    """An aware datetime from a local "YYYY-MM-DD HH:MM" (America/New_York)."""
    naive = dt.datetime.fromisoformat(local)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def epoch(local: str) -> int:
    return int(at(local).timestamp())


def play(
    server,
    user,
    start: str,
    minutes: float,
    *,
    media_type="movie",
    title="Heat",
    year=1995,
    show=None,
    artist=None,
    original_title=None,
    section_id=1,
    platform="Roku",
    decision="direct play",
    live=False,
    continues=None,
    percent=95,
    length_minutes=None,
    credits_first=None,
    rating_key=100,
):
    """A History row started at local ``start`` that played ``minutes`` and reached ``percent``
    of an item ``length_minutes`` long (default: the minutes played), with its metadata and
    media info."""
    seconds = int(minutes * 60)
    length_ms = int((length_minutes or minutes) * 60_000)
    full_title = {"episode": f"{show} - {title}", "track": f"{title} - {artist}"}.get(
        media_type, title
    )
    row = bake_play(
        server,
        user,
        stopped=at(start) + dt.timedelta(seconds=seconds),
        seconds=seconds,
        continues=continues,
        media_type=media_type,
        section_id=section_id,
        platform=platform,
        player=f"{platform} player",
        username=user.username,
        rating_key=rating_key,
        grandparent_rating_key=None if media_type == "movie" else rating_key + 1000,
        view_offset=int(length_ms * percent / 100),
    )
    baker.make(
        HistoryMetadata,
        history=row,
        rating_key=rating_key,
        grandparent_rating_key=row.grandparent_rating_key,
        title=title,
        full_title=full_title,
        grandparent_title=show if media_type == "episode" else artist,
        original_title=original_title,
        year=year,
        media_type=media_type,
        thumb=f"/library/metadata/{rating_key}/thumb/1",
        grandparent_thumb=None if media_type == "movie" else f"/library/metadata/{rating_key}/gp",
        duration=length_ms,
        marker_credits_first=credits_first,
        live=live,
        labels="Favourite;4K" if title == "Heat" else "",
        guid=f"plex://{media_type}/{rating_key}",
    )
    baker.make(HistoryMediaInfo, history=row, transcode_decision=decision)
    return row


@pytest.fixture
def world():
    alpha = baker.make(Server, name="Alpha", machine_identifier="alpha-machine")
    beta = baker.make(Server, name="Beta", machine_identifier="beta-machine")
    users = {
        "alice": baker.make(User, user_id=1001, username="alice", friendly_name="Alice"),
        "bob": baker.make(User, user_id=1002, username="bob", friendly_name=" ", thumb=None),
        "carol": baker.make(
            User,
            user_id=1003,
            username="carol",
            friendly_name="Carol",
            deleted_user=True,
            custom_avatar_url="https://img.example/carol.png",
        ),
    }
    for server, section_id, name, kind, deleted in (
        (alpha, 1, "Movies A", "movie", False),
        (beta, 1, "Movies B", "movie", False),
        (alpha, 2, "TV", "show", False),
        (alpha, 3, "Old Movies", "movie", True),
        (alpha, 4, "Music", "artist", False),
        (alpha, 999999, "Live TV", "live", False),
    ):
        baker.make(
            Library,
            server=server,
            section_id=section_id,
            section_name=name,
            section_type=kind,
            thumb=None,
            custom_thumb_url=None,
            art=None,
            custom_art_url=None,
            deleted_section=deleted,
        )
    return alpha, beta, users


def cards(call_api, **params) -> dict:
    status, body = call_api("get_home_stats", stats_count=50, **params)
    assert status == 200, body
    assert body["response"]["result"] == "success", body
    return {card["stat_id"]: card["rows"] for card in body["response"]["data"]}


def test_two_servers_one_or_all(world, call_api):
    alpha, beta, users = world
    play(alpha, users["alice"], "2026-10-10 20:00", 120)
    play(alpha, users["alice"], "2026-10-12 20:00", 110)
    play(beta, users["bob"], "2026-10-11 20:00", 100, platform="Konvergo", decision="transcode")
    play(beta, users["bob"], "2026-10-13 20:00", 90, title="Alien", year=1979, rating_key=200)
    window = {"after": "2026-10-01", "before": "2026-10-31"}

    everything = cards(call_api, **window)
    assert [
        (r["title"], r["total_plays"], r["total_duration"]) for r in everything["top_movies"]
    ] == [
        ("Heat", 3, (120 + 110 + 100) * 60),
        ("Alien", 1, 90 * 60),
    ]
    assert [(r["title"], r["users_watched"]) for r in everything["popular_movies"]] == [
        ("Heat", 2),
        ("Alien", 1),
    ]
    # the same section id on two servers: two libraries, latest play first on a tie
    assert [(r["section_name"], r["section_id"], r["total_plays"]) for r in everything["top_libraries"]] == [
        ("Movies B", 1, 2),
        ("Movies A", 1, 2),
    ]  # fmt: skip
    assert [(r["platform"], r["platform_name"], r["total_plays"]) for r in everything["top_platforms"]] == [
        ("Roku", "roku", 3),
        ("Plex Media Player", "plex", 1),
    ]  # fmt: skip

    for server in ("Alpha", str(alpha.pk), "alpha-machine"):
        only_alpha = cards(call_api, server=server, **window)
        assert [(r["title"], r["total_plays"]) for r in only_alpha["top_movies"]] == [("Heat", 2)]
        assert [r["section_name"] for r in only_alpha["top_libraries"]] == ["Movies A"]
        assert [r["user_id"] for r in only_alpha["top_users"]] == [1001]
    only_beta = cards(call_api, server="beta-machine", **window)
    assert [(r["title"], r["total_plays"]) for r in only_beta["top_movies"]] == [
        ("Alien", 1),
        ("Heat", 1),
    ]


def test_top_users_include_deleted_users_and_show_their_last_item(world, call_api):
    alpha, _beta, users = world
    play(alpha, users["alice"], "2026-10-10 20:00", 60)
    play(alpha, users["carol"], "2026-10-11 20:00", 30, title="Alien", year=1979, rating_key=200)
    play(alpha, users["carol"], "2026-10-12 20:00", 30, title="Alien", year=1979, rating_key=200)
    play(alpha, users["bob"], "2026-10-13 20:00", 45, media_type="episode", title="Pilot",
         show="Fargo", section_id=2, rating_key=300)  # fmt: skip

    rows = cards(call_api, after="2026-10-01", before="2026-10-31")["top_users"]
    assert [(r["user_id"], r["total_plays"]) for r in rows] == [(1003, 2), (1002, 1), (1001, 1)]
    carol, bob, alice = rows
    assert carol["friendly_name"] == "Carol" and carol["user"] == "carol"
    assert carol["user_thumb"] == "https://img.example/carol.png"
    assert carol["title"] == "Alien" and carol["grandchild_title"] == "Alien"
    assert carol["grandparent_title"] == "" and carol["media_index"] == ""
    assert carol["last_play"] == epoch("2026-10-12 20:00")
    assert bob["friendly_name"] == "bob"  # a blank friendly name shows the username
    assert bob["user_thumb"] == DEFAULT_USER_THUMB
    assert bob["title"] == "Fargo - Pilot" and bob["grandparent_title"] == "Fargo"
    assert bob["thumb"] == bob["grandparent_thumb"] == "/library/metadata/300/gp"
    assert alice["labels"] == ["Favourite", "4K"]


def test_deleted_libraries_are_left_out(world, call_api):
    alpha, _beta, users = world
    play(alpha, users["alice"], "2026-10-10 20:00", 60, section_id=3)
    play(alpha, users["alice"], "2026-10-11 20:00", 60, section_id=1)
    rows = cards(call_api, after="2026-10-01", before="2026-10-31")["top_libraries"]
    assert [(r["section_name"], r["total_plays"]) for r in rows] == [("Movies A", 1)]
    assert rows[0]["library_thumb"] == "interfaces/default/images/cover.png"
    assert rows[0]["library_art"] == ""
    # the movie still counts in top_movies (the library filter is top_libraries' own)
    movies = cards(call_api, after="2026-10-01", before="2026-10-31")["top_movies"]
    assert movies[0]["total_plays"] == 2


def test_local_dates_across_dst_and_plays_across_midnight(world, call_api):
    alpha, _beta, users = world
    alice = users["alice"]
    # 23:30 EST on the DST day is 04:30 UTC the next day: it belongs to 2026-11-01
    late = play(alpha, alice, "2026-11-01 23:30", 50, media_type="episode", title="Late",
                show="Night Show", section_id=2, rating_key=400)  # fmt: skip
    # a play begun on 2026-10-31 and resumed on 2026-11-01
    first = play(alpha, alice, "2026-10-31 23:00", 40, media_type="episode", title="Pilot",
                 show="Fargo", section_id=2, rating_key=300, percent=40, length_minutes=100)  # fmt: skip
    play(alpha, alice, "2026-11-01 10:00", 60, media_type="episode", title="Pilot",
         show="Fargo", section_id=2, rating_key=300, continues=first, percent=100,
         length_minutes=100)  # fmt: skip

    day = {"after": "2026-11-01", "before": "2026-11-01"}
    grouped = {r["title"]: r for r in cards(call_api, **day)["top_tv"]}
    assert grouped["Night Show"]["total_plays"] == 1
    assert grouped["Night Show"]["last_play"] == int(late.started.timestamp())
    # the Fargo play began the day before: its time that day counts, the play does not
    assert (grouped["Fargo"]["total_plays"], grouped["Fargo"]["total_duration"]) == (0, 3600)
    ungrouped = {r["title"]: r for r in cards(call_api, grouping=0, **day)["top_tv"]}
    assert ungrouped["Fargo"]["total_plays"] == 1

    both_days = cards(call_api, after="2026-10-31", before="2026-11-01")
    fargo = next(r for r in both_days["top_tv"] if r["title"] == "Fargo")
    assert (fargo["total_plays"], fargo["total_duration"]) == (1, 100 * 60)
    ungrouped = cards(call_api, grouping=0, after="2026-10-31", before="2026-11-01")
    assert next(r for r in ungrouped["top_tv"] if r["title"] == "Fargo")["total_plays"] == 2

    # the UTC date of the late play is 2026-11-02: it is not there
    next_day = cards(call_api, after="2026-11-02", before="2026-11-02")
    assert next_day["top_tv"] == []


def test_live_tv_counts_as_tv_and_says_so(world, call_api):
    alpha, _beta, users = world
    play(alpha, users["alice"], "2026-10-10 20:00", 30, media_type="episode", title="News at 8",
         show="Evening News", section_id=999999, live=True, rating_key=500)  # fmt: skip
    result = cards(call_api, after="2026-10-01", before="2026-10-31")
    (news,) = result["top_tv"]
    assert (news["title"], news["live"], news["total_plays"]) == ("Evening News", 1, 1)
    assert [r["section_name"] for r in result["top_libraries"]] == ["Live TV"]


def test_music_cards_name_the_artist(world, call_api):
    alpha, _beta, users = world
    for n, original in enumerate(("", "", "The Band (original)")):
        play(alpha, users["alice"], f"2026-10-1{n} 20:00", 4, media_type="track",
             title=f"Song {n}", artist="The Band", original_title=original, section_id=4,
             rating_key=600 + n)  # fmt: skip
    result = cards(call_api, after="2026-10-01", before="2026-10-31")
    assert [(r["title"], r["total_plays"]) for r in result["top_music"]] == [
        ("The Band", 2),
        ("The Band (original)", 1),
    ]
    top = result["top_music"][0]
    assert top["rating_key"] == top["grandparent_rating_key"] == 601 + 1000
    assert top["media_type"] == "track" and top["thumb"] == top["grandparent_thumb"]


def test_last_watched_uses_the_watched_rule(world, call_api, settings):
    alpha, _beta, users = world
    alice = users["alice"]
    # 80 % of a 100-minute movie whose credits start at 75 %: watched by the credits marker
    credits = play(alpha, alice, "2026-10-10 20:00", 80, title="Alien", year=1979,
                   rating_key=200, percent=80, length_minutes=100, credits_first=75 * 60_000)  # fmt: skip
    # abandoned at 50 %
    ronin = play(alpha, alice, "2026-10-11 20:00", 50, title="Ronin", year=1998, rating_key=210,
         percent=50, length_minutes=100)  # fmt: skip
    # a play resumed to the end: one entry, its last row
    first = play(alpha, alice, "2026-10-12 20:00", 30, rating_key=100, percent=30,
                 length_minutes=100)  # fmt: skip
    resumed = play(alpha, alice, "2026-10-13 20:00", 70, rating_key=100, continues=first,
                   percent=100, length_minutes=100)  # fmt: skip
    # tracks are never in last_watched
    play(alpha, alice, "2026-10-14 20:00", 4, media_type="track", title="Song", artist="Band",
         section_id=4, rating_key=600)  # fmt: skip
    window = {"after": "2026-10-01", "before": "2026-10-31", "stat_id": "last_watched"}

    def watched(**params):
        status, body = call_api("get_home_stats", **window, **params)
        return [row["row_id"] for row in body["response"]["data"]["rows"]]

    assert watched() == [resumed.pk, credits.pk]
    assert watched(grouping=0) == [resumed.pk, credits.pk]
    settings.WATCHED_MARKER = 0  # percent only: 80 % < 85 %
    assert watched() == [resumed.pk]
    settings.MOVIE_WATCHED_PERCENT = 50
    assert watched() == [resumed.pk, ronin.pk, credits.pk]  # 50 % is enough, 30 % is not
    assert watched(grouping=0) == [resumed.pk, ronin.pk, credits.pk]

    status, body = call_api("get_home_stats", **window)
    row = body["response"]["data"]["rows"][0]
    assert row["last_watch"] == int(resumed.started.timestamp())
    assert row["user"] == "alice" and row["friendly_name"] == "Alice"
    assert row["player"] == "Roku player" and row["grandparent_rating_key"] == ""


def test_most_concurrent_titles_and_times(world, call_api):
    alpha, beta, users = world
    play(alpha, users["alice"], "2026-10-10 20:00", 120)  # 20:00–22:00, direct play
    play(alpha, users["carol"], "2026-10-10 21:00", 30, decision="transcode")  # 21:00–21:30
    play(beta, users["bob"], "2026-10-10 21:15", 60, decision="transcode")  # 21:15–22:15
    play(beta, users["bob"], "2026-10-12 21:15", 60, decision="transcode")  # alone
    window = {"after": "2026-10-01", "before": "2026-10-31", "stat_id": "most_concurrent"}

    def concurrent(**params):
        status, body = call_api("get_home_stats", **{**window, **params})
        card = body["response"]["data"]
        assert card["stat_title"] == "Most Concurrent Streams" and "stat_type" not in card
        return [(r["title"], r["count"], r["started"], r["stopped"]) for r in card["rows"]]

    # no direct stream (copy) at all: that title is left out
    assert concurrent() == [
        ("Concurrent Streams", 3, str(epoch("2026-10-10 21:15")), str(epoch("2026-10-10 21:30"))),
        ("Concurrent Transcodes", 2, str(epoch("2026-10-10 21:15")), str(epoch("2026-10-10 21:30"))),
        ("Concurrent Direct Plays", 1, str(epoch("2026-10-10 20:00")), str(epoch("2026-10-10 22:00"))),
    ]  # fmt: skip
    assert concurrent(server="Alpha") == [
        ("Concurrent Streams", 2, str(epoch("2026-10-10 21:00")), str(epoch("2026-10-10 21:30"))),
        ("Concurrent Transcodes", 1, str(epoch("2026-10-10 21:00")), str(epoch("2026-10-10 21:30"))),
        ("Concurrent Direct Plays", 1, str(epoch("2026-10-10 20:00")), str(epoch("2026-10-10 22:00"))),
    ]  # fmt: skip
    # with a user filter, only that user's streams; the latest of equal peaks
    assert concurrent(user_id=1002) == [
        ("Concurrent Streams", 1, str(epoch("2026-10-12 21:15")), str(epoch("2026-10-12 22:15"))),
        ("Concurrent Transcodes", 1, str(epoch("2026-10-12 21:15")), str(epoch("2026-10-12 22:15"))),
    ]  # fmt: skip
    assert concurrent(user_id="1001,1003", section_id=1) == concurrent(server="Alpha")
    assert concurrent(after="2026-11-01", before="2026-11-05") == []


def test_a_stream_across_midnight_counts_on_both_days(world, call_api):
    alpha, _beta, users = world
    play(alpha, users["alice"], "2026-10-10 23:00", 120)  # until 01:00 on the 11th
    play(alpha, users["bob"], "2026-10-11 00:30", 60)
    window = {"after": "2026-10-11", "before": "2026-10-11", "stat_id": "most_concurrent"}
    for params in ({}, {"user_id": "1001,1002"}):
        status, body = call_api("get_home_stats", **window, **params)
        rows = body["response"]["data"]["rows"]
        assert (rows[0]["count"], rows[0]["started"], rows[0]["stopped"]) == (
            2,
            str(epoch("2026-10-11 00:30")),
            str(epoch("2026-10-11 01:00")),
        ), params


def test_no_history_gives_empty_cards(db, call_api):
    result = cards(call_api)
    assert all(rows == [] for rows in result.values())
    status, body = call_api("get_home_stats", stat_id="top_users")
    assert body["response"]["data"] == {
        "stat_id": "top_users",
        "stat_type": "total_plays",
        "stat_title": "Most Active Users",
        "rows": [],
    }


def test_docs_describe_get_home_stats(db, call_api):
    status, body = call_api("docs")
    doc = body["response"]["data"]["get_home_stats"]
    for word in (
        "stat_id",
        "stats_type",
        "stats_start",
        "stats_count",
        "before",
        "after",
        "server",
    ):
        assert word in doc
