"""The metadata exporter through /api/v2, against the fake PMS (recorded library items, read
with plexapi over real HTTP): export_metadata queues the export, the task (run here, as
django-q2 would) writes the files; get_exports_table, download_export, delete_export and
get_export_fields answer in Tautulli's shapes (captures ``tautulli-dart/export/``)."""

import csv
import io
import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from django_q.models import OrmQ
from model_bakery import baker

from conftest import load_fixture
from exports import exporter
from exports.models import Export
from plex.testing import FakePlexServer
from plex.testing.collection_routes import add_collections, add_user_playlists
from plex.testing.media_routes import (
    MOVIE_108,
    add_image_transcoder,
    add_inventory_sections,
    add_library,
    json_fixture_xml,
)
from servers.models import Server
from users.models import User

TOKEN = "secret-plex-token"
USER_TOKEN = "shared-user-server-token"
EMPTY = '<MediaContainer size="0" />'

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    return settings.EXPORT_DIR


@pytest.fixture
def pms():
    with FakePlexServer(token=TOKEN) as fake:
        add_inventory_sections(fake)
        add_library(fake)
        fake.collections = add_collections(fake)
        # Children PMS would list for the other recorded show and season: none recorded.
        fake.route("/library/metadata/68/children", EMPTY)
        fake.route("/library/metadata/33/children", EMPTY)
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(
        Server, name="Fake", url=pms.url, token=TOKEN, machine_identifier=pms.machine_identifier
    )


@pytest.fixture
def download(client, api_key):
    """``download(export_id)`` → (HTTP status, the streamed body) of download_export."""

    def get(export_id):
        response = client.get(
            "/api/v2", {"apikey": api_key, "cmd": "download_export", "export_id": export_id}
        )
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert response.streaming  # never read whole into memory
        return response.status_code, b"".join(response.streaming_content)

    return get


