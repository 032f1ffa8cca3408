"""get_collections_table and get_playlists_table (plex.apiv2_media, plex.collections): read
live from the fake PMS through plexapi (real HTTP), answered in Tautulli's DataTables envelope
with the keys and JSON types of Tautulli v2.17.2's rows (plexpy/libraries.py; no capture of
these two commands is among the recordings)."""

import json
from xml.etree import ElementTree as ET

import pytest
from model_bakery import baker

from plex.testing import FakePlexServer
from plex.testing.collection_routes import add_collections, add_user_playlists
from plex.testing.media_routes import add_inventory_sections
from servers.models import Server
from users.models import User

TOKEN = "secret-plex-token"
USER_TOKEN = "shared-user-server-token"

pytestmark = pytest.mark.django_db

COLLECTION_TYPES = {
    "addedAt": "str",
    "art": ("str", "NoneType"),
    "childCount": "int",
    "collectionMode": "int",
    "collectionPublished": "bool",
    "collectionSort": "int",
    "contentRating": ("str", "NoneType"),
    "guid": "str",
    "librarySectionID": "int",
    "librarySectionTitle": "str",
    "maxYear": ("int", "NoneType"),
    "minYear": ("int", "NoneType"),
    "ratingKey": "int",
    "smart": "bool",
    "subtype": "str",
    "summary": "str",
    "thumb": "str",
    "title": "str",
    "titleSort": "str",
    "type": "str",
    "updatedAt": "str",
}
PLAYLIST_TYPES = {
    "addedAt": "str",
    "composite": "str",
    "duration": "int",
    "guid": "str",
    "leafCount": "int",
    "librarySectionID": ("str", "NoneType"),
    "playlistType": "str",
    "ratingKey": "int",
    "smart": "bool",
    "summary": "str",
    "title": "str",
    "type": "str",
    "updatedAt": "str",
    "userID": ("str", "NoneType"),
}


@pytest.fixture
def pms():
    with FakePlexServer(token=TOKEN) as fake:
        add_inventory_sections(fake)
        fake.collections = add_collections(fake)
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(
        Server, name="Fake", url=pms.url, token=TOKEN, machine_identifier=pms.machine_identifier
    )


