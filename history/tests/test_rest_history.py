"""REST history endpoints: GET /api/history (filters, cursor paging, JSON types) and
GET /api/history/{id}."""

import datetime as dt
import random

import pytest
from model_bakery import baker

from history.models import History, HistoryMediaInfo, HistoryMetadata

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2024, 3, 1, 20, 0, tzinfo=dt.UTC)


@pytest.fixture
def get(rest_get):
    """``get(path, **params)`` → (status, JSON) with the API key in the header."""
    return rest_get


@pytest.fixture
def server():
    return baker.make("plex.Server", name="Home", token="plex-secret")


@pytest.fixture
def alice():
    return baker.make("users.User", user_id=1001, username="alice", friendly_name="Alice A.")


@pytest.fixture
def bob():
    return baker.make("users.User", user_id=1002, username="bob", friendly_name="")


def make_play(server, user, started, *, title="Movie", media_type="movie", decision=None, **kw):
    """A history row with its metadata (and media info when ``decision`` is given)."""
    row = History.objects.create(
        server=server,
        user=user,
        username=user.username,
        started=started,
        stopped=started + dt.timedelta(minutes=30) if started else None,
        play_duration=1700,
        paused_counter=100,
        view_offset=1_700_000,
        media_type=media_type,
        **kw,
    )
    HistoryMetadata.objects.create(
        history=row, title=title, full_title=title, duration=5_400_000, media_type=media_type
    )
    if decision:
        HistoryMediaInfo.objects.create(history=row, transcode_decision=decision)
    return row


def walk(get, limit, **filters):
    """Follow next_cursor from the first page to the last → (ids in order, pages read)."""
    ids, pages, cursor = [], 0, None
    while True:
        params = {"limit": limit, **filters}
        if cursor:
            params["cursor"] = cursor
        status, body = get("/api/history", **params)
        assert status == 200, body
        pages += 1
        assert len(body["items"]) <= limit
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages


