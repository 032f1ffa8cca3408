"""get_library_media_info and delete_media_info_cache (issue 13): Tautulli's media info table
answered from the inventory and its statistics; shapes and JSON types as Tautulli's
(``webserve.get_library_media_info``'s documented example), its ordering, search, paging,
``refresh`` queued as a django-q2 task, and bad input answered in the envelope."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.models import OrmQ
from model_bakery import baker

from libraries.models import LibraryMedia
from plex import tasks
from plex.testing import FakePlexServer
from plex.testing.media_routes import add_inventory_sections
from servers.models import Server
from stats.tests.inventory_data import GB, REFRESHED, T0, build_inventory

pytestmark = pytest.mark.django_db

ROW_KEYS = [
    "section_id",
    "section_type",
    "added_at",
    "media_type",
    "rating_key",
    "parent_rating_key",
    "grandparent_rating_key",
    "title",
    "sort_title",
    "year",
    "media_index",
    "parent_media_index",
    "thumb",
    "container",
    "bitrate",
    "video_codec",
    "video_resolution",
    "video_framerate",
    "audio_codec",
    "audio_channels",
    "file_size",
    "last_played",
    "play_count",
]
STRINGS = set(ROW_KEYS) - {"section_id", "file_size", "last_played", "play_count"}


@pytest.fixture
def data():
    return build_inventory()


def _table(call_api, **params):
    status, body = call_api("get_library_media_info", **params)
    assert status == 200, body
    assert body["response"]["result"] == "success"
    return body["response"]["data"]


def _epoch(value):
    return int(value.timestamp())


def test_section_listing_has_tautullis_shape_and_types(data, call_api):
    table = _table(call_api, section_id=1, order_column="sort_title", order_dir="asc")
    assert list(table) == [
        "recordsFiltered",
        "recordsTotal",
        "data",
        "draw",
        "filtered_file_size",
        "total_file_size",
        "last_refreshed",
    ]
    assert (table["recordsTotal"], table["recordsFiltered"], table["draw"]) == (3, 3, 1)
    assert table["last_refreshed"] == _epoch(REFRESHED)
    assert table["total_file_size"] == table["filtered_file_size"] == 10 * GB
    assert [row["title"] for row in table["data"]] == ["Alien", "Big Movie", "Zed"]  # not Gone
    big = table["data"][1]
    assert list(big) == ROW_KEYS
    for key in STRINGS:
        assert isinstance(big[key], str), key
    assert big == {
        "section_id": 1,
        "section_type": "movie",
        "added_at": str(_epoch(T0) - 10 * 86400),
        "media_type": "movie",
        "rating_key": "50",
        "parent_rating_key": "",
        "grandparent_rating_key": "",
        "title": "Big Movie",
        "sort_title": "Big Movie",
        "year": "2019",
        "media_index": "",
        "parent_media_index": "",
        "thumb": "/library/metadata/50/thumb/1",
        "container": "mkv",
        "bitrate": "20000",
        "video_codec": "hevc",
        "video_resolution": "4k",
        "video_framerate": "24p",
        "audio_codec": "eac3",
        "audio_channels": "6",
        "file_size": 8 * GB,
        "last_played": _epoch(T0) - 3 * 86400 - 7000,
        "play_count": 2,
    }
    zed = table["data"][2]
    assert (zed["file_size"], zed["last_played"], zed["play_count"]) == (0, None, None)


def test_show_library_lists_shows_with_rolled_up_sizes_and_plays(data, call_api):
    table = _table(call_api, section_id=2)
    # Tautulli's default order: sort_title descending ("Show" sorts The Show under S).
    assert [row["title"] for row in table["data"]] == ["The Show", "Another Show"]
    show = table["data"][0]
    assert (show["sort_title"], show["file_size"], show["play_count"]) == ("Show", 4 * GB, 2)
    assert (show["section_type"], show["media_type"], show["year"]) == ("show", "show", "2011")
    assert table["total_file_size"] == 4 * GB + GB // 2
    assert table["last_refreshed"] is None
    # A lower level of the section: its episodes.
    episodes = _table(call_api, section_id=2, section_type="episode", length=100)
    assert episodes["recordsTotal"] == 5
    assert {row["media_type"] for row in episodes["data"]} == {"episode"}


def test_rating_key_lists_children_by_media_index(data, call_api):
    seasons = _table(call_api, section_id=2, rating_key=1, order_dir="asc")
    assert [row["rating_key"] for row in seasons["data"]] == ["10", "20"]
    first = seasons["data"][0]
    assert (first["parent_rating_key"], first["media_index"], first["file_size"]) == (
        "1",
        "1",
        2 * GB,
    )
    assert (first["play_count"], seasons["data"][1]["play_count"]) == (2, None)
    # Default direction (desc, as Tautulli's), and without section_id: the item's library.
    episodes = _table(call_api, rating_key=10)
    assert [row["rating_key"] for row in episodes["data"]] == ["12", "11"]
    assert episodes["data"][0]["section_id"] == 2
    assert episodes["data"][1]["play_count"] == 1  # one play, resumed once


@pytest.mark.parametrize(
    ("column", "direction", "expected"),
    [
        ("file_size", "desc", ["Big Movie", "Alien", "Zed"]),
        ("file_size", "asc", ["Zed", "Alien", "Big Movie"]),
        ("play_count", "desc", ["Big Movie", "Alien", "Zed"]),
        ("last_played", "asc", ["Zed", "Alien", "Big Movie"]),
        ("video_resolution", "desc", ["Big Movie", "Alien", "Zed"]),
        ("added_at", "desc", ["Big Movie", "Alien", "Zed"]),
        ("title", "asc", ["Alien", "Big Movie", "Zed"]),
        ("container", "asc", ["Big Movie", "Zed", "Alien"]),
        ("audio_channels", "desc", ["Big Movie", "Zed", "Alien"]),
    ],
)
def test_order_columns(data, call_api, column, direction, expected):
    table = _table(call_api, section_id=1, order_column=column, order_dir=direction)
    assert [row["title"] for row in table["data"]] == expected


def test_json_data_search_and_paging(data, call_api):
    request = {
        "draw": 7,
        "columns": [{"data": "sort_title", "searchable": True}, {"data": "file_size"}],
        "order": [{"column": 1, "dir": "desc"}],
        "start": 1,
        "length": 1,
        "search": {"value": "MKV"},
    }
    table = _table(call_api, section_id=1, json_data=json.dumps(request))
    assert (table["draw"], table["recordsTotal"], table["recordsFiltered"]) == (7, 3, 2)
    assert [row["title"] for row in table["data"]] == ["Zed"]
    # total_file_size: every matching row; filtered_file_size: the page (Tautulli's sums).
    assert (table["total_file_size"], table["filtered_file_size"]) == (8 * GB, 0)
    assert _table(call_api, section_id=1, search="20000")["recordsFiltered"] == 2  # bitrate
    paged = _table(call_api, section_id=1, start=2, length=5, order_dir="asc")
    assert [row["title"] for row in paged["data"]] == ["Zed"]


def test_page_is_cut_in_sql(data, call_api):
    with CaptureQueriesContext(connection) as queries:
        _table(call_api, section_id=2, section_type="episode", length=2)
    page = [q["sql"] for q in queries if "LIMIT" in q["sql"].upper() and "ORDER BY" in q["sql"]]
    assert page, [q["sql"] for q in queries]


def test_unknown_library_answers_an_empty_table(data, call_api):
    table = _table(call_api, section_id=77)
    assert (table["recordsTotal"], table["data"], table["draw"]) == (0, [], 0)
    assert _table(call_api, rating_key=999)["data"] == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"section_id": "abc"},
        {"section_id": "1", "section_type": "galaxy"},
        {"section_id": "1", "order_column": "nope"},
        {"section_id": "1", "order_dir": "sideways", "order_column": "file_size"},
        {"section_id": "1", "json_data": "{not json"},
        {"section_id": "1", "start": "-1"},
        {"section_id": "1", "refresh": "maybe"},
        {"section_id": "1", "server": "nowhere"},
        {"rating_key": str(2**70)},
    ],
)
def test_bad_input_answers_in_the_envelope(data, call_api, params):
    status, body = call_api("get_library_media_info", **params)
    assert status == 400
    assert body["response"]["result"] == "error"
    assert body["response"]["message"]


def test_refresh_is_queued_and_the_task_reads_the_library(data, call_api):
    table = _table(call_api, section_id=1, refresh="true")
    assert table["recordsTotal"] == 3
    assert OrmQ.objects.count() == 1
    assert _table(call_api, section_id=1)["recordsTotal"] == 3
    assert OrmQ.objects.count() == 1  # no refresh without refresh=true
    # The task of a server that cannot be reached says so and changes nothing.
    assert "error" in tasks.refresh_library_inventory(data["server"].pk, 1)
    assert tasks.refresh_library_inventory(data["server"].pk, 404) == {}


def test_delete_media_info_cache_queues_a_refresh(data, call_api):
    status, body = call_api("delete_media_info_cache", section_id=2)
    assert status == 200
    assert body["response"]["result"] == "success"
    assert body["response"]["message"] == "Deleted media info table cache for library with id 2."
    assert OrmQ.objects.count() == 1
    status, body = call_api("delete_media_info_cache", section_id=9)
    assert (status, body["response"]["result"]) == (400, "error")
    status, body = call_api("delete_media_info_cache")
    assert (status, body["response"]["result"]) == (400, "error")


def test_a_library_read_from_pms_is_listed(call_api):
    """End to end: the refresh task reads the fake PMS's recorded sections into the
    inventory, and the table lists them."""
    with FakePlexServer() as pms:
        add_inventory_sections(pms)
        server = baker.make(Server, name="Home", url=pms.url, token=pms.token, is_active=True)
        from plex.sync import sync_libraries

        sync_libraries()
        library = server.libraries.filter(section_type="movie").first()
        counts = tasks.refresh_library_inventory(server.pk, library.section_id)
    assert counts["items"] > 0
    table = _table(call_api, section_id=library.section_id, length=100)
    present = LibraryMedia.objects.present().filter(
        server=server, section_id=library.section_id, media_type="movie"
    )
    assert table["recordsTotal"] == present.count() > 0
    assert table["last_refreshed"] is not None
    assert all(row["file_size"] > 0 for row in table["data"])