def ok(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    assert status == 200, body
    assert body["response"]["result"] == "success", body
    assert TOKEN not in json.dumps(body)
    return body["response"]


def error(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    assert status == 400, body
    assert body["response"]["result"] == "error"
    return body["response"]["message"]


def export(call_api, **params) -> Export:
    """export_metadata, then the queued task run as django-q2 would."""
    response = ok(call_api, "export_metadata", **params)
    assert response["message"] == "Metadata export has started."
    export_id = response["data"]["export_id"]
    assert Export.objects.get(pk=export_id).complete == 0
    assert OrmQ.objects.count() >= 1
    exporter.run_export(export_id)
    return Export.objects.get(pk=export_id)


def the_file(row: Export) -> Path:
    return exporter.directory(row) / exporter.file_name(row)


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


# --- movie library ------------------------------------------------------------------------


def test_movie_library_at_level_1_in_csv(call_api, server):
    row = export(call_api, section_id=1, file_format="csv", media_info_level=0)

    assert (row.complete, row.error) == (1, "")
    assert row.title == "Library - Movies - All [1]"
    assert (row.media_type, row.total_items, row.exported_items) == ("movie", 5, 5)
    path = the_file(row)
    assert path.name == "Library - Movies - All [1].csv"
    assert path.parent.name.startswith("Library - Movies - All [1].202611221030")  # FROZEN_NOW
    assert row.file_size == path.stat().st_size
    headers, rows = read_csv(path)
    assert headers[:3] == ["ratingKey", "title", "titleSort"]
    # Tautulli's level 1 fields of a movie, nothing more (no tags, no media info).
    assert set(headers) == {
        "ratingKey", "title", "titleSort", "originalTitle", "editionTitle",
        "originallyAvailableAt", "year", "addedAt", "rating", "ratingImage",
        "audienceRating", "audienceRatingImage", "userRating", "contentRating", "studio",
        "tagline", "summary", "guid", "duration", "durationHuman", "type", "hasCreditsMarker",
    }  # fmt: skip
    assert len(rows) == 5
    interstate = next(r for r in rows if r["ratingKey"] == "108")
    assert interstate["title"] == "Interstate 60"
    assert interstate["type"] == "movie"
    assert interstate["duration"] == "5062"  # ms, as recorded
    assert interstate["durationHuman"] == "5 secs"
    assert interstate["addedAt"].startswith("20")  # ISO 8601


def test_movie_library_at_level_2_in_json_has_tags_and_media_info(call_api, server):
    row = export(call_api, section_id=1, file_format="json", metadata_level=2, media_info_level=2)

    assert row.complete == 1
    items = json.loads(the_file(row).read_text(encoding="utf-8"))
    assert len(items) == 5
    movie = next(item for item in items if item["ratingKey"] == 108)
    assert movie["title"] == "Interstate 60" and isinstance(movie["year"], int)
    # level 2: tags as lists of objects; media info level 2: parts with their files.
    assert {"genres", "directors", "roles", "guids", "fields", "markers"} <= set(movie)
    assert all(set(genre) == {"tag"} for genre in movie["genres"])
    assert movie["roles"] and set(movie["roles"][0]) == {"tag", "role"}
    part = movie["media"][0]["parts"][0]
    assert part["file"].endswith((".mkv", ".mp4", ".avi"))
    assert part["sizeHuman"].endswith(("MB", "GB", "kB", "B"))
    assert "videoStreams" not in part  # media info level 3
    assert "art" not in movie and "thumb" not in movie  # metadata level 3
    # Tautulli's key order: plain values first, then the lists of objects.
    keys = list(movie)
    assert keys.index("year") < keys.index("genres")
    assert keys[: keys.index("addedAt") + 1] == sorted(keys[: keys.index("addedAt") + 1])


def test_level_3_adds_images_and_streams(call_api, server):
    row = export(call_api, rating_key=108, file_format="json", metadata_level=3, media_info_level=3)

    assert row.complete == 1
    assert row.title == "Movie - Interstate 60 [108]"
    [movie] = json.loads(the_file(row).read_text(encoding="utf-8"))
    assert movie["thumb"].startswith("/library/metadata/108/thumb")
    assert "chapters" in movie and "viewCount" in movie
    streams = movie["media"][0]["parts"][0]["videoStreams"]
    assert streams and "codec" in streams[0] and isinstance(streams[0]["hdr"], bool)


def test_custom_fields_are_added_to_the_level(call_api, server):
    row = export(
        call_api, section_id=1, file_format="json", metadata_level=0, media_info_level=0,
        custom_fields="title, genres.tag,media.parts.file",
    )  # fmt: skip

    items = json.loads(the_file(row).read_text(encoding="utf-8"))
    movie = next(item for item in items if item["title"] == "Interstate 60")
    assert set(movie) == {"title", "genres", "media"}
    assert set(movie["media"][0]) == {"parts"}
    assert set(movie["media"][0]["parts"][0]) == {"file"}


# --- show library: shows → seasons → episodes -------------------------------------------


def test_show_library_nests_seasons_and_episodes_in_json(call_api, server):
    row = export(call_api, section_id=2, file_format="json", media_info_level=0)

    assert (row.complete, row.media_type, row.total_items) == (1, "show", 2)
    shows = json.loads(the_file(row).read_text(encoding="utf-8"))
    the_100 = next(show for show in shows if show["ratingKey"] == 22)
    assert the_100["title"] == "The 100"
    seasons = the_100["seasons"]
    assert [s["ratingKey"] for s in seasons if s["ratingKey"]][:1] == [89]
    season = next(s for s in seasons if s["ratingKey"] == 89)
    assert season["parentTitle"] == "The 100" and isinstance(season["seasonNumber"], int)
    assert [e["ratingKey"] for e in season["episodes"]] == [90, 91, 92]
    episode = season["episodes"][0]
    assert episode["grandparentTitle"] == "The 100"
    assert episode["seasonEpisode"].startswith("s")
    assert "episodes" not in episode
    # children are the last keys (lists of objects after plain values)
    assert list(the_100)[-1] == "seasons"


def test_show_library_flattens_to_rows_in_csv(call_api, server):
    row = export(call_api, section_id=2, file_format="csv", media_info_level=0)

    headers, rows = read_csv(the_file(row))
    assert headers[:3] == ["ratingKey", "title", "titleSort"]
    assert "seasons.title" in headers and "seasons.episodes.title" in headers
    assert headers.index("seasons.title") < headers.index("seasons.episodes.title")  # by depth
    the_100 = [r for r in rows]
    first = the_100[0] if the_100[0]["ratingKey"] == "22" else None
    assert first is not None, rows[0]
    # The show's values on its first row, its seasons' and episodes' spread over the rows.
    assert first["title"] == "The 100"
    episode_titles = [r["seasons.episodes.title"] for r in rows if r["seasons.episodes.title"]]
    assert len(episode_titles) == 3
    assert rows[1]["title"] == ""  # the show's values are not repeated


def test_xml_export(call_api, server):
    row = export(call_api, rating_key=22, file_format="xml", media_info_level=0)

    root = ET.parse(the_file(row)).getroot()
    assert root.tag == "export"
    assert root.get("type") == "show" and root.get("ratingKey") == "22"
    [show] = root.find("show")
    assert show.tag == "show" and show.get("title") == "The 100"
    seasons = show.find("seasons")
    assert seasons is not None and seasons.findall("season")
    episodes = [e.get("title") for e in show.iter("episode")]
    assert len(episodes) == 3


# --- playlists ----------------------------------------------------------------------------


def test_m3u_of_a_playlist(call_api, server):
    row = export(call_api, rating_key=168, file_format="m3u", metadata_level=3)

    assert (row.complete, row.media_type, row.metadata_level) == (1, "playlist", 1)  # reset
    text = the_file(row).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U"
    assert lines[1] == "# Playlist: Playlist - Movies Since 2007 [168]"
    header = json.loads(lines[2][2:])
    assert header == {"title": "Playlist - Movies Since 2007 [168]", "type": "playlist",
                      "ratingKey": 168}  # fmt: skip
    extinf = [line for line in lines if line.startswith("#EXTINF:")]
    assert len(extinf) == 2  # its movies 55 and 108
    assert any(line.endswith(",Interstate 60") for line in extinf)
    paths = [lines[i + 1] for i, line in enumerate(lines) if line.startswith("#EXTINF:")]
    assert all(path.startswith("/") for path in paths)


def test_a_users_playlists_individual_files_download_as_a_zip(call_api, server, pms, download):
    add_user_playlists(pms, pms.collections, USER_TOKEN)
    baker.make(User, user_id=77, username="alice", server_token=USER_TOKEN)

    message = error(call_api, "export_metadata", user_id=77)
    assert message.startswith("Export called with invalid export_type 'all'.")
    row = export(call_api, user_id=77, export_type="playlist", file_format="json",
                 individual_files=1)  # fmt: skip

    assert row.complete == 1, row.error
    assert row.title == "User - alice - Playlist [77]"
    files = sorted(p.name for p in exporter.directory(row).iterdir())
    assert files == ["Playlist - Alice_s Picks [190].json"]
    status, body = download(row.pk)
    assert status == 200
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.namelist() == ["Playlist - Alice_s Picks [190].json"]
    assert USER_TOKEN not in json.dumps(exporter.table_row(row))


# --- images -------------------------------------------------------------------------------


def test_posters_are_fetched_and_the_export_downloads_as_a_zip(call_api, server, pms, download):
    png = add_image_transcoder(pms)
    row = export(call_api, rating_key=108, file_format="json", thumb_level=9)

    assert row.complete == 1 and row.thumb_level == 9
    [movie] = json.loads(the_file(row).read_text(encoding="utf-8"))
    assert movie["thumbFile"] == (
        "Movie - Interstate 60 [108].resources/Interstate 60 [108].thumb.jpg"
    )
    image = exporter.directory(row) / movie["thumbFile"]
    assert image.read_bytes() == png
    assert row.file_size == the_file(row).stat().st_size + len(png)
    status, body = download(row.pk)
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert sorted(names) == [
        "Movie - Interstate 60 [108].json",
        "Movie - Interstate 60 [108].resources/Interstate 60 [108].thumb.jpg",
    ]


# --- failures -----------------------------------------------------------------------------


def test_an_export_with_pms_down_fails_with_the_reason(call_api, server, pms):
    response = ok(call_api, "export_metadata", section_id=1)
    pms.stop()
    exporter.run_export(response["data"]["export_id"])

    row = Export.objects.get()
    assert row.complete == -1
    assert "Unreachable" in row.error or "Timeout" in row.error
    assert TOKEN not in row.error
    table = ok(call_api, "get_exports_table")["data"]
    assert table["data"][0]["complete"] == -1
    assert error(call_api, "download_export", export_id=row.pk) == "Export failed to process."


def test_an_unknown_item_fails_with_the_reason(call_api, server):
    row = export(call_api, rating_key=999999)

    assert row.complete == -1 and row.error == "No item with rating key 999999."


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "Export called but no section_id, user_id, or rating_key provided."),
        ({"section_id": 1, "metadata_level": 4}, "Export called with invalid metadata_level '4'."),
        ({"section_id": 1, "media_info_level": 5},
         "Export called with invalid media_info_level '5'."),
        ({"section_id": 1, "thumb_level": 3}, "Export called with invalid thumb_level '3'."),
        ({"section_id": 1, "squareArt_level": 3},
         "Export called with invalid squareArt_level '3'."),
        ({"section_id": 1, "file_format": "pdf"}, "Export called with invalid file_format 'pdf'."),
        ({"section_id": 1, "export_type": "x"}, "Export called with invalid export_type 'x'."),
        ({"rating_key": 108, "individual_files": 1},
         "Individual file export is only allowed for library or user export."),
        ({"section_id": "abc"}, None),
        ({"user_id": 5, "export_type": "playlist"}, "No server token is known for user_id 5."),
    ],
)  # fmt: skip
def test_bad_parameters_answer_the_error_envelope(call_api, server, params, message):
    got = error(call_api, "export_metadata", **params)
    if message:
        assert got == message
    assert not Export.objects.exists()


