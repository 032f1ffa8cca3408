"""plex.metadata: PMS items as Tautulli's get_metadata dicts (keys and JSON types of the v2.17.2
captures), and the history rows the writer makes of them.

Real plexapi against the fake PMS answering recorded PMS documents (plex.testing.media_routes);
nothing in plexapi is patched.
"""

import datetime as dt
import socket
from xml.etree import ElementTree as ET

import pytest
from model_bakery import baker

from conftest import load_fixture
from history.models import History
from history.writer import write_session_history
from libraries.models import Library
from plex import metadata
from plex.client import PlexUnavailable
from plex.testing import FakePlexServer
from plex.testing.media_routes import (
    EPISODES_OF_89,
    MOVIE_108,
    MOVIES,
    add_library,
    json_fixture_xml,
    single_item_xml,
    with_markers,
)
from servers.models import Server, Session
from users.models import User

pytestmark = pytest.mark.django_db

MOVIE_CAPTURE = "tautulli-dart/media/get_metadata.json"
EPISODE_CAPTURE = "tautulli-dart/media/get_metadata__episode.json"
# Interstate 60 (rating key 108) lasts 5062 ms in the recording.
MOVIE_MARKERS = [
    {"id": 11, "type": "intro", "start": 0, "end": 900},
    {"id": 12, "type": "credits", "start": 4000, "end": 4400},
    {"id": 13, "type": "credits", "start": 4500, "end": 5062, "final": True},
]


def captured(relative):
    return load_fixture(relative)["response"]["data"]


