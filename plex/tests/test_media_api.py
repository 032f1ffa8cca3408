"""/api/v2 commands answered from PMS (plex.apiv2_media): get_metadata, get_children_metadata,
get_recently_added, search, pms_image_proxy and the server's identity, against Tautulli
v2.17.2's captures (tautulli-dart/media, tautulli-dart/plex).

The fake PMS answers recorded PMS documents (plex.testing.media_routes); real plexapi, real HTTP.
"""

import json
import socket
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from django.core.cache import cache
from model_bakery import baker

import plex.apiv2_media  # noqa: F401  (registers the commands; plex/apiv2.py will import it)
from conftest import load_fixture
from plex.testing import FakePlexServer
from plex.testing.media_routes import (
    MOVIE_108,
    MOVIES,
    RECENTLY_ADDED,
    add_image_transcoder,
    add_library,
    json_fixture_xml,
    with_markers,
)
from servers.models import Server

TOKEN = "secret-plex-token"
STATIC = Path(plex.apiv2_media.__file__).resolve().parent / "static" / "plex"

pytestmark = pytest.mark.django_db


def captured(relative):
    return load_fixture(relative)["response"]["data"]


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def json_types(value):
    """The JSON type of each key (recursively for dicts), to compare with a capture."""
    if isinstance(value, dict):
        return {key: json_types(item) for key, item in value.items()}
    return type(value).__name__


@pytest.fixture(autouse=True)
def _empty_image_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pms():
    with FakePlexServer(token=TOKEN) as fake:
        add_library(fake)
        fake.add_metadata(
            108,
            with_markers(
                json_fixture_xml(fake, MOVIE_108),
                [{"id": 7, "type": "credits", "start": 4000, "end": 5062, "final": True}],
            ),
        )
        fake.png = add_image_transcoder(fake)
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(
        Server, name="Fake", url=pms.url, token=TOKEN, machine_identifier=pms.machine_identifier
    )


@pytest.fixture
def down_server(db):
    return baker.make(Server, name="Down", url=closed_port_url(), token=TOKEN)


@pytest.fixture
def get(client, api_key):
    """The raw response of ``/api/v2?cmd=..`` (for commands answering bytes)."""

    def call(cmd, **params):
        return client.get("/api/v2", {"apikey": api_key, "cmd": cmd, **params})

    return call


