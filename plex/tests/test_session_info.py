"""One live session as Tautulli's get_activity session dict, from real plexapi session items of
the fake PMS (recorded XML, plexapi unpatched), compared with Tautulli v2.17.2's capture."""

import json
import xml.etree.ElementTree as ET

import pytest
from model_bakery import baker
from plexapi.server import PlexServer

from conftest import load_fixture
from history.writer import session_values
from libraries.models import Library
from plex.activity.session_info import (
    BOOKKEEPING_COLUMNS,
    MetadataCache,
    load_lookups,
    session_columns,
    session_info,
)
from plex.testing import FakePlexServer
from servers.models import Server, Session
from users.models import User

pytestmark = pytest.mark.django_db

TOKEN = "session-info-token"
CAPTURE = "tautulli-dart/activity/get_activity__by_session_key.json"


def captured_session() -> dict:
    return load_fixture(CAPTURE)["response"]["data"]


def json_types(info: dict) -> dict:
    """Each key's JSON type name (int and float both "number", as JSON has one type)."""

    def kind(value):
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, (int, float)):
            return "number"
        return type(value).__name__

    return {key: kind(value) for key, value in info.items()}


@pytest.fixture
def pms(settings):
    with FakePlexServer(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(Server, name="Home", url=pms.url, token=TOKEN, machine_identifier="m" * 40)


@pytest.fixture
def plex(pms):
    return PlexServer(pms.url, TOKEN, timeout=5)


def only_session(plex, server) -> dict:
    [item] = plex.sessions()
    return session_info(item, server)


def test_movie_direct_play_has_every_captured_key_with_the_captured_type(pms, plex, server):
    baker.make(
        User,
        user_id=4242,
        username="alice",
        friendly_name="Alice",
        email="alice@example.com",
        is_home_user=True,
        shared_libraries="1;2",
    )
    pms.viewer(user_id=4242, user_title="alice").play(offset_ms=900_000)

    info = only_session(plex, server)

    captured = captured_session()
    assert list(info) == list(captured)
    assert json_types(info) == json_types(captured)
    # The item and its library file (media_1.xml) vs what PMS streams (session_base.xml).
    assert (info["session_key"], info["rating_key"], info["media_type"]) == ("1", "1", "movie")
    assert (info["title"], info["full_title"], info["year"]) == ("Movie 1", "Movie 1", "2000")
    assert (info["section_id"], info["library_name"]) == ("1", "Movies")
    assert info["actors"] == ["Actor 1", "Actor 2", "Actor 3"]
    assert info["genres"] == ["Sci-Fi", "Action"] and info["directors"] == ["Famous Director"]
    assert (info["container"], info["bitrate"], info["audio_codec"]) == ("mkv", "7500", "dca")
    assert (info["stream_container"], info["stream_bitrate"]) == ("mp4", "6000")
    assert info["video_full_resolution"] == "720p" and info["stream_video_resolution"] == "720"
    assert info["transcode_decision"] == "direct play" and info["transcode_key"] == ""
    assert info["video_decision"] == info["stream_video_decision"] == "direct play"
    assert info["stream_container_decision"] == "direct play"
    assert info["quality_profile"] == "Original"
    # Progress: 900 s of the 9000 s stream.
    assert (info["view_offset"], info["duration"], info["progress_percent"]) == (
        "900000",
        "9000000",
        "10",
    )
    assert info["state"] == "playing"
    # The account from the users table.
    assert (info["user_id"], info["user"], info["friendly_name"]) == (4242, "alice", "Alice")
    assert info["email"] == "alice@example.com" and info["is_home_user"] == 1
    assert info["shared_libraries"] == ["1", "2"]
    # The player and the connection.
    assert (info["player"], info["platform"], info["platform_name"]) == (
        "Living Room TV",
        "Android",
        "android",
    )
    assert (info["product"], info["product_version"]) == ("Plex for Android (TV)", "8.9.2.21619")
    assert (info["ip_address"], info["ip_address_public"]) == ("192.168.1.20", "10.20.30.40")
    assert (info["location"], info["local"], info["secure"], info["relayed"]) == ("lan", 1, 1, 0)
    assert (info["bandwidth"], info["session_id"]) == ("7000", "fake-session-1")


def test_episode_transcoded_over_wan(pms, plex, server):
    pms.viewer(
        user_id=7, media_type="episode", decision="transcode", location="wan", bandwidth=4321
    ).play()

    info = only_session(plex, server)

    assert json_types(info) == json_types(captured_session())
    assert info["full_title"] == "30 Rock - Blind Date"
    assert (info["media_index"], info["parent_media_index"]) == ("3", "1")
    assert (info["section_id"], info["library_name"]) == ("2", "TV Shows")
    assert info["transcode_decision"] == "transcode"
    assert (info["video_decision"], info["audio_decision"]) == ("transcode", "copy")
    assert (info["stream_video_decision"], info["stream_audio_decision"]) == ("transcode", "copy")
    assert info["stream_container_decision"] == info["container_decision"] == "transcode"
    # The recorded transcode (plex-api.rs video_sessions.json): HEVC → H.264 720p in MKV.
    assert info["transcode_key"] == "/transcode/sessions/fake-transcode-1"
    assert (info["transcode_container"], info["transcode_video_codec"]) == ("mkv", "h264")
    assert (info["transcode_width"], info["transcode_height"]) == ("1280", "720")
    assert (info["transcode_speed"], info["transcode_progress"]) == ("1.2", 0)
    assert (info["transcode_hw_requested"], info["transcode_hw_decoding"]) == (1, 0)
    assert info["throttled"] == "0" and info["transcode_throttled"] == 0
    assert (info["location"], info["local"], info["bandwidth"]) == ("wan", 0, "4321")
    # A user PMS names but the users table does not know yet keeps PMS's id and name.
    assert (info["user_id"], info["user"], info["friendly_name"]) == (7, "user7", "user7")
    assert info["row_id"] == 0 and info["keep_history"] == 1


def test_episode_takes_studio_and_people_from_its_show(pms, plex, server):
    # The recorded show "The 100" (plex-api.rs) is the episode's grandparent.
    pms.add_metadata_fixture(22, "plex-api.rs/server/media/tv_library.json")
    pms.viewer(
        media_type="episode",
        attributes={"grandparentRatingKey": "22", "grandparentKey": "/library/metadata/22"},
    ).play()

    info = only_session(plex, server)

    assert info["studio"] == "The CW"
    assert info["actors"] == ["Ricky Whittle", "Eliza Taylor", "Eve Harlow"]
    assert (info["genres"], info["collections"]) == (["Action", "Drama"], ["SciFi"])
    assert info["grandparent_year"] == "2014"
    assert info["banner"] == "/library/metadata/22/banner/1579514246"
    assert info["writers"] == ["A Writer"]  # the episode's own


def test_track_transcode(pms, plex, server):
    pms.viewer(user_id=3, media_type="track", decision="transcode", location="cellular").play()

    info = only_session(plex, server)

    assert list(info) == list(captured_session())
    assert json_types(info) == json_types(captured_session())
    assert info["media_type"] == "track"
    assert info["full_title"] == "Don't look back - Télépopmusik"
    assert (info["parent_title"], info["grandparent_title"]) == ("Angel Milk", "Télépopmusik")
    assert (info["section_id"], info["library_name"]) == ("3", "Music")
    # Source: the library's MP3 at 320 kbps; stream: PMS's MP3 in MP4 at 182 kbps.
    assert (info["container"], info["bitrate"], info["audio_codec"]) == ("mp3", "320", "mp3")
    assert (info["stream_container"], info["stream_bitrate"]) == ("mp4", "182")
    assert info["file"].endswith("01 One More Time.MP3")
    assert info["stream_audio_decision"] == info["transcode_decision"] == "transcode"
    assert info["quality_profile"] == "192 kbps"
    assert info["stream_video_decision"] == "" and info["stream_video_full_resolution"] == ""
    assert (info["location"], info["local"]) == ("cellular", 0)


def test_live_tv_is_in_the_live_tv_library(pms, plex, server):
    pms.viewer(user_id=8, media_type="live", decision="copy").play()

    info = only_session(plex, server)

    assert json_types(info) == json_types(captured_session())
    assert (info["live"], info["channel_stream"]) == (1, 0)
    assert (info["section_id"], info["library_name"]) == ("999999", "Live TV")
    assert info["full_title"] == "The Price Is Right - The Price Is Right"
    assert info["live_uuid"] == "live_tv_1"
    # A live stream is what the transcoder makes; "*" codecs are the source's.
    assert info["transcode_decision"] == "copy"
    assert (info["stream_container_decision"], info["stream_container"]) == (
        "transcode",
        "mpegts",
    )
    assert info["stream_video_codec"] == info["transcode_video_codec"] == "mpeg2video"
    assert info["stream_audio_codec"] == info["transcode_audio_codec"] == "ac3"
    assert (info["stream_audio_channels"], info["stream_audio_channel_layout"]) == (
        "2",
        "Stereo",
    )
    assert info["video_full_resolution"] == "1080i"  # interlaced MPEG-2


def test_markers_as_tautulli_lists_them(pms, plex, server):
    """The capture's markers written back as PMS's <Marker> elements of the movie (PMS gives
    each an <Attributes> child)."""
    markers = captured_session()["markers"]
    xml = ET.fromstring(pms.fixture("home-assistant-core/plex/media_1.xml"))
    video = xml.find("Video")
    for marker in markers:
        element = ET.SubElement(
            video,
            "Marker",
            id=str(marker["id"]),
            type=marker["type"],
            startTimeOffset=str(marker["start_time_offset"]),
            endTimeOffset=str(marker["end_time_offset"]),
            final="1" if marker["final"] else "0",
        )
        ET.SubElement(element, "Attributes", id=str(marker["id"]), version="5")
    pms.add_metadata(1, ET.tostring(xml, encoding="unicode"))
    pms.viewer().play()

    assert only_session(plex, server)["markers"] == markers


def test_library_name_from_the_database_when_pms_does_not_say_it(pms, plex, server):
    baker.make(Library, server=server, section_id=1, section_name="Films")
    untitled = pms.fixture("home-assistant-core/plex/media_1.xml").replace(
        ' librarySectionTitle="Movies"', ""
    )
    pms.add_metadata(1, untitled)
    pms.viewer().play()

    assert only_session(plex, server)["library_name"] == "Films"


def test_the_owner_reported_as_user_1_is_the_admin_account(pms, plex, server):
    admin = baker.make(User, user_id=1526265, username="Owner", is_admin=True)
    pms.viewer(user_id=1, user_title="owner").play()

    info = only_session(plex, server)

    assert (info["user_id"], info["row_id"], info["is_admin"]) == (1526265, admin.pk, 1)


def test_platform_names_as_tautulli_shows_them(pms, plex, server):
    pms.viewer(platform="Konvergo").play()

    info = only_session(plex, server)

    assert (info["platform"], info["platform_name"]) == ("Plex Media Player", "plex")


def test_a_wan_stream_through_plex_relay(pms, plex, server):
    pms.viewer(location="wan", public_address="127.0.0.1").play()

    assert only_session(plex, server)["relayed"] == 1


def test_lookups_and_metadata_are_shared_between_sessions(
    pms, plex, server, django_assert_num_queries
):
    for user_id in (1, 2, 3):
        pms.viewer(user_id=user_id).play()
    items = plex.sessions()
    with django_assert_num_queries(2):
        names, users = load_lookups(server, items)
    cache = MetadataCache()
    with django_assert_num_queries(0):
        infos = [
            session_info(i, server, library_names=names, users=users, metadata=cache) for i in items
        ]
    assert [i["session_key"] for i in infos] == ["1", "2", "3"]
    metadata_requests = [r for r in pms.requests if r.path == "/library/metadata/1"]
    assert len(metadata_requests) == 1


def test_session_columns_fill_a_session_row_that_history_reads_back(pms, plex, server):
    pms.viewer(user_id=5, media_type="episode", decision="transcode").play(offset_ms=60_000)
    info = only_session(plex, server)

    columns = session_columns(info)

    own_fields = {
        f.name
        for f in Session._meta.concrete_fields
        if not f.primary_key and f.name not in BOOKKEEPING_COLUMNS
    }
    assert set(columns) == own_fields | {"raw_stream_info"}
    assert json.loads(columns["raw_stream_info"]) == info
    assert (columns["session_key"], columns["rating_key"], columns["section_id"]) == (1, 2, 2)
    assert (columns["view_offset"], columns["duration"], columns["bandwidth"]) == (
        60_000,
        1_320_000,
        7000,
    )
    assert columns["media_index"] == 3 and columns["parent_rating_key"] is None
    assert (columns["transcode_decision"], columns["stream_video_codec"]) == ("transcode", "h264")
    assert (columns["secure"], columns["relayed"], columns["live"]) == (1, 0, 0)
    assert columns["transcode_width"] == 1280 and columns["state"] == "playing"

    row = Session.objects.create(server=server, started=1, stopped=2, **columns)
    values = session_values(Session.objects.get(pk=row.pk))
    assert values["transcode_decision"] == "transcode"
    # Keys without a column come from raw_stream_info.
    assert values["product_version"] == "8.9.2.21619" and values["profile"] == "Android"