def test_without_a_server(call_api):
    assert error(call_api, "export_metadata", section_id=1) == "No Plex Media Server is configured."


# --- table, download, delete --------------------------------------------------------------


def test_exports_table_has_tautullis_row_shape(call_api, server):
    row = export(call_api, section_id=1, file_format="csv", media_info_level=0)
    export(call_api, rating_key=108, file_format="json")

    data = ok(call_api, "get_exports_table")["data"]
    assert list(data) == ["recordsFiltered", "recordsTotal", "data", "draw"]
    assert (data["recordsTotal"], data["recordsFiltered"]) == (2, 2)
    captured = load_fixture("tautulli-dart/export/get_exports_table__after.json")
    captured_row = captured["response"]["data"]["data"][0]
    library_row = next(r for r in data["data"] if r["export_id"] == row.pk)
    assert list(library_row) == list(captured_row)
    for key, value in captured_row.items():
        assert type(library_row[key]) is type(value) or value is None, key
    assert library_row["filename"] == "Library - Movies - All [1].csv"
    assert library_row["media_type_title"] == "Movie"
    assert (library_row["complete"], library_row["exists"], library_row["individual_files"]) == (
        1,
        True,
        0,
    )
    assert library_row["exported_items"] == library_row["total_items"] == 5

    filtered = ok(call_api, "get_exports_table", section_id=1, search="Interstate")["data"]
    assert [r["rating_key"] for r in filtered["data"]] == [108]
    assert filtered["recordsTotal"] == 2  # both exports are of section 1
    ordered = ok(call_api, "get_exports_table", order_column="title", order_dir="asc")["data"]
    assert [r["title"] for r in ordered["data"]] == [
        "Library - Movies - All [1]",
        "Movie - Interstate 60 [108]",
    ]
    assert error(call_api, "get_exports_table", order_column="nope").startswith(
        "Parameter order_column"
    )