def ok(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    assert status == 200, body
    assert body["response"]["result"] == "success" and body["response"]["message"] is None
    assert TOKEN not in json.dumps(body)
    return body["response"]["data"]


def error(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    assert status == 400, body
    assert body["response"]["result"] == "error" and body["response"]["data"] == {}
    return body["response"]["message"]


def paths(pms, prefix):
    return [r for r in pms.requests if r.path.startswith(prefix)]


# --- get_metadata -----------------------------------------------------------------------------------


def test_get_metadata_has_the_captured_keys_and_types(call_api, server):
    movie = ok(call_api, "get_metadata", rating_key=108)
    capture = captured("tautulli-dart/media/get_metadata.json")
    assert list(movie) == list(capture)
    top = {k: v for k, v in json_types(movie).items() if k != "media_info"}
    assert top == {k: v for k, v in json_types(capture).items() if k != "media_info"}
    assert movie["markers"] == [
        {
            "id": 7,
            "type": "credits",
            "start_time_offset": 4000,
            "end_time_offset": 5062,
            "first": True,
            "final": True,
        }
    ]
    assert list(movie["media_info"][0]) == list(capture["media_info"][0])
    episode = ok(call_api, "get_metadata", rating_key=90)
    assert list(episode) == list(captured("tautulli-dart/media/get_metadata__episode.json"))
    assert episode["full_title"] == "The 100 - Pilot"


def test_get_metadata_of_an_unknown_item_is_the_captured_empty_answer(call_api, server):
    status, body = call_api("get_metadata", rating_key=999999)
    assert status == 200
    assert body == load_fixture("tautulli-dart/media/get_metadata__invalid.json")


def test_get_metadata_bad_input_is_a_400(call_api, server):
    assert error(call_api, "get_metadata") == "Parameter rating_key is required"
    assert "rating_key" in error(call_api, "get_metadata", rating_key="../../identity")
    assert error(call_api, "get_metadata", rating_key=108, server="nowhere") == (
        "Unknown server: nowhere"
    )


def test_get_metadata_when_pms_is_down_or_absent_is_empty(call_api, server, down_server):
    assert ok(call_api, "get_metadata", rating_key=108, server="Down") == {}
    assert ok(call_api, "get_metadata", rating_key=108, server=server.machine_identifier)
    assert ok(call_api, "get_metadata", sync_id="abc") == {}


def test_get_metadata_without_any_server_is_empty(call_api):
    assert ok(call_api, "get_metadata", rating_key=108) == {}


# --- get_children_metadata --------------------------------------------------------------------------


def test_children_of_a_season_are_shaped_as_the_capture(call_api, server, pms):
    data = ok(call_api, "get_children_metadata", rating_key=89, media_type="season")
    capture = captured("tautulli-dart/media/get_children_metadata.json")
    assert list(data) == list(capture)
    assert json_types({k: v for k, v in data.items() if k != "children_list"}) == json_types(
        {k: v for k, v in capture.items() if k != "children_list"}
    )
    assert [json_types(child) for child in data["children_list"]] == [
        json_types(capture["children_list"][0])
    ] * 3
    assert data["children_count"] == 3
    assert (data["children_type"], data["title"]) == ("episode", "Season 1")
    pilot = data["children_list"][0]
    assert (pilot["rating_key"], pilot["title"], pilot["media_index"]) == ("90", "Pilot", "1")
    assert (pilot["section_id"], pilot["library_name"]) == ("2", "TV Shows")
    assert pilot["grandparent_title"] == "The 100" and pilot["full_title"] == "Pilot"
    assert paths(pms, "/library/metadata/89/children")


def test_children_of_a_show_are_its_seasons_without_the_all_episodes_shortcut(call_api, server):
    data = ok(call_api, "get_children_metadata", rating_key=22, media_type="show")
    assert data["children_count"] == 2
    assert data["children_type"] == "season" and data["title"] == "The 100"
    assert [(c["rating_key"], c["title"]) for c in data["children_list"]] == [
        ("89", "Season 1"),
        ("33", "Season 2"),
    ]


def test_children_of_an_album_and_of_nothing(call_api, server, down_server):
    tracks = ok(call_api, "get_children_metadata", rating_key=157)
    assert [c["title"] for c in tracks["children_list"]][:1] == ["Try It Out (Neon mix)"]
    assert tracks["children_type"] == "track"
    empty = {"children_count": 0, "children_type": "", "title": "", "children_list": []}
    assert ok(call_api, "get_children_metadata", rating_key=4242) == empty
    assert ok(call_api, "get_children_metadata", rating_key=89, server="Down") == empty
    assert error(call_api, "get_children_metadata") == "Parameter rating_key is required"


def test_children_of_a_collection_are_titled_by_it(call_api, server, pms):
    pms.route("/library/collections/161/children", json_fixture_xml(pms, MOVIES))
    data = ok(call_api, "get_children_metadata", rating_key=161, media_type="collection")
    assert (data["title"], data["children_type"], data["children_count"]) == (
        "Animation",
        "movie",
        4,
    )
    assert data["children_list"][0]["library_name"] == "Movies"


# --- get_recently_added -----------------------------------------------------------------------------


def test_recently_added_pages_through_pms(call_api, server, pms):
    data = ok(call_api, "get_recently_added", count=5, start=10)
    items = data["recently_added"]
    recorded = json.loads(pms.fixture(RECENTLY_ADDED))["MediaContainer"]["Metadata"]
    assert [i["rating_key"] for i in items] == [m["ratingKey"] for m in recorded[10:15]]
    [request] = paths(pms, "/library/recentlyAdded")
    assert request.headers["x-plex-container-start"] == "10"
    assert request.headers["x-plex-container-size"] == "5"
    added = [int(i["added_at"]) for i in items]
    assert added == sorted(added, reverse=True)
    children_keys = list(
        captured("tautulli-dart/media/get_children_metadata.json")["children_list"][0]
    )
    assert list(items[0]) == [*children_keys, "guids", "child_count"]
    lists = {"directors", "writers", "actors", "genres", "labels", "collections", "guids"}
    for item in items:
        assert {k for k, v in item.items() if isinstance(v, list)} == lists
        assert all(isinstance(v, str) for k, v in item.items() if k not in lists)
    season = next(i for i in items if i["media_type"] == "season")
    assert season["parent_title"] and season["child_count"] == ""


def test_recently_added_of_a_library_or_a_type(call_api, server, pms):
    ok(call_api, "get_recently_added", count=3, section_id=1)
    [section] = paths(pms, "/library/sections/1/recentlyAdded")
    assert section.headers["x-plex-container-size"] == "3"
    movies = ok(call_api, "get_recently_added", count=2, media_type="movie")["recently_added"]
    [hub] = paths(pms, "/hubs/home/recentlyAdded")
    assert hub.query["type"] == "1"
    # The recorded hub holds one movie.
    assert [(m["media_type"], m["title"]) for m in movies] == [("movie", "Hidden Figures")]


def test_recently_added_errors_and_pms_down(call_api, server, down_server):
    assert error(call_api, "get_recently_added") == "Parameter count is required"
    assert "count" in error(call_api, "get_recently_added", count="ten")
    assert "start" in error(call_api, "get_recently_added", count=1, start=-1)
    assert ok(call_api, "get_recently_added", count=5, server="Down") == {"recently_added": []}


# --- search -----------------------------------------------------------------------------------------


def test_search_answers_full_metadata_per_type(call_api, server, pms):
    data = ok(call_api, "search", query="the", limit=3)
    capture = captured("tautulli-dart/media/search.json")
    assert list(data) == list(capture)
    assert list(data["results_list"]) == list(capture["results_list"])
    movie = data["results_list"]["movie"][0]
    assert list(movie) == list(capture["results_list"]["movie"][0])
    assert movie["title"] == "Interstate 60"
    assert [s["title"] for s in data["results_list"]["show"]] == ["The 100"]
    # As Tautulli, a show brings its seasons.
    assert [s["rating_key"] for s in data["results_list"]["season"]] == ["89", "33"]
    assert data["results_count"] == 4
    [request] = paths(pms, "/hubs/search")
    assert (request.query["query"], request.query["limit"]) == ("the", "3")


def test_search_without_limit_still_finds_things(call_api, server, pms):
    data = ok(call_api, "search", query="interstate")
    assert data["results_count"] == 4
    assert "limit" not in paths(pms, "/hubs/search")[0].query


def test_search_errors_and_pms_down(call_api, server, down_server):
    assert error(call_api, "search") == "Parameter query is required"
    data = ok(call_api, "search", query="x", server="Down")
    assert data["results_count"] == 0
    assert all(items == [] for items in data["results_list"].values())


# --- pms_image_proxy --------------------------------------------------------------------------------


def test_image_proxy_answers_pms_bytes_and_caches_them(get, server, pms):
    params = {"img": "/library/metadata/108/thumb/1663510739", "width": 300, "height": 450}
    response = get("pms_image_proxy", **params)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == pms.png
    [request] = paths(pms, "/photo/:/transcode")
    assert request.query["url"].startswith("/library/metadata/108/thumb")
    assert (request.query["width"], request.query["height"]) == ("300", "450")
    assert (request.query["opacity"], request.query["background"]) == ("100", "000000")
    assert request.query["format"] == "png"
    assert TOKEN not in response.content.decode("latin-1")
    assert all(TOKEN not in value for value in response.headers.values())

    # The same image again: from the cache, PMS is not asked.
    again = get("pms_image_proxy", **params)
    assert again.content == pms.png
    assert len(paths(pms, "/photo/:/transcode")) == 1
    # Another size, or refresh, asks PMS.
    get("pms_image_proxy", **{**params, "width": 150})
    get("pms_image_proxy", **params, refresh=1)
    assert len(paths(pms, "/photo/:/transcode")) == 3


def test_image_proxy_by_rating_key(get, server, pms):
    assert get("pms_image_proxy", rating_key=108).status_code == 200
    assert get("pms_image_proxy", rating_key=108, fallback="art").status_code == 200
    urls = [r.query["url"].split("?")[0] for r in paths(pms, "/photo/:/transcode")]
    assert urls == ["/library/metadata/108/thumb", "/library/metadata/108/art"]
    assert [r.query["width"] for r in paths(pms, "/photo/:/transcode")] == ["750", "750"]


def test_image_proxy_falls_back_to_a_placeholder(get, call_api, server, pms, down_server):
    pms.route("/photo/:/transcode", b"not found", status=404, content_type="text/html")
    response = get("pms_image_proxy", img="/library/metadata/108/thumb", fallback="poster")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content == (STATIC / "fallback-poster.png").read_bytes()
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    down = get("pms_image_proxy", rating_key=1, fallback="art", server="Down")
    assert down.content == (STATIC / "fallback-art.png").read_bytes()
    nothing = get("pms_image_proxy", fallback="user")
    assert nothing.content == (STATIC / "fallback-user.png").read_bytes()
    # The failure was not cached: PMS is asked again next time.
    get("pms_image_proxy", img="/library/metadata/108/thumb", fallback="poster")
    assert len(paths(pms, "/photo/:/transcode")) == 2
    # Without a fallback: Tautulli's error envelope, never a 500.
    message = error(call_api, "pms_image_proxy", img="/library/metadata/108/thumb")
    assert message == "Unable to retrieve the image from the Plex Media Server"
    assert error(call_api, "pms_image_proxy") == "Parameter img or rating_key is required"


def test_image_proxy_rejects_bad_parameters(call_api, server, pms):
    assert "img" in error(call_api, "pms_image_proxy", img="library/../../etc/passwd")
    assert "img" in error(call_api, "pms_image_proxy", img="/library/../identity")
    assert "img_format" in error(call_api, "pms_image_proxy", img="/a/b", img_format="svg")
    assert "background" in error(call_api, "pms_image_proxy", img="/a/b", background="red")
    assert "opacity" in error(call_api, "pms_image_proxy", img="/a/b", opacity=101)
    assert "width" in error(call_api, "pms_image_proxy", img="/a/b", width=0)
    assert "return_hash" in error(call_api, "pms_image_proxy", img="/a/b", return_hash=1)
    assert not paths(pms, "/photo")


# --- the server -------------------------------------------------------------------------------------


def test_server_identity_name_and_servers_info(call_api, server, pms):
    identity = ok(call_api, "get_server_identity")
    capture = captured("tautulli-dart/plex/get_server_identity.json")
    assert json_types(identity) == json_types(capture)
    assert identity == {"machine_identifier": pms.machine_identifier, "version": pms.version}

    name = ok(call_api, "get_server_friendly_name")
    assert isinstance(name, str) and name == pms.name

    servers = ok(call_api, "get_servers_info")
    expected = captured("tautulli-dart/plex/get_servers_info.json")
    assert [json_types(s) for s in servers] == [json_types(expected[0])] * 2
    assert [(s["name"], s["host"], s["port"]) for s in servers] == [
        ("One", "192.168.1.100", "32400"),
        ("Two", "192.168.1.101", "32400"),
    ]


def test_server_commands_when_pms_is_down(call_api, down_server):
    assert ok(call_api, "get_server_identity", server="Down") == {}
    assert ok(call_api, "get_servers_info", server="Down") == []
    # Tautulli keeps the name it last knew (PMS_NAME): so do we.
    assert ok(call_api, "get_server_friendly_name", server="Down") == "Down"


def test_server_commands_without_a_server(call_api):
    assert ok(call_api, "get_server_identity") == {}
    assert ok(call_api, "get_servers_info") == []
    assert error(call_api, "get_server_friendly_name") == "No Plex Media Server is configured"


def test_get_server_id_reads_the_identity_at_an_address(call_api, pms):
    port = pms.url.rsplit(":", 1)[1]
    data = ok(call_api, "get_server_id", hostname="127.0.0.1", port=port)
    assert data == {"identifier": pms.machine_identifier}
    assert json_types(data) == json_types(captured("tautulli-dart/plex/get_server_id.json"))
    closed = closed_port_url().rsplit(":", 1)[1]
    message = error(call_api, "get_server_id", hostname="127.0.0.1", port=closed)
    assert message == "Unable to retrieve the PMS identifier."
    assert error(call_api, "get_server_id", port=32400) == "Parameter hostname is required"
    assert "hostname" in error(call_api, "get_server_id", hostname="a/b@c", port=32400)


def resources_xml(resources: list[dict]) -> str:
    """plex.tv's ``/api/v2/resources`` as the XML plexapi reads, from its recorded JSON."""

    def attrs(data):
        return {
            key: ("1" if value else "0") if isinstance(value, bool) else str(value)
            for key, value in data.items()
            if value is not None and not isinstance(value, list)
        }

    root = ET.Element("resources", size=str(len(resources)))
    for resource in resources:
        elem = ET.SubElement(root, "resource", attrs(resource))
        connections = ET.SubElement(elem, "connections")
        for connection in resource.get("connections", []):
            ET.SubElement(connections, "connection", attrs(connection))
    return ET.tostring(root, encoding="unicode")


def test_get_server_list_from_plex_tv(call_api, settings, db):
    with FakePlexServer(token="faketoken", name="plex.tv") as plextv:
        plextv.route_fixture("/api/v2/user", "home-assistant-core/plex/plextv_account.xml")
        recorded = json.loads(plextv.fixture("plex-api.rs/myplex/api/v2/resources.json"))
        plextv.route("/api/v2/resources", resources_xml(recorded))
        settings.PLEX_TV_URL = plextv.url
        baker.make(Server, name="Box", url="http://192.0.2.1:32400", token="faketoken")
        servers = ok(call_api, "get_server_list")
    capture = captured("tautulli-dart/plex/get_server_list.json")
    assert [sorted(json_types(s).items()) for s in servers] == [
        sorted(json_types(capture[0]).items())
    ] * 4
    assert [s["value"] for s in servers] == [
        "172.18.0.3:32400",
        "example.org:443",
        "2.2.2.2:443",
        "178.3.2.1:8443",
    ]
    assert servers[0]["local"] == "1" and servers[1]["local"] == "0"
    assert {s["label"] for s in servers} == {"Box"}
    assert "faketoken" not in json.dumps(servers)
    # plex.tv unreachable: an empty list.
    settings.PLEX_TV_URL = closed_port_url()
    assert ok(call_api, "get_server_list") == []


def test_docs_lists_the_commands(call_api, server):
    docs = ok(call_api, "docs")
    for cmd in (
        "get_metadata",
        "get_children_metadata",
        "get_recently_added",
        "search",
        "pms_image_proxy",
        "get_server_identity",
        "get_server_friendly_name",
        "get_servers_info",
        "get_server_id",
        "get_server_list",
    ):
        assert "Returns" in docs[cmd] or "Returns:" in docs[cmd], cmd