# --- paging -------------------------------------------------------------------------------------
def test_cursor_walks_every_row_once_newest_first_even_with_equal_start_times(
    get, server, alice, bob
):
    rng = random.Random(7)
    rows = []
    for i in range(60):
        # 25 rows share one instant; others are spread over a few minutes (with more ties).
        started = T0 if i % 12 < 5 else T0 + dt.timedelta(minutes=rng.randint(-3, 3))
        rows.append(make_play(server, rng.choice([alice, bob]), started))
    rows.append(make_play(server, alice, None, title="No start time"))

    expected = [
        r.id
        for r in sorted(
            rows, key=lambda r: (r.started is not None, r.started or T0, r.id), reverse=True
        )
    ]
    for limit in (1, 7, 25, 61, 500):
        ids, pages = walk(get, limit)
        assert ids == expected  # same order, nothing skipped, nothing repeated
        assert pages == max(1, -(-len(expected) // limit))


def test_rows_logged_while_paging_do_not_shift_the_next_page(get, server, alice):
    rows = [make_play(server, alice, T0 + dt.timedelta(minutes=i)) for i in range(6)]
    status, first = get("/api/history", limit=3)
    make_play(server, alice, T0 + dt.timedelta(days=1))  # a new stream, newest of all
    status, second = get("/api/history", limit=3, cursor=first["next_cursor"])
    assert [i["id"] for i in second["items"]] == [r.id for r in rows[2::-1]]


def test_default_and_maximum_limit(get, server, alice):
    History.objects.bulk_create(
        History(server=server, user=alice, started=T0 - dt.timedelta(seconds=i)) for i in range(60)
    )
    status, body = get("/api/history")
    assert status == 200 and len(body["items"]) == 50 and body["next_cursor"]
    for bad in (0, 501, "ten"):
        status, body = get("/api/history", limit=bad)
        assert status == 422 and body["detail"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize(
    "cursor",
    ["not-base64!", "e30", "eyJ2IjoieCIsImlkIjoxfQ", "eyJ2IjpudWxsLCJpZCI6IjEifQ", "\x00"],
)
def test_a_cursor_we_did_not_issue_is_a_422(get, server, alice, cursor):
    # e30 = {}, then {"v":"x","id":1} and {"v":null,"id":"1"}
    make_play(server, alice, T0)
    status, body = get("/api/history", cursor=cursor)
    assert status == 422
    assert body["detail"][0]["loc"] == ["query", "cursor"]


def test_page_is_fetched_in_at_most_two_queries(
    get, server, alice, bob, django_assert_max_num_queries
):
    for i in range(30):
        make_play(server, alice if i % 2 else bob, T0 - dt.timedelta(minutes=i), decision="copy")
    make_play(server, alice, None)
    status, first = get("/api/history", limit=10)
    with django_assert_max_num_queries(1):
        status, middle = get("/api/history", limit=10, cursor=first["next_cursor"], search="mov")
    assert status == 200 and len(middle["items"]) == 10
    with django_assert_max_num_queries(2):  # the last page also reads the undated rows
        status, last = get("/api/history", limit=25, cursor=first["next_cursor"])
    assert status == 200 and len(last["items"]) == 21 and last["next_cursor"] is None


# --- item shape ---------------------------------------------------------------------------------
HISTORY_ITEM_TYPES = {
    "id": int,
    "reference_id": int,
    "server_id": int,
    "started": str,
    "stopped": str,
    "play_duration": int,
    "paused_counter": int,
    "view_offset": int,
    "user_id": int,
    "username": str,
    "friendly_name": str,
    "media_type": str,
    "rating_key": int,
    "parent_rating_key": int,
    "grandparent_rating_key": int,
    "section_id": int,
    "title": str,
    "full_title": str,
    "parent_title": str,
    "grandparent_title": str,
    "year": int,
    "media_index": int,
    "parent_media_index": int,
    "guid": str,
    "duration": int,
    "live": bool,
    "player": str,
    "platform": str,
    "product": str,
    "ip_address": str,
    "location": str,
    "secure": bool,
    "relayed": bool,
    "transcode_decision": str,
}


def test_history_item_has_every_field_with_json_types(get, server, alice):
    row = History.objects.create(
        server=server,
        reference_id=None,
        user=alice,
        username="alice",
        started=dt.datetime(2024, 3, 1, 20, 0, 5, tzinfo=dt.UTC),
        stopped=dt.datetime(2024, 3, 1, 20, 45, 5, tzinfo=dt.UTC),
        play_duration=2400,
        paused_counter=300,
        view_offset=2_400_000,
        media_type="episode",
        rating_key=30,
        parent_rating_key=20,
        grandparent_rating_key=10,
        section_id=2,
        player="Living Room",
        platform="Roku",
        product="Plex for Roku",
        ip_address="10.0.0.5",
        location="lan",
        secure=True,
        relayed=False,
    )
    History.objects.filter(pk=row.pk).update(reference_id=row.pk)
    HistoryMetadata.objects.create(
        history=row,
        title="Pilot",
        full_title="Show - Pilot",
        parent_title="Season 1",
        grandparent_title="Show",
        year=2020,
        media_index=1,
        parent_media_index=1,
        guid="plex://episode/abc",
        duration=2_700_000,
        live=False,
    )
    HistoryMediaInfo.objects.create(history=row, transcode_decision="transcode")

    status, body = get("/api/history")
    assert status == 200 and list(body) == ["items", "next_cursor"]
    item = body["items"][0]
    assert list(item) == list(HISTORY_ITEM_TYPES)
    assert {key: type(value) for key, value in item.items()} == HISTORY_ITEM_TYPES
    assert item["started"] == "2024-03-01T20:00:05Z"
    assert item["stopped"] == "2024-03-01T20:45:05Z"
    assert (item["play_duration"], item["paused_counter"]) == (2400, 300)  # seconds
    assert (item["view_offset"], item["duration"]) == (2_400_000, 2_700_000)  # ms
    assert item["reference_id"] == item["id"] == row.pk
    assert item["user_id"] == 1001 and item["friendly_name"] == "Alice A."
    assert item["full_title"] == "Show - Pilot" and item["transcode_decision"] == "transcode"
    assert item["secure"] is True and item["relayed"] is False and item["live"] is False


def test_friendly_name_falls_back_to_username_and_missing_metadata_is_null(get, server, bob):
    History.objects.create(server=server, user=bob, username="bob", started=T0)
    item = get("/api/history")[1]["items"][0]
    assert item["friendly_name"] == "bob"
    assert item["title"] is None and item["duration"] is None and item["live"] is False
    assert item["transcode_decision"] is None


# --- filters ------------------------------------------------------------------------------------
@pytest.fixture
def library_of_plays(server, alice, bob):
    other = baker.make("plex.Server", name="Cabin")
    return {
        "movie": make_play(
            server, alice, T0, title="Alien", rating_key=1, section_id=1, decision="direct play"
        ),
        "episode": make_play(
            server,
            bob,
            T0 + dt.timedelta(hours=1),
            title="Show - Pilot",
            media_type="episode",
            rating_key=11,
            parent_rating_key=10,
            grandparent_rating_key=9,
            section_id=2,
            decision="transcode",
        ),
        "track": make_play(
            other,
            alice,
            T0 + dt.timedelta(days=2),
            title="Song",
            media_type="track",
            section_id=3,
            decision="copy",
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["track", "episode", "movie"]),
        ({"user_id": 1001}, ["track", "movie"]),
        ({"rating_key": 11}, ["episode"]),
        ({"parent_rating_key": 10}, ["episode"]),
        ({"grandparent_rating_key": 9}, ["episode"]),
        ({"section_id": 1}, ["movie"]),
        ({"media_type": "track"}, ["track"]),
        ({"transcode_decision": "direct play"}, ["movie"]),
        ({"transcode_decision": "copy"}, ["track"]),
        ({"started_after": "2024-03-01T20:30:00Z"}, ["track", "episode"]),
        ({"started_before": "2024-03-01T21:00:00+00:00"}, ["movie"]),
        ({"started_after": "2024-03-01T21:00:00"}, ["track", "episode"]),  # naive = UTC
        ({"started_after": "2024-03-01T22:30:00+02:00"}, ["track", "episode"]),
        ({"search": "PILOT"}, ["episode"]),
        ({"search": "show"}, ["episode"]),
        ({"search": "alice a"}, ["track", "movie"]),  # friendly name
        ({"search": "bob"}, ["episode"]),  # username
        ({"user_id": 1001, "media_type": "movie"}, ["movie"]),
        ({"user_id": 999}, []),
    ],
)
def test_filters(get, library_of_plays, params, expected):
    status, body = get("/api/history", **params)
    assert status == 200, body
    assert [i["id"] for i in body["items"]] == [library_of_plays[k].id for k in expected]


def test_server_filter(get, library_of_plays):
    track_server = library_of_plays["track"].server_id
    status, body = get("/api/history", server=track_server)
    assert [i["id"] for i in body["items"]] == [library_of_plays["track"].id]


def test_filters_combine_with_cursor_paging(get, server, alice, bob):
    for i in range(20):
        make_play(server, alice if i % 3 else bob, T0 - dt.timedelta(minutes=i // 4))
    expected = list(
        History.objects.filter(user_id=1001)
        .order_by("-started", "-id")
        .values_list("id", flat=True)
    )
    assert walk(get, 4, user_id=1001)[0] == expected


@pytest.mark.parametrize(
    "params",
    [
        {"search": "a\x00b"},
        {"user_id": "abc"},
        {"user_id": 2**70},
        {"rating_key": "1.5"},
        {"media_type": "movie\x00"},
        {"media_type": "movies"},
        {"transcode_decision": "sideways"},
        {"started_after": "yesterday"},
        {"started_before": "2024-13-01"},
        {"search": "x" * 201},
    ],
)
def test_bad_filter_values_answer_422_with_the_parameter_named(get, library_of_plays, params):
    status, body = get("/api/history", **params)
    assert status == 422, body
    assert body["detail"][0]["loc"] == ["query", next(iter(params))]


# --- one row ------------------------------------------------------------------------------------
def test_detail_has_every_column_metadata_and_media_info(get, server, alice):
    row = make_play(server, alice, T0, title="Alien", decision="transcode", bandwidth=20000)
    HistoryMetadata.objects.filter(pk=row.pk).update(genres="Horror;Sci-Fi", added_at=T0)
    HistoryMediaInfo.objects.filter(pk=row.pk).update(stream_bitrate=8000, duration=5_400_000)

    status, body = get(f"/api/history/{row.pk}")
    assert status == 200
    assert body["id"] == row.pk and body["title"] == "Alien" and body["bandwidth"] == 20000
    assert set(HISTORY_ITEM_TYPES) < set(body)
    metadata, media = body["metadata"], body["media_info"]
    assert metadata["genres"] == "Horror;Sci-Fi" and metadata["added_at"] == "2024-03-01T20:00:00Z"
    assert metadata["duration"] == 5_400_000 and "history" not in metadata
    assert media["transcode_decision"] == "transcode" and media["stream_bitrate"] == 8000
    columns = {f.name for f in HistoryMediaInfo._meta.get_fields()} - {"history"}
    assert set(media) == columns


def test_detail_without_metadata_or_media_info(get, server, alice):
    row = History.objects.create(server=server, user=alice, started=T0)
    status, body = get(f"/api/history/{row.pk}")
    assert status == 200 and body["metadata"] is None and body["media_info"] is None


def test_missing_row_is_ninjas_404(get, server):
    assert get("/api/history/999999") == (404, {"detail": "Not Found"})


@pytest.mark.parametrize("history_id", [str(2**63), str(-(2**63) - 1), str(2**80)])
def test_id_beyond_64_bits_is_a_422_naming_it(get, server, history_id):
    """No BIGINT column holds it: refused by the schema before any query."""
    status, body = get(f"/api/history/{history_id}")
    assert status == 422 and body["detail"][0]["loc"] == ["path", "history_id"]


def test_history_needs_the_api_key(client, api_key, server, alice):
    row = make_play(server, alice, T0)
    assert client.get("/api/history").status_code == 401
    assert client.get(f"/api/history/{row.pk}", {"apikey": "wrong"}).status_code == 401
    assert client.get(f"/api/history/{row.pk}", {"apikey": api_key}).status_code == 200


def test_non_numeric_id_is_a_json_422(get, server):
    status, body = get("/api/history/abc")
    assert status == 422 and body["detail"][0]["loc"] == ["path", "history_id"]