def test_download_streams_the_file(call_api, server, download):
    row = export(call_api, section_id=1, file_format="csv", media_info_level=0)

    status, body = download(row.pk)
    assert status == 200
    assert body == the_file(row).read_bytes()
    assert error(call_api, "download_export", export_id=9999) == "Invalid export_id provided."
    assert error(call_api, "download_export") == "Parameter export_id is required"
    the_file(row).unlink()
    assert error(call_api, "download_export", export_id=row.pk) == "Export file does not exist."


def test_download_of_a_running_export(call_api, server):
    export_id = ok(call_api, "export_metadata", section_id=1)["data"]["export_id"]
    assert error(call_api, "download_export", export_id=export_id) == (
        "Export is still being processed."
    )


def test_delete_removes_the_row_and_its_files(call_api, server):
    first = export(call_api, section_id=1, file_format="csv", media_info_level=0)
    second = export(call_api, rating_key=108, file_format="json")
    folder = exporter.directory(first)
    assert folder.is_dir()

    response = ok(call_api, "delete_export", export_id=first.pk)
    assert response["message"] == "Export deleted successfully."
    assert not folder.exists() and exporter.directory(second).is_dir()
    assert list(Export.objects.values_list("pk", flat=True)) == [second.pk]
    assert error(call_api, "delete_export", export_id=first.pk) == "Failed to delete export."

    stray = Path(exporter.export_dir()) / "not-an-export.txt"
    stray.write_text("kept")
    response = ok(call_api, "delete_export", delete_all="true")
    assert response["message"] == "All exports deleted successfully."
    assert not Export.objects.exists()
    assert list(Path(exporter.export_dir()).iterdir()) == [stray]  # only the exports' folders
    assert ok(call_api, "get_exports_table")["data"]["recordsTotal"] == 0


