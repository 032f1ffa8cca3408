"""Routes that give a :class:`~plex.testing.FakePlexServer` a small real library: items,
children, recently added, hub search, ``/servers`` and the photo transcoder.

The items are PMS answers recorded by other projects (``shared/fixtures``): ``plex-api.rs``
(a movie library, "The 100" with its seasons and episodes, an artist/album/tracks, a photo album,
a collection and a playlist, recorded as PMS's JSON) and ``Plex-Board`` (50 recently added
items). PMS answers the same documents as XML (plexapi asks for XML); :func:`pms_json_to_xml`
writes them back the way PMS does::

    with FakePlexServer() as pms:
        add_library(pms)             # /library/metadata/108 (a movie), /22 (a show)...
        add_image_transcoder(pms)    # /photo/:/transcode answers PNG bytes

Markers are not among the recordings: :func:`with_markers` adds ``<Marker>`` elements as PMS
sends them with ``includeMarkers=1``.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

MOVIES = "plex-api.rs/server/media/movie_library.json"
MOVIE_108 = "plex-api.rs/server/media/metadata_108.json"  # "Interstate 60", full detail
MOVIE_13194 = "plex-api.rs/transcode/metadata_13194.json"  # "Frozen", with plex:// guids
MOVIE_159637 = "plex-api.rs/transcode/metadata_159637.json"  # 4K HDR10, subtitles, 3 versions
MOVIE_1036 = "plex-api.rs/transcode/metadata_1036.json"  # an external subtitle
COLLECTION = "plex-api.rs/server/media/metadata_161.json"
PLAYLIST = "plex-api.rs/server/media/metadata_168.json"
SHOWS = "plex-api.rs/server/media/tv_library.json"  # 22 "The 100", 68 "Game of Thrones"
SEASONS_OF_22 = "plex-api.rs/server/media/tv_seasons.json"  # "All episodes", 89, 33
EPISODES_OF_89 = "plex-api.rs/server/media/tv_episodes.json"  # 90, 91, 92
ARTISTS = "plex-api.rs/server/media/music_library.json"  # 156 "Skrillex", 142
ALBUMS_OF_156 = "plex-api.rs/server/media/music_albums.json"  # 157
ALBUM_157 = "plex-api.rs/server/media/music_search_skrillex_albums.json"  # with year and studio
TRACKS_OF_157 = "plex-api.rs/server/media/music_tracks.json"  # 158, 159, 160
PHOTO_LIBRARY = "plex-api.rs/server/media/photo_library.json"  # album 43 "Cats"
PHOTOS_OF_43 = "plex-api.rs/server/media/photo_album.json"
RECENTLY_ADDED = "Plex-Board/plex_recently_added_all.json"  # 50 items, newest first
RECENTLY_ADDED_MOVIES = "Plex-Board/plex_recently_added_movie.json"
SERVERS = "plex.py/servers.xml"

# PMS's XML element for a ``Metadata`` entry of its JSON, by ``type``.
_VIDEO_TYPES = {"movie", "episode", "clip", "trailer"}
_ELEMENT_BY_TYPE = {"track": "Track", "photo": "Photo", "playlist": "Playlist"}


def _element_tag(list_key: str, entry: dict) -> str:
    if list_key != "Metadata":
        return list_key
    media_type = entry.get("type")
    if media_type in _VIDEO_TYPES:
        return "Video"
    if str(entry.get("key", "")).endswith("/children"):
        return "Directory"  # shows, seasons, artists, albums, photo albums
    return _ELEMENT_BY_TYPE.get(media_type, "Directory")


def _fill(elem: ET.Element, data: dict) -> None:
    for key, value in data.items():
        if isinstance(value, list):
            for entry in value:
                if isinstance(entry, dict):
                    child = ET.SubElement(elem, _element_tag(key, entry))
                    _fill(child, entry)
        elif isinstance(value, dict):
            _fill(ET.SubElement(elem, key), value)
        elif isinstance(value, bool):
            elem.set(key, "1" if value else "0")
        elif value is not None:
            elem.set(key, str(value))


def pms_json_to_xml(data: dict | str) -> str:
    """PMS's JSON answer (``{"MediaContainer": {...}}``) as the XML PMS answers to plexapi:
    scalars become attributes (booleans ``1``/``0``), lists of objects child elements named by
    their key, ``Metadata`` entries ``Video``/``Directory``/``Track``/``Photo``/``Playlist``."""
    if isinstance(data, str):
        data = json.loads(data)
    root = ET.Element("MediaContainer")
    _fill(root, data["MediaContainer"])
    return ET.tostring(root, encoding="unicode")


def json_fixture_xml(pms, relative: str) -> str:
    """A recorded JSON answer of ``shared/fixtures`` as PMS's XML."""
    return pms_json_to_xml(pms.fixture(relative))