def assert_same_shape(ours, theirs, where="data"):
    """Same keys in the same order and the same JSON types, recursively (lists: per element;
    a None in the capture says nothing about the type; a marker's first/final are None on
    non-credits markers, as Tautulli documents)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), where
        assert list(ours) == list(theirs), where
        for key, value in theirs.items():
            assert_same_shape(ours[key], value, f"{where}.{key}")
    elif isinstance(theirs, list):
        assert isinstance(ours, list), where
        for index, value in enumerate(ours):
            if theirs:
                assert_same_shape(value, theirs[min(index, len(theirs) - 1)], f"{where}[{index}]")
    elif theirs is not None and not (ours is None and where.endswith((".first", ".final"))):
        assert type(ours) is type(theirs), f"{where}: {ours!r} vs {theirs!r}"


def streams_by_type(media_info):
    return {
        stream["type"]: stream
        for media in media_info
        for part in media["parts"]
        for stream in part["streams"]
    }


@pytest.fixture
def pms():
    with FakePlexServer(token="secret-plex-token") as fake:
        add_library(fake)
        fake.add_metadata(108, with_markers(json_fixture_xml(fake, MOVIE_108), MOVIE_MARKERS))
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(
        Server,
        name="Fake",
        url=pms.url,
        token=pms.token,
        machine_identifier=pms.machine_identifier,
    )


def requested_paths(pms):
    return [request.path for request in pms.requests]


# --- shapes -----------------------------------------------------------------------------------------


def test_movie_has_every_key_and_json_type_of_the_capture(server, pms):
    data = metadata.fetch_metadata(server, 108)
    capture = captured(MOVIE_CAPTURE)
    assert_same_shape(
        {k: v for k, v in data.items() if k != "media_info"},
        {k: v for k, v in capture.items() if k != "media_info"},
    )
    ours_media, their_media = data["media_info"][0], capture["media_info"][0]
    assert list(ours_media) == list(their_media)
    assert list(ours_media["parts"][0]) == list(their_media["parts"][0])
    ours_streams, their_streams = (
        streams_by_type(data["media_info"]),
        streams_by_type(capture["media_info"]),
    )
    for kind in ("1", "2"):
        assert_same_shape(ours_streams[kind], their_streams[kind], f"stream {kind}")
    assert data["title"] == "Interstate 60"
    assert data["year"] == "2002"
    assert data["duration"] == "5062"
    assert data["section_id"] == "1" and data["library_name"] == "Movies"
    assert data["genres"] == ["Adventure", "Comedy", "Drama", "Fantasy"]
    assert data["directors"] == ["Bob Gale"] and data["writers"] == ["Bob Gale"]
    assert data["actors"][:2] == ["James Marsden", "Gary Oldman"]
    assert data["added_at"] == "1579514268"
    assert data["originally_available_at"] == "2002-04-13"
    assert data["rating"] == "7.7"
    # One request: the item with its markers.
    item_requests = [r for r in pms.requests if r.path == "/library/metadata/108"]
    assert len(item_requests) == 1 and item_requests[0].query["includeMarkers"] == "1"


def test_episode_takes_show_and_season_details_as_tautulli(server, pms):
    data = metadata.fetch_metadata(server, 90)
    capture = captured(EPISODE_CAPTURE)
    assert list(data) == list(capture)
    assert_same_shape(
        {k: v for k, v in data.items() if k != "media_info"},
        {k: v for k, v in capture.items() if k != "media_info"},
    )
    assert data["full_title"] == "The 100 - Pilot"
    assert (data["rating_key"], data["parent_rating_key"], data["grandparent_rating_key"]) == (
        "90",
        "89",
        "22",
    )
    assert (data["media_index"], data["parent_media_index"]) == ("1", "1")
    # From the show (22): studio, cast, genres, collections, banner, its year.
    assert data["studio"] == "The CW"
    assert data["actors"] == ["Ricky Whittle", "Eliza Taylor", "Eve Harlow"]
    assert data["genres"] == ["Action", "Drama"]
    assert data["collections"] == ["SciFi"]
    assert data["banner"] == "/library/metadata/22/banner/1579514246"
    assert data["grandparent_year"] == "2014"
    # The episode's own writers.
    assert data["writers"] == ["Jason Rothenberg"]
    assert {"/library/metadata/22", "/library/metadata/89"} <= set(requested_paths(pms))


def test_season_takes_its_shows_details(server):
    data = metadata.fetch_metadata(server, 89)
    assert data["media_type"] == "season"
    assert data["full_title"] == "The 100 - Season 1"
    assert data["studio"] == "The CW"
    assert data["content_rating"] == "TV-14"
    assert data["parent_year"] == "2014"
    assert data["duration"] == "2700000"
    assert data["children_count"] == 9
    assert list(data)[: len(captured(MOVIE_CAPTURE)) - 1] == list(captured(MOVIE_CAPTURE))[:-1]


def test_track_takes_its_albums_year_and_names_its_artist(server):
    data = metadata.fetch_metadata(server, 158)
    assert data["media_type"] == "track"
    assert data["full_title"] == "Try It Out (Neon mix) - Skrillex"
    assert data["year"] == "2013"  # the album's
    assert (data["parent_title"], data["grandparent_title"]) == ("Try It Out", "Skrillex")
    assert data["section_id"] == "5" and data["library_name"] == "Music"
    media = data["media_info"][0]
    assert media["audio_codec"] == "aac" and media["audio_channel_layout"] == "Mono"
    assert media["video_full_resolution"] == ""


def test_album_artist_and_photos(server):
    album = metadata.fetch_metadata(server, 157)
    assert album["full_title"] == "Skrillex - Try It Out"
    assert album["studio"] == "Big Beat"
    artist = metadata.fetch_metadata(server, 156)
    assert artist["media_type"] == "artist" and artist["genres"] == ["Dubstep", "Electronic"]
    assert metadata.fetch_metadata(server, 64)["media_type"] == "photo_album"
    photo = metadata.fetch_metadata(server, 59)
    assert photo["media_type"] == "photo"
    assert photo["full_title"] == "Photos - Picture1"
    assert photo["media_info"][0]["container"] == "jpeg"


def test_collection_and_playlist_have_tautullis_extra_keys(server):
    collection = metadata.fetch_metadata(server, 161)
    assert collection["media_type"] == "collection"
    assert collection["sub_media_type"] == "movie"
    assert (collection["min_year"], collection["max_year"]) == ("2006", "2010")
    assert collection["children_count"] == 3 and collection["child_count"] == "3"
    assert collection["smart"] == 0
    playlist = metadata.fetch_metadata(server, 168)
    assert list(playlist) == [
        "media_type",
        "section_id",
        "library_name",
        "rating_key",
        "guid",
        "title",
        "summary",
        "duration",
        "composite",
        "thumb",
        "added_at",
        "updated_at",
        "last_viewed_at",
        "children_count",
        "smart",
        "playlist_type",
        "live",
    ]
    assert playlist["smart"] == 1 and playlist["playlist_type"] == "video"


def test_guids_of_the_new_plex_agent(server):
    data = metadata.fetch_metadata(server, 13194)
    assert data["guid"] == "plex://movie/5d776926ad5437001f7595eb"
    assert data["guids"] == ["imdb://tt2294629", "tmdb://109445", "tvdb://89"]
    assert data["audience_rating"] == "8.5"
    assert data["last_viewed_at"] == "1524861657"


# --- markers and media info -------------------------------------------------------------------------


def test_markers_flag_the_first_and_final_credits(server):
    markers = metadata.fetch_metadata(server, 108)["markers"]
    assert markers == [
        {
            "id": 11,
            "type": "intro",
            "start_time_offset": 0,
            "end_time_offset": 900,
            "first": None,
            "final": None,
        },
        {
            "id": 12,
            "type": "credits",
            "start_time_offset": 4000,
            "end_time_offset": 4400,
            "first": True,
            "final": False,
        },
        {
            "id": 13,
            "type": "credits",
            "start_time_offset": 4500,
            "end_time_offset": 5062,
            "first": False,
            "final": True,
        },
    ]


def test_a_single_credits_marker_is_first_and_final(server, pms):
    xml = single_item_xml(json_fixture_xml(pms, EPISODES_OF_89), 91)
    pms.add_metadata(
        91, with_markers(xml, [{"id": 5, "type": "credits", "start": 10, "end": 20, "final": True}])
    )
    [marker] = metadata.fetch_metadata(server, 91)["markers"]
    assert (marker["first"], marker["final"]) == (True, True)


def test_hdr_versions_subtitles_and_resolutions(server):
    media_info = metadata.fetch_metadata(server, 159637)["media_info"]
    assert [m["video_full_resolution"] for m in media_info] == ["4k", "720p"]
    first = media_info[0]
    video = streams_by_type([first])["1"]
    assert video["video_dynamic_range"] == "HDR10"
    assert video["video_bit_depth"] == "10" and video["video_color_trc"] == "smpte2084"
    subtitles = [s for s in first["parts"][0]["streams"] if s["type"] == "3"]
    assert [s["subtitle_location"] for s in subtitles] == ["embedded", "embedded"]
    assert_same_shape(subtitles[0], streams_by_type(captured(MOVIE_CAPTURE)["media_info"])["3"])
    assert first["audio_channel_layout"] == "5.1"
    external = streams_by_type(metadata.fetch_metadata(server, 1036)["media_info"])["3"]
    assert external["subtitle_location"] == "external"
    sdr = streams_by_type(metadata.fetch_metadata(server, 108)["media_info"])["1"]
    assert sdr["video_dynamic_range"] == "SDR" and sdr["video_frame_rate"] == "25.000"


# --- library name, missing items, failures ----------------------------------------------------------


def test_library_name_falls_back_to_the_synced_library(server, pms):
    root = ET.fromstring(single_item_xml(json_fixture_xml(pms, MOVIES), 55))
    for elem in (root, root[0]):
        elem.attrib.pop("librarySectionTitle", None)
    pms.add_metadata(55, ET.tostring(root, encoding="unicode"))
    baker.make(Library, server=server, section_id=1, section_name="Films")
    baker.make(Library, server=baker.make(Server, name="Other"), section_id=1, section_name="No")
    data = metadata.fetch_metadata(server, 55)
    assert (data["section_id"], data["library_name"]) == ("1", "Films")


def test_an_unknown_item_is_none(server):
    assert metadata.fetch_metadata(server, 424242) is None
    assert metadata.fetch_metadata(server, "not-a-key") is None
    assert metadata.fetch_metadata(server, None) is None


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_an_unreachable_pms_raises_plex_unavailable_without_the_token():
    down = baker.make(Server, name="Down", url=closed_port_url(), token="secret-plex-token")
    with pytest.raises(PlexUnavailable) as info:
        metadata.fetch_metadata(down, 108)
    assert "Unreachable" in str(info.value)
    assert "secret-plex-token" not in str(info.value)


def test_junk_from_pms_raises_plex_unavailable(server, pms):
    pms.route("/library/metadata/777", "<html><body>proxy error</body>")
    with pytest.raises(PlexUnavailable) as info:
        metadata.fetch_metadata(server, 777)
    assert "secret-plex-token" not in str(info.value)


def test_pms_going_away_between_item_and_show_raises(server, pms):
    pms.route("/library/metadata/22", "", status=500)
    with pytest.raises(PlexUnavailable):
        metadata.fetch_metadata(server, 90)


# --- the history writer -----------------------------------------------------------------------------


def test_history_written_from_fetched_metadata_fills_history_metadata(server):
    user = baker.make(User, user_id=501, username="alice", keep_history=True)
    started = 1_789_948_800
    session = baker.make(
        Session,
        server=server,
        session_key=3,
        rating_key=108,
        media_type="movie",
        title="Interstate 60",
        full_title="Interstate 60",
        user_id=user.user_id,
        user="alice",
        machine_id="tv-1",
        started=started,
        stopped=started + 600,
        paused_counter=0,
        view_offset=4700,
        duration=5062,
        state="stopped",
    )
    data = metadata.fetch_metadata(server, 108)
    row = write_session_history(session, data)

    assert isinstance(row, History)
    assert row.section_id == 1
    meta = row.metadata
    assert meta.title == "Interstate 60"
    assert meta.year == 2002
    assert meta.guid == "com.plexapp.agents.imdb://tt0165832?lang=en"
    assert meta.duration == 5062
    assert meta.genres == "Adventure;Comedy;Drama;Fantasy"
    assert meta.directors == "Bob Gale" and meta.writers == "Bob Gale"
    assert meta.actors.startswith("James Marsden;Gary Oldman;")
    assert meta.studio == "Fireworks Pictures"
    assert meta.content_rating == "R"
    assert meta.rating == "7.7"
    assert meta.summary.startswith("An aspiring painter")
    assert meta.tagline.startswith("It began as a wish")
    assert meta.thumb == "/library/metadata/108/thumb/1663510739"
    assert meta.art == "/library/metadata/108/art/1663510739"
    assert meta.originally_available_at == "2002-04-13"
    assert meta.added_at == dt.datetime(2020, 1, 20, 9, 57, 48, tzinfo=dt.UTC)
    assert meta.updated_at == dt.datetime.fromtimestamp(1663510739, tz=dt.UTC)
    assert meta.last_viewed_at is None
    assert meta.media_index is None and meta.labels == ""
    assert (meta.marker_credits_first, meta.marker_credits_final) == (4000, 4500)
    assert meta.live is False


def test_history_of_an_episode_keeps_the_shows_genres_and_indexes(server):
    user = baker.make(User, user_id=502, username="bob", keep_history=True)
    session = baker.make(
        Session,
        server=server,
        session_key=4,
        rating_key=90,
        parent_rating_key=89,
        grandparent_rating_key=22,
        media_type="episode",
        title="Pilot",
        grandparent_title="The 100",
        full_title="The 100 - Pilot",
        user_id=user.user_id,
        user="bob",
        machine_id="tv-2",
        started=1_789_948_800,
        stopped=1_789_948_800 + 900,
        paused_counter=0,
        view_offset=3000,
        state="stopped",
    )
    row = write_session_history(session, metadata.fetch_metadata(server, 90))
    meta = row.metadata
    assert (meta.media_index, meta.parent_media_index) == (1, 1)
    assert meta.genres == "Action;Drama"
    assert meta.actors == "Ricky Whittle;Eliza Taylor;Eve Harlow"
    assert meta.year == 2014
    assert meta.parent_thumb == "/library/metadata/89/thumb/1579514245"
    assert meta.grandparent_thumb == "/library/metadata/22/thumb/1579514246"
    assert row.section_id == 2