# --- get_export_fields --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capture", "params"),
    [
        ("get_export_fields.json", {"media_type": "movie", "sub_media_type": ""}),
        ("get_export_fields__show.json", {"media_type": "show", "sub_media_type": ""}),
        ("get_export_fields__collection.json",
         {"media_type": "collection", "sub_media_type": "movie"}),
    ],
)  # fmt: skip
def test_export_fields_match_tautullis_capture(call_api, capture, params):
    captured = load_fixture(f"tautulli-dart/export/{capture}")["response"]["data"]

    assert ok(call_api, "get_export_fields", **params)["data"] == captured


def test_export_fields_of_a_playlist_and_of_junk(call_api):
    data = ok(call_api, "get_export_fields", media_type="playlist", sub_media_type="audio")["data"]
    names = {f["field"] for f in data["metadata_fields"]}
    assert {"title", "items.title", "items.grandparentTitle"} <= names
    assert {"field": "items.media.parts.file", "level": 2} in data["media_info_fields"]
    empty = {"metadata_fields": [], "media_info_fields": []}
    assert ok(call_api, "get_export_fields", media_type="nope")["data"] == empty
    assert ok(call_api, "get_export_fields", media_type="collection")["data"] == empty
    assert error(call_api, "get_export_fields") == "Parameter media_type is required"


def test_a_librarys_collections_with_their_items(call_api, server, pms):
    # The recorded collection "Animation" holds "Interstate 60" here (no recorded children).
    pms.route("/library/collections/161/children", json_fixture_xml(pms, MOVIE_108))
    row = export(call_api, section_id=1, export_type="collection", file_format="json",
                 media_info_level=0)  # fmt: skip

    assert row.complete == 1, row.error
    assert (row.media_type, row.title) == ("collection", "Library - Movies - Collection [1]")
    collections = json.loads(the_file(row).read_text(encoding="utf-8"))
    animation = next(c for c in collections if c["ratingKey"] == 161)
    assert animation["title"] == "Animation" and animation["subtype"] == "movie"
    assert [(i["type"], i["title"]) for i in animation["items"]] == [("movie", "Interstate 60")]
    assert "summary" in animation["items"][0] and "media" not in animation["items"][0]  # levels


def test_level_9_exports_every_field(call_api, server):
    row = export(call_api, rating_key=108, file_format="json", metadata_level=9, media_info_level=9)

    assert row.complete == 1, row.error
    [movie] = json.loads(the_file(row).read_text(encoding="utf-8"))
    listed = ok(call_api, "get_export_fields", media_type="movie", sub_media_type="")["data"]
    top_level = {f["field"].split(".")[0] for f in listed["metadata_fields"]}
    top_level |= {f["field"].split(".")[0] for f in listed["media_info_fields"]}
    # every field get_export_fields lists, but the image files (only with an image level)
    assert set(movie) == top_level - {"artFile", "logoFile", "squareArtFile", "themeFile",
                                      "thumbFile"}  # fmt: skip
    stream = movie["media"][0]["parts"][0]["videoStreams"][0]
    assert {"DOVIPresent", "colorPrimaries", "hdr"} <= set(stream)
    assert movie["thumbProvider"] is None  # PMS lists no posters here