def single_item_xml(list_xml: str, rating_key) -> str:
    """``/library/metadata/<rating_key>`` as PMS answers it, from a list answer holding the item:
    the container's library attributes, and the item carrying its library as in PMS's detail."""
    source = ET.fromstring(list_xml)
    item = next(e for e in source if e.get("ratingKey") == str(rating_key))
    container = ET.Element("MediaContainer", size="1")
    for attr in ("allowSync", "identifier", "librarySectionID", "librarySectionTitle"):
        if source.get(attr) is not None:
            container.set(attr, source.get(attr))
            if attr.startswith("library") and item.get(attr) is None:
                item.set(attr, source.get(attr))
    if item.get("librarySectionID") and item.get("librarySectionKey") is None:
        item.set("librarySectionKey", f"/library/sections/{item.get('librarySectionID')}")
    container.append(item)
    return ET.tostring(container, encoding="unicode")


def with_markers(xml: str, markers: list[dict]) -> str:
    """The item of ``xml`` with ``<Marker>`` elements, as PMS adds them with
    ``includeMarkers=1``: each ``{"id", "type", "start", "end", "final"?}`` (offsets in ms)."""
    root = ET.fromstring(xml)
    item = root[0]
    for marker in markers:
        attrs = {
            "id": str(marker["id"]),
            "type": marker["type"],
            "startTimeOffset": str(marker["start"]),
            "endTimeOffset": str(marker["end"]),
        }
        if marker.get("final"):
            attrs["final"] = "1"
        elem = ET.SubElement(item, "Marker", attrs)
        ET.SubElement(elem, "Attributes", id=str(marker["id"]), version="5")
    return ET.tostring(root, encoding="unicode")


def hub_search_xml(pms, hubs: dict[str, list[tuple[str, object]]]) -> str:
    """``/hubs/search``: one ``<Hub type=..>`` per media type holding the listed items, each
    ``(fixture, rating_key)`` taken from a recorded list answer."""
    root = ET.Element("MediaContainer", size=str(len(hubs)))
    for media_type, items in hubs.items():
        hub = ET.SubElement(
            root,
            "Hub",
            type=media_type,
            hubIdentifier=media_type,
            title=media_type.title(),
            size=str(len(items)),
        )
        for relative, rating_key in items:
            listing = ET.fromstring(json_fixture_xml(pms, relative))
            hub.append(next(e for e in listing if e.get("ratingKey") == str(rating_key)))
    return ET.tostring(root, encoding="unicode")