def ok(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    assert status == 200, body
    assert body["response"]["result"] == "success" and body["response"]["message"] is None
    assert TOKEN not in json.dumps(body) and USER_TOKEN not in json.dumps(body)
    return body["response"]["data"]


def error(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    assert status == 400, body
    assert body["response"]["result"] == "error" and body["response"]["data"] == {}
    return body["response"]["message"]


def assert_types(row, types):
    assert list(row) == list(types)  # Tautulli's keys, in its order
    for key, expected in types.items():
        expected = expected if isinstance(expected, tuple) else (expected,)
        assert type(row[key]).__name__ in expected, (key, row[key])


def titles(data):
    return [row["title"] for row in data["data"]]


# --- get_collections_table --------------------------------------------------------------------


def test_collections_table_has_tautullis_envelope_keys_and_types(call_api, server):
    data = ok(call_api, "get_collections_table", section_id=1)

    assert list(data) == ["recordsFiltered", "recordsTotal", "data", "draw"]
    assert (data["recordsTotal"], data["recordsFiltered"], data["draw"]) == (3, 3, 1)
    for row in data["data"]:
        assert_types(row, COLLECTION_TYPES)
    # Tautulli's default order: titleSort descending.
    assert [row["titleSort"] for row in data["data"]] == [
        "Zombie Classics",
        "Marvel Cinematic Universe",
        "Animation",
    ]
    animation = data["data"][2]  # the recorded collection (plex-api.rs metadata_161.json)
    assert animation == {
        "addedAt": "2022-09-18T14:19:22",  # 1663510762 in the server's zone (UTC in tests)
        "art": None,
        "childCount": 3,
        "collectionMode": -1,
        "collectionPublished": False,
        "collectionSort": 0,
        "contentRating": "G",
        "guid": "collection://4f195cc1-8a08-4ee0-bc22-1946f2d6293f",
        "librarySectionID": 1,
        "librarySectionTitle": "Movies",
        "maxYear": 2010,
        "minYear": 2006,
        "ratingKey": 161,
        "smart": False,
        "subtype": "movie",
        "summary": "",
        "thumb": "/library/collections/161/composite/1663510762?width=400&height=600",
        "title": "Animation",
        "titleSort": "Animation",
        "type": "collection",
        "updatedAt": "2022-09-18T14:19:22",
    }
    zombie = data["data"][0]
    assert (zombie["smart"], zombie["collectionMode"], zombie["collectionSort"]) == (True, 2, 1)


def test_collections_dates_are_in_the_servers_local_time(call_api, server, settings):
    settings.TIME_ZONE = "Europe/Paris"
    data = ok(call_api, "get_collections_table", section_id=1, search="animation")
    assert data["data"][0]["addedAt"] == "2022-09-18T16:19:22"


def test_collections_paging_ordering_and_search(call_api, server):
    data = ok(
        call_api,
        "get_collections_table",
        section_id=1,
        order_column="childCount",
        order_dir="asc",
        start=1,
        length=1,
    )
    assert (data["recordsTotal"], data["recordsFiltered"]) == (3, 3)
    assert titles(data) == ["Animation"]  # childCount 2, 3, 12

    # The mode and sort are searched and sorted by their labels, as Tautulli does.
    data = ok(call_api, "get_collections_table", section_id=1, search="hide collection")
    assert (data["recordsTotal"], data["recordsFiltered"], titles(data)) == (3, 1, ["Marvel"])
    data = ok(call_api, "get_collections_table", section_id=1, order_column="collectionMode")
    # desc by label: "Show this collection..." (2), "Library Default" (-1), "Hide collection" (0)
    assert titles(data) == ["Zombie Classics", "Animation", "Marvel"]

    json_data = {
        "draw": 7,
        "columns": [{"data": "titleSort"}, {"data": "collectionSort"}],
        "order": [{"column": 0, "dir": "asc"}],
        "start": 0,
        "length": 2,
        "search": {"value": "M"},
    }
    data = ok(call_api, "get_collections_table", section_id=1, json_data=json.dumps(json_data))
    assert data["draw"] == 7
    # "m" is in "Animation", "Marvel" and "Zombie Classics" (titles and the label "Custom"...)
    assert data["recordsFiltered"] == 3 and titles(data) == ["Animation", "Marvel"]


def test_collections_of_other_sections(call_api, server):
    assert titles(ok(call_api, "get_collections_table", section_id=2)) == ["Sitcoms"]
    music = ok(call_api, "get_collections_table", section_id=3)
    assert (music["recordsTotal"], music["data"]) == (0, [])


def test_collections_errors_in_the_envelope(call_api, server, pms):
    # Without section_id Tautulli answers an empty table (draw 0), without asking PMS.
    before = len(pms.requests)
    empty = ok(call_api, "get_collections_table")
    assert empty == {"recordsFiltered": 0, "recordsTotal": 0, "draw": 0, "data": []}
    assert len(pms.requests) == before

    assert "section_id" in error(call_api, "get_collections_table", section_id="movies")
    assert error(call_api, "get_collections_table", section_id=99) == (
        "No library section 99 on Fake"
    )
    assert "order_column" in error(
        call_api, "get_collections_table", section_id=1, order_column="nope"
    )
    assert "json_data" in error(call_api, "get_collections_table", section_id=1, json_data="{")
    assert "server" in error(call_api, "get_collections_table", section_id=1, server="nope")


def test_collections_when_pms_is_down(call_api, server, pms):
    pms.stop()
    data = ok(call_api, "get_collections_table", section_id=1)
    assert (data["recordsTotal"], data["data"]) == (0, [])


def test_collections_without_any_server(call_api, db):
    data = ok(call_api, "get_collections_table", section_id=1)
    assert (data["recordsTotal"], data["data"], data["draw"]) == (0, [], 1)


# --- get_playlists_table ----------------------------------------------------------------------


def test_playlists_of_a_section(call_api, server, pms):
    data = ok(call_api, "get_playlists_table", section_id=1)

    assert list(data) == ["recordsFiltered", "recordsTotal", "data", "draw"]
    assert (data["recordsTotal"], data["recordsFiltered"], data["draw"]) == (1, 1, 1)
    row = data["data"][0]
    assert_types(row, PLAYLIST_TYPES)
    assert row == {  # the recorded playlist (plex-api.rs metadata_168.json)
        "addedAt": "2022-09-18T14:31:08",
        "composite": "/playlists/168/composite/1663511750",
        "duration": 10000,
        "guid": "com.plexapp.agents.none://8a730d03-e7a5-4067-b3df-495aba75c5ce",
        "leafCount": 2,
        "librarySectionID": "1",
        "playlistType": "video",
        "ratingKey": 168,
        "smart": True,
        "summary": "",
        "title": "Movies Since 2007",
        "type": "playlist",
        "updatedAt": "2022-09-18T14:35:50",
        "userID": None,
    }
    asked = [r for r in pms.requests if r.path == "/playlists"][-1]
    assert asked.query == {"playlistType": "video", "sectionID": "1"}

    assert titles(ok(call_api, "get_playlists_table", section_id=2)) == ["Weekend Shows"]
    assert titles(ok(call_api, "get_playlists_table", section_id=3)) == ["Dubstep"]


def test_playlists_of_the_owner_and_of_a_shared_user(call_api, server, pms):
    baker.make(User, user_id=1, username="owner", is_admin=True, server_token=TOKEN)
    baker.make(User, user_id=3, username="alice", server_token=USER_TOKEN)
    baker.make(User, user_id=4, username="bob", server_token=None)
    add_user_playlists(pms, pms.collections, USER_TOKEN)

    owner = ok(call_api, "get_playlists_table", user_id=1)
    assert titles(owner) == ["Weekend Shows", "Movies Since 2007", "Dubstep"]  # title desc
    assert {row["userID"] for row in owner["data"]} == {"1"}
    assert {row["librarySectionID"] for row in owner["data"]} == {None}

    alice = ok(call_api, "get_playlists_table", user_id=3, section_id=1)
    assert titles(alice) == ["Alice's Picks"]
    assert_types(alice["data"][0], PLAYLIST_TYPES)
    assert (alice["data"][0]["userID"], alice["data"][0]["librarySectionID"]) == ("3", "1")
    asked = [r for r in pms.requests if r.path == "/playlists"][-1]
    assert asked.token == USER_TOKEN and asked.query == {}

    # No stored token (or an unknown user): no playlists, as Tautulli; PMS is not asked.
    before = len(pms.requests)
    for user_id in (4, 999):
        data = ok(call_api, "get_playlists_table", user_id=user_id)
        assert (data["recordsTotal"], data["data"]) == (0, [])
    assert len(pms.requests) == before


def test_a_users_token_that_pms_rejects_gives_no_playlists(call_api, server, pms):
    baker.make(User, user_id=3, username="alice", server_token="revoked-token")
    data = ok(call_api, "get_playlists_table", user_id=3)
    assert (data["recordsTotal"], data["data"]) == (0, [])
    # The server's own connection is untouched: the owner's tables still answer.
    assert titles(ok(call_api, "get_playlists_table", section_id=2)) == ["Weekend Shows"]


def test_playlists_paging_ordering_and_search(call_api, server, pms):
    baker.make(User, user_id=1, username="owner", is_admin=True, server_token=TOKEN)
    data = ok(call_api, "get_playlists_table", user_id=1, order_column="duration", order_dir="asc")
    assert titles(data) == ["Movies Since 2007", "Dubstep", "Weekend Shows"]
    data = ok(call_api, "get_playlists_table", user_id=1, search="7800", length=1)
    assert (data["recordsTotal"], data["recordsFiltered"], titles(data)) == (
        3,
        1,
        ["Weekend Shows"],
    )
    data = ok(call_api, "get_playlists_table", user_id=1, order_dir="asc", start=2)
    assert titles(data) == ["Weekend Shows"]


def test_playlists_errors_in_the_envelope(call_api, server, pms):
    empty = ok(call_api, "get_playlists_table")
    assert empty == {"recordsFiltered": 0, "recordsTotal": 0, "draw": 0, "data": []}
    assert "user_id" in error(call_api, "get_playlists_table", user_id="alice")
    assert error(call_api, "get_playlists_table", section_id=42) == "No library section 42 on Fake"
    assert "order_column" in error(
        call_api, "get_playlists_table", section_id=1, order_column="titleSort"
    )


def test_playlists_when_pms_is_down(call_api, server, pms):
    baker.make(User, user_id=3, username="alice", server_token=USER_TOKEN)
    pms.stop()
    for params in ({"section_id": 1}, {"user_id": 3}):
        data = ok(call_api, "get_playlists_table", **params)
        assert (data["recordsTotal"], data["data"]) == (0, [])


def test_playlist_items_route_serves_the_recorded_movies(server, pms):
    """The fake's ``/playlists/<id>/items`` (for the other playlist commands)."""
    from plex.client import connect

    playlist = connect(server).playlist("Movies Since 2007")
    assert [item.ratingKey for item in playlist.items()] == [55, 108]


def test_a_photo_library_has_no_collections(call_api, server, pms):
    sections = ET.fromstring(pms.fixture("home-assistant-core/plex/library_sections.xml"))
    ET.SubElement(sections, "Directory", key="4", type="photo", title="Photos", agent="none")
    pms.route("/library/sections", ET.tostring(sections, encoding="unicode"))
    data = ok(call_api, "get_collections_table", section_id=4)
    assert (data["recordsTotal"], data["data"]) == (0, [])
    assert not [r for r in pms.requests if r.path == "/library/sections/4/all"]