def solid_png(width: int, height: int, rgb: tuple[int, int, int] = (40, 40, 40)) -> bytes:
    """A valid PNG of one colour, written with zlib and struct (no image library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def add_image_transcoder(pms, body: bytes | None = None, content_type: str = "image/png") -> bytes:
    """``/photo/:/transcode`` answers ``body`` (default: a small PNG); returns the bytes."""
    body = body if body is not None else solid_png(4, 6, (200, 30, 30))
    pms.route("/photo/:/transcode", body, content_type=content_type)
    return body


def add_library(pms) -> None:
    """Serve the recorded library (see module doc) on ``pms``: items at
    ``/library/metadata/<rk>`` (movies 55, 56, 57, 108, 1036, 13194, 159637; show 22 with
    seasons 89, 33 and episodes 90-92; show 68; artists 156, 142 with album 157 and tracks
    158-160; photo albums 43, 64 and photo 59; collection 161; playlist 168), their children
    (and the show's ``allLeaves``), ``/library/recentlyAdded`` (and per section and per hub
    type), a hub search answering "Interstate 60" and "The 100", and ``/servers``."""
    xml = {relative: json_fixture_xml(pms, relative) for relative in _LISTS}
    for relative, rating_keys in _ITEMS.items():
        for rating_key in rating_keys:
            pms.add_metadata(rating_key, single_item_xml(xml[relative], rating_key))
    pms.add_metadata(108, json_fixture_xml(pms, MOVIE_108))
    for rating_key, relative in ((13194, MOVIE_13194), (159637, MOVIE_159637), (1036, MOVIE_1036)):
        pms.add_metadata(rating_key, json_fixture_xml(pms, relative))
    pms.add_metadata(161, json_fixture_xml(pms, COLLECTION))
    pms.add_metadata(168, json_fixture_xml(pms, PLAYLIST))
    pms.add_metadata(157, single_item_xml(json_fixture_xml(pms, ALBUM_157), 157))
    for rating_key, relative in _CHILDREN.items():
        pms.route(f"/library/metadata/{rating_key}/children", xml[relative])
    pms.route("/library/metadata/22/allLeaves", xml[EPISODES_OF_89])  # the recorded episodes
    recent = xml[RECENTLY_ADDED]
    pms.route("/library/recentlyAdded", recent)
    pms.route("/library/sections/1/recentlyAdded", xml[RECENTLY_ADDED_MOVIES])
    pms.route("/hubs/home/recentlyAdded", xml[RECENTLY_ADDED_MOVIES])
    pms.route(
        "/hubs/search",
        hub_search_xml(pms, {"movie": [(MOVIES, 108)], "show": [(SHOWS, 22)]}),
    )
    pms.route_fixture("/servers", SERVERS)


_ITEMS = {
    MOVIES: (55, 56, 57),
    SHOWS: (22, 68),
    SEASONS_OF_22: (89, 33),
    EPISODES_OF_89: (90, 91, 92),
    ARTISTS: (156, 142),
    TRACKS_OF_157: (158, 159, 160),
    PHOTO_LIBRARY: (43,),
    PHOTOS_OF_43: (64, 59),
}
_CHILDREN = {
    22: SEASONS_OF_22,
    89: EPISODES_OF_89,
    156: ALBUMS_OF_156,
    157: TRACKS_OF_157,
    43: PHOTOS_OF_43,
}
_LISTS = (*_ITEMS, *_CHILDREN.values(), RECENTLY_ADDED, RECENTLY_ADDED_MOVIES)


# Playable items of each section of ``library_sections.xml`` (1 Movies, 2 TV Shows, 3 Music):
# (recorded list answer, PMS type number the section's listing is asked with).
SECTION_CONTENTS = {1: (MOVIES, "1"), 2: (EPISODES_OF_89, "4"), 3: (TRACKS_OF_157, "10")}


def add_section_contents(pms, removed=None) -> set[str]:
    """Serve ``/library/sections/<id>/all?type=N`` for the three recorded sections with their
    recorded items (see :data:`SECTION_CONTENTS`: movies 55, 56, 57, 108; episodes 90-92;
    tracks 158-160, each with ``addedAt`` and ``Media/Part size``), paged as PMS does; another
    ``type`` answers an empty container. Returns the set of rating keys (strings) left out of
    the answers: add to it to remove an item from the server."""
    removed = set() if removed is None else removed

    def answer(relative: str, type_number: str):
        def build(request):
            root = ET.fromstring(json_fixture_xml(pms, relative))
            for item in list(root):
                if request.query.get("type") != type_number or item.get("ratingKey") in removed:
                    root.remove(item)
            root.set("size", str(len(root)))
            return ET.tostring(root, encoding="unicode")

        return build

    for section_id, (relative, type_number) in SECTION_CONTENTS.items():
        pms.route(f"/library/sections/{section_id}/all", answer(relative, type_number))
    return removed


# Every item of each section of ``library_sections.xml`` by PMS type number, as the section
# search ``/library/sections/<id>/all?type=N`` lists them (recorded list answers; see
# :func:`add_inventory_sections`).
INVENTORY_CONTENTS = {
    1: {"1": (MOVIES, MOVIE_13194)},
    2: {"2": (SHOWS,), "3": (SEASONS_OF_22,), "4": (EPISODES_OF_89,)},
    3: {"8": (ARTISTS,), "9": (ALBUMS_OF_156,), "10": (TRACKS_OF_157,)},
}


@dataclass
class InventoryEdits:
    """Changes :func:`add_inventory_sections` applies to the recorded items on each request:
    ``removed`` rating keys (strings) are left out, ``changes`` sets attributes of an item
    (``{"108": {"updatedAt": "1700000000"}}``), ``renumbered`` lists an item under another
    rating key (``{"57": "9057"}``: PMS re-added it)."""

    removed: set[str] = field(default_factory=set)
    changes: dict[str, dict[str, str]] = field(default_factory=dict)
    renumbered: dict[str, str] = field(default_factory=dict)


def add_inventory_sections(pms) -> InventoryEdits:
    """Serve the section searches of every type for the three sections of
    ``library_sections.xml`` (see :data:`INVENTORY_CONTENTS`): movies 55, 56, 57, 108 and
    13194 (the recorded detail of "Frozen", with its ``<Guid>`` tags); show 22 and 68, seasons
    89 and 33, episodes 90-92; artists 156 and 142, album 157, tracks 158-160. The items are
    the recorded ones; what is built: the answers are filtered by ``type`` (PMS answers a
    type's items only), a list's entries of another type or without a rating key (the "All
    episodes" entry of a season list) are left out, "Frozen" is moved from its detail answer
    into the movie list, and the returned :class:`InventoryEdits` are applied. Paged as PMS
    does (by the fake)."""
    edits = InventoryEdits()
    types = {"1": "movie", "2": "show", "3": "season", "4": "episode"}
    types |= {"8": "artist", "9": "album", "10": "track"}

    def answer(section_id: int):
        def build(request):
            type_number = request.query.get("type", "")
            root = ET.Element("MediaContainer")
            for relative in INVENTORY_CONTENTS[section_id].get(type_number, ()):
                for item in ET.fromstring(json_fixture_xml(pms, relative)):
                    rating_key = item.get("ratingKey")
                    if not rating_key or item.get("type") != types[type_number]:
                        continue
                    if rating_key in edits.removed:
                        continue
                    for name, value in edits.changes.get(rating_key, {}).items():
                        item.set(name, value)
                    if rating_key in edits.renumbered:
                        new = edits.renumbered[rating_key]
                        item.set("ratingKey", new)
                        item.set("key", f"/library/metadata/{new}")
                    root.append(item)
            root.set("size", str(len(root)))
            root.set("librarySectionID", str(section_id))
            return ET.tostring(root, encoding="unicode")

        return build

    for section_id in INVENTORY_CONTENTS:
        pms.route(f"/library/sections/{section_id}/all", answer(section_id))
    return edits
