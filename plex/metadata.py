"""Item metadata from a Plex Media Server, in Tautulli's shapes (reference 1.2 "Metadata /
content", 3.1, 3.5 steps 4-5).

Everything here reads PMS through plexapi (:func:`plex.client.connect`) and turns its objects into
the plain dicts Tautulli's API answers, values typed as in the v2.17.2 captures
(``tautulli-dart/media/``): almost every value is a string (``"1995"``, ``"6798816"``, ``""`` when
PMS says nothing); lists of names; ``children_count``/``live`` ints; markers with int offsets
(ms) and ``first``/``final`` booleans; ``media_info`` with its parts and streams.

* :func:`fetch_metadata` — ``/library/metadata/<rating_key>?includeMarkers=1`` as
  :func:`metadata_details` (Tautulli's ``get_metadata``), also what the history writer stores
  (:func:`history.writer.write_session_history`).
* :func:`fetch_children` — ``get_children_metadata``; :func:`fetch_recently_added` —
  ``get_recently_added``; :func:`search` — ``search``.
* :func:`fetch_image` — PMS's photo transcoder (``pms_image_proxy``); :func:`server_identity`,
  :func:`servers_info`, :func:`friendly_name` — ``/identity``, ``/servers``, ``/``;
  :func:`identifier_at` — ``/identity`` of any address (``get_server_id``); :func:`server_list`
  — plex.tv's resources of the token's account (``get_server_list``).

Values come from plexapi's attributes; the few attributes plexapi does not model (``banner``,
``live``, ``grandparentYear``, live TV channels) are read from the element plexapi kept.
Every function raises :class:`plex.client.PlexUnavailable` (one readable line, never the token)
when PMS is unreachable, rejects the token or answers junk; an item PMS does not have (HTTP 404
or an empty container) is None or an empty result, not an error.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlencode

import requests
from plexapi.exceptions import NotFound
from plexapi.photo import Photoalbum

from .client import DEFAULT_TIMEOUT, PLEX_ERRORS, PlexUnavailable, connect, describe_error, forget
from .pms_fields import (
    AUDIO_CHANNELS,
    AUDIO_STREAM_FIELDS,
    GROUPING_TAGS,
    LIVE_TV_SECTION_ID,
    LIVE_TV_SECTION_NAME,
    MEDIA_FIELDS,
    SUBTITLE_STREAM_FIELDS,
    VIDEO_STREAM_FIELDS,
    dynamic_range_names,
    fields_without,
    full_resolution,
    markers_of,
    read_fields,
    tag_fields,
)
from .pms_fields import guids as _guids
from .pms_fields import raw as _raw
from .pms_fields import to_int as _int

logger = logging.getLogger(__name__)

# search's results_list keys, in Tautulli's order.
SEARCH_TYPES = ("movie", "show", "season", "episode", "artist", "album", "track", "collection")
# Media types get_metadata describes (besides playlists).
DETAIL_TYPES = frozenset(
    {
        "movie",
        "show",
        "season",
        "episode",
        "artist",
        "album",
        "track",
        "photo_album",
        "photo",
        "collection",
        "clip",
    }
)
# get_recently_added's media_type → the type of PMS's ``/hubs/home/recentlyAdded`` hub.
RECENTLY_ADDED_HUB_TYPES = {"movie": 1, "show": 2, "artist": 8, "other_video": 1}


# --- fetching ---------------------------------------------------------------------------------------


def _pms(server, timeout: float, call):
    """``call(plex)`` on the server's ``PlexServer``; None when PMS answers 404 / nothing.

    Any other failure is raised as :class:`PlexUnavailable` (and the cached connection dropped).
    """
    plex = connect(server, timeout)
    try:
        return call(plex)
    except NotFound:
        return None
    except PLEX_ERRORS as exc:
        forget(server)
        raise PlexUnavailable(describe_error(exc, server.url, timeout)) from None


def _complete(item):
    """The item as PMS sent it: plexapi re-fetches a "partial" object whenever code reads an
    attribute PMS left out; here every answer is all there is, so one item costs one request."""
    if item is not None and hasattr(item, "_autoReload"):
        item._autoReload = False
    return item


def fetch_item(server, rating_key, *, timeout: float = DEFAULT_TIMEOUT):
    """The plexapi item at ``/library/metadata/<rating_key>?includeMarkers=1`` (reference 3.1),
    or None when PMS has no such item. Raises PlexUnavailable."""
    if not str(rating_key or "").isdigit():
        return None
    key = f"/library/metadata/{int(rating_key)}?includeMarkers=1"
    return _complete(_pms(server, timeout, lambda plex: plex.fetchItem(key)))


def fetch_metadata(server, rating_key, *, timeout: float = DEFAULT_TIMEOUT) -> dict | None:
    """Tautulli's ``get_metadata`` dict of one item (:func:`metadata_details`), or None when the
    item does not exist (404). Raises :class:`PlexUnavailable` when PMS is unreachable or answers
    junk: the history writer then retries later (reference 3.5 step 4).

    The dict holds every :class:`history.models.HistoryMetadata` field PMS knows (titles,
    indexes, thumbs, year, dates as epoch strings, people/genres/labels as lists...) under the
    field's name, plus ``section_id``, ``duration`` (ms, str) and ``markers``, which is what
    :func:`history.writer.write_session_history` reads.
    """
    item = fetch_item(server, rating_key, timeout=timeout)
    if item is None:
        return None
    return metadata_details(item, server, timeout=timeout) or None


# --- formatting helpers -----------------------------------------------------------------------------


def _text(value) -> str:
    """A PMS value as Tautulli's string: "" for nothing, epoch seconds for datetimes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return str(int(value.timestamp()))
    if isinstance(value, float):
        return "" if value != value else str(value)  # NaN: plexapi's failed cast
    return str(value)


def _attr(item, name: str) -> str:
    """``item.name`` as text, else the raw XML attribute (plexapi models it on some types
    only), else ""."""
    value = getattr(item, name, None)
    return _text(value) if value is not None else _raw(item, name)


def _date(value) -> str:
    """``originallyAvailableAt`` as ``YYYY-MM-DD`` (plexapi parses it to a datetime)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    return _text(value)


def _sort_title(item) -> str:
    """``titleSort``: plexapi fills it with the title when PMS sent none; Tautulli says ""."""
    sort_title = getattr(item, "titleSort", None)
    return "" if not sort_title or sort_title == getattr(item, "title", None) else sort_title


def media_type_of(item) -> str:
    """Tautulli's media type: PMS's ``type``, with photo albums as ``photo_album``."""
    if isinstance(item, Photoalbum):
        return "photo_album"
    return getattr(item, "type", None) or ""


def dynamic_range(stream) -> str:
    """``SDR``, or the HDR formats PMS names in the stream's title (``HDR10``, ``Dolby
    Vision/HDR10``, ``HLG``...), as Tautulli's ``get_dynamic_range`` (PMS >= 1.25.6)."""
    bit_depth = stream.bitDepth or 0
    hdr = bit_depth > 8 and stream.colorTrc in ("smpte2084", "arib-std-b67")
    dolby_vision = bool(stream.DOVIProfile)
    if not (hdr or dolby_vision):
        return "SDR"
    return dynamic_range_names(stream.extendedDisplayTitle or "", dolby_vision)


def _stream_info(stream) -> dict | None:
    """One stream of a part as Tautulli lists it (video 1, audio 2, subtitle 3; others None)."""
    kind = stream.streamType
    if kind == 1:
        fields, values = (
            VIDEO_STREAM_FIELDS,
            {
                "video_dynamic_range": dynamic_range(stream),
                "video_dovi_bl_present": int(bool(stream.DOVIBLPresent)),
                "video_dovi_el_present": int(bool(stream.DOVIELPresent)),
                "video_dovi_level": stream.DOVILevel or 0,
                "video_dovi_present": int(bool(stream.DOVIPresent)),
                "video_dovi_profile": stream.DOVIProfile or 0,
                "video_dovi_rpu_present": int(bool(stream.DOVIRPUPresent)),
                "video_dovi_version": _int(stream.DOVIVersion),
                "video_frame_rate": f"{stream.frameRate:.3f}" if stream.frameRate else "",
            },
        )
    elif kind == 2:
        fields, values = AUDIO_STREAM_FIELDS, {}
    elif kind == 3:
        fields, values = (
            SUBTITLE_STREAM_FIELDS,
            {
                "subtitle_forced": int(bool(stream.forced)),
                "subtitle_location": "external" if stream.key else "embedded",
            },
        )
    else:
        return None
    info = read_fields(stream, _attr, fields, values)
    info["selected"] = int(bool(stream.selected))
    return info


def media_info_of(item) -> list[dict]:
    """The item's versions (``<Media>``) with their parts and streams, as Tautulli's
    ``media_info`` (``video_full_resolution`` = resolution + the first video stream's scan type)."""
    result = []
    for media in getattr(item, "media", None) or []:
        parts = []
        scan_type = ""
        for part in media.parts:
            streams = []
            for stream in part.streams:
                info = _stream_info(stream)
                if info is None:
                    continue
                if stream.streamType == 1:
                    scan_type = scan_type or info["video_scan_type"]
                streams.append(info)
            parts.append(
                {
                    "id": _text(part.id),
                    "file": _text(part.file),
                    "file_size": _text(part.size),
                    "indexes": int(part.indexes == "sd"),
                    "streams": streams,
                    "selected": int(bool(part.selected)),
                }
            )
        resolution = (media.videoResolution or "").lower().rstrip("ip")
        channels = _text(media.audioChannels)
        values = {
            "video_resolution": resolution,
            "video_full_resolution": full_resolution(resolution, scan_type) if resolution else "",
            "audio_channel_layout": AUDIO_CHANNELS.get(channels, channels),
            "optimized_version": int(media.proxyType == 42),
            "begins_at": _int(_raw(media, "beginsAt")),
            "ends_at": _int(_raw(media, "endsAt")),
        }
        # The live TV channel* attributes plexapi does not model are read from the XML (_attr).
        result.append({**read_fields(media, _attr, MEDIA_FIELDS, values), "parts": parts})
    return result


# --- one item ---------------------------------------------------------------------------------------


def library_name(server, section_id: str, pms_title: str | None = None) -> str:
    """The library's name: PMS's ``librarySectionTitle``, else our synced
    :class:`libraries.models.Library` of that server and section."""
    if pms_title:
        return pms_title
    if not section_id or not str(section_id).isdigit():
        return ""
    from libraries.models import Library

    name = (
        Library.objects.filter(server=server, section_id=int(section_id))
        .values_list("section_name", flat=True)
        .first()
    )
    return name or ""


def _parent(server, rating_key, timeout: float):
    """A parent item (show, season, album, artist, photo album) or None when it is gone."""
    if not rating_key:
        return None
    return fetch_item(server, rating_key, timeout=timeout)


def metadata_details(
    item, server, *, media_info: bool = True, timeout: float = DEFAULT_TIMEOUT
) -> dict:
    """Tautulli's ``get_metadata`` dict of a plexapi item (Movie, Show, Season, Episode, Artist,
    Album, Track, Photoalbum, Photo, Clip, Collection, Playlist); {} for other objects.

    Keys and JSON types as the v2.17.2 captures. As Tautulli (``get_metadata_details``): an
    episode takes studio, actors, genres, labels, collections, banner and the show's year/guids
    from its show and the season's year/guids from its season; a season takes most of its show's;
    a track takes year, genres, labels and collections from its album; so those need one or two
    more PMS requests. ``library_name`` is PMS's, else our synced library's; live TV items are
    in Tautulli's "Live TV" pseudo library. ``media_info`` lists the versions with their parts
    and streams (left out when ``media_info`` is False). Raises PlexUnavailable.
    """
    media_type = media_type_of(item)
    if media_type == "playlist":
        return _playlist_details(item, server)
    if media_type not in DETAIL_TYPES:
        return {}

    try:
        return _details(item, server, media_type, media_info, timeout)
    except PLEX_ERRORS as exc:
        forget(server)
        raise PlexUnavailable(describe_error(exc, server.url, timeout)) from None


def _looked_up(item, name: str) -> str:
    """An episode's ``parentRatingKey``/``parentThumb``: when PMS left them out, plexapi finds
    them among the show's seasons (one more request, as Tautulli does); "" when it cannot."""
    try:
        return _attr(item, name)
    except NotFound:
        return ""


# get_metadata's keys (metadata_details) and a list entry's (item_summary), in Tautulli's order.
DETAIL_FIELDS = fields_without()
SUMMARY_FIELDS = fields_without(
    "edition_title",
    "slug",
    "parent_slug",
    "grandparent_slug",
    "parent_year",
    "grandparent_year",
    "parent_guid",
    "grandparent_guid",
    "guids",
    "markers",
    "parent_guids",
    "grandparent_guids",
    "children_count",
    "live",
)


def _item_values(item, title: str) -> dict:
    """The keys of :data:`METADATA_FIELDS <plex.pms_fields.METADATA_FIELDS>` that are not
    plexapi's attribute as text (see :func:`_attr`), shared by get_metadata and list entries."""
    return {
        "title": title,
        "sort_title": _sort_title(item),
        "banner": _raw(item, "banner"),
        "originally_available_at": _date(getattr(item, "originallyAvailableAt", None)),
        **tag_fields(item),
        "full_title": title,
    }


def _details(item, server, media_type, media_info, timeout) -> dict:
    values = _item_values(item, item.title or "")
    values.update(
        media_type=media_type,
        section_id=_text(getattr(item, "librarySectionID", None)),
        library_name="",
        rating_key=_text(item.ratingKey),
        parent_rating_key=_looked_up(item, "parentRatingKey"),
        grandparent_year=_raw(item, "grandparentYear"),
        parent_thumb=_looked_up(item, "parentThumb"),
        guids=_guids(item),
        markers=markers_of(item),
        parent_guids=[],
        grandparent_guids=[],
        children_count=_int(getattr(item, "leafCount", None)),
        live=int(_raw(item, "live") == "1"),
    )
    metadata = read_fields(item, _attr, DETAIL_FIELDS, values)
    if metadata["live"]:
        metadata["section_id"] = LIVE_TV_SECTION_ID
        metadata["library_name"] = LIVE_TV_SECTION_NAME
    else:
        metadata["library_name"] = library_name(
            server, metadata["section_id"], getattr(item, "librarySectionTitle", None)
        )
    _inherit(metadata, item, server, media_type, timeout)
    if media_info:
        metadata["media_info"] = media_info_of(item)
    return metadata


def _inherit(metadata: dict, item, server, media_type: str, timeout: float) -> None:
    """Fill what Tautulli takes from the item's parents (see :func:`metadata_details`)."""

    def parent(rating_key):
        return _parent(server, rating_key, timeout)

    if media_type == "show":
        duration = metadata["duration"]
        if duration.isdigit() and int(duration) < 1000:  # some agents give minutes
            metadata["duration"] = str(int(duration) * 60 * 1000)
    elif media_type == "season":
        show = parent(metadata["parent_rating_key"])
        metadata.update(
            studio=_attr(show, "studio"),
            content_rating=_attr(show, "contentRating"),
            summary=metadata["summary"] or _attr(show, "summary"),
            duration=_attr(show, "duration"),
            parent_year=_attr(show, "year"),
            parent_thumb=metadata["parent_thumb"] or _attr(show, "thumb"),
            banner=_raw(show, "banner"),
            **tag_fields(show),
            parent_guids=_guids(show),
            full_title=f"{metadata['parent_title']} - {metadata['title']}",
        )
    elif media_type == "episode":
        show = parent(metadata["grandparent_rating_key"])
        season = parent(metadata["parent_rating_key"])
        metadata.update(
            studio=_attr(show, "studio"),
            parent_year=_attr(season, "year"),
            grandparent_year=_attr(show, "year"),
            parent_thumb=metadata["parent_thumb"] or _attr(show, "thumb"),
            banner=_raw(show, "banner"),
            **tag_fields(show, ("actors", *GROUPING_TAGS)),
            parent_guids=_guids(season),
            grandparent_guids=_guids(show),
            full_title=f"{metadata['grandparent_title']} - {metadata['title']}",
        )
    elif media_type == "album":
        artist = parent(metadata["parent_rating_key"])
        metadata.update(
            summary=metadata["summary"] or _attr(artist, "summary"),
            banner=_raw(artist, "banner"),
            parent_guids=_guids(artist),
            full_title=f"{metadata['parent_title']} - {metadata['title']}",
        )
    elif media_type == "track":
        album = parent(metadata["parent_rating_key"])
        artist = parent(metadata["grandparent_rating_key"])
        track_artist = metadata["original_title"] or metadata["grandparent_title"]
        metadata.update(
            year=_attr(album, "year"),
            banner=_raw(album, "banner"),
            **tag_fields(album, GROUPING_TAGS),
            parent_guids=_guids(album),
            grandparent_guids=_guids(artist),
            full_title=f"{metadata['title']} - {track_artist}",
        )
    elif media_type == "photo":
        album = parent(metadata["parent_rating_key"])
        metadata.update(
            banner=_raw(album, "banner"),
            **tag_fields(album, GROUPING_TAGS),
            guids=[],
            parent_guids=_guids(album),
            full_title=f"{metadata['parent_title'] or metadata['library_name']} - {metadata['title']}",
        )
    elif media_type == "collection":
        metadata["thumb"] = metadata["thumb"].split("?")[0]
        metadata["children_count"] = _int(getattr(item, "childCount", None))
        metadata.update(
            sub_media_type=_attr(item, "subtype"),
            min_year=_attr(item, "minYear"),
            max_year=_attr(item, "maxYear"),
            child_count=_attr(item, "childCount"),
            smart=int(bool(getattr(item, "smart", False))),
        )
    elif media_type == "clip":
        metadata.update(extra_type=_attr(item, "extraType"), sub_type=_attr(item, "subtype"))


def _playlist_details(item, server) -> dict:
    """Tautulli's smaller ``get_metadata`` dict of a playlist."""
    section_id = _text(getattr(item, "librarySectionID", None))
    return {
        "media_type": "playlist",
        "section_id": section_id,
        "library_name": library_name(server, section_id, None),
        "rating_key": _text(item.ratingKey),
        "guid": _attr(item, "guid"),
        "title": item.title or "",
        "summary": _attr(item, "summary"),
        "duration": _attr(item, "duration"),
        "composite": _attr(item, "composite"),
        "thumb": _attr(item, "composite"),
        "added_at": _attr(item, "addedAt"),
        "updated_at": _attr(item, "updatedAt"),
        "last_viewed_at": _attr(item, "lastViewedAt"),
        "children_count": _int(getattr(item, "leafCount", None)),
        "smart": int(bool(getattr(item, "smart", False))),
        "playlist_type": _attr(item, "playlistType"),
        "live": 0,
    }


# --- lists ------------------------------------------------------------------------------------------


def item_summary(item, section_id: str = "", library: str = "") -> dict:
    """One entry of ``get_children_metadata``'s ``children_list`` (Tautulli's keys, all strings
    or lists), built from the list answer alone (no request per item). ``section_id`` and
    ``library`` are the container's when the item does not say."""
    values = _item_values(item, getattr(item, "title", None) or "")
    values.update(
        media_type=media_type_of(item),
        section_id=_text(getattr(item, "librarySectionID", None)) or section_id,
        library_name=getattr(item, "librarySectionTitle", None) or library,
        rating_key=_text(getattr(item, "ratingKey", None)),
        parent_rating_key=_raw(item, "parentRatingKey"),
        parent_thumb=_raw(item, "parentThumb"),
    )
    return read_fields(item, _attr, SUMMARY_FIELDS, values)


def _media_items(container) -> list:
    """The items of a list answer that are media (not PMS's "All episodes" shortcut or tags)."""
    items = [_complete(item) for item in container or []]
    return [item for item in items if getattr(item, "ratingKey", None) and media_type_of(item)]


EMPTY_CHILDREN = {"children_count": 0, "children_type": "", "title": "", "children_list": []}


def fetch_children(
    server, rating_key, media_type: str | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> dict:
    """Tautulli's ``get_children_metadata``: ``{children_count, children_type, title,
    children_list}`` of an item's children (``/library/metadata/<rk>/children``; a playlist's
    ``/playlists/<rk>/items``, a collection's ``/library/collections/<rk>/children``).

    ``children_type`` is the children's media type and ``title`` the parent's title (PMS's
    ``title2``: the children's parent title; a playlist's or collection's own title).
    Deliberate difference: PMS's "All episodes" shortcut of a show (no rating key) is not
    listed nor counted, so ``children_count`` is the number of real children. An unknown
    item gives the empty answer (:data:`EMPTY_CHILDREN`). Raises PlexUnavailable.
    """
    rating_key = int(rating_key)
    if media_type == "playlist":
        parent_key, key = f"/playlists/{rating_key}", f"/playlists/{rating_key}/items"
    elif media_type == "collection":
        parent_key = f"/library/metadata/{rating_key}"
        key = f"/library/collections/{rating_key}/children"
    else:
        parent_key, key = None, f"/library/metadata/{rating_key}/children"
    container = _pms(server, timeout, lambda plex: plex.fetchItems(key))
    if not container:
        return dict(EMPTY_CHILDREN)
    section_id = _text(getattr(container, "librarySectionID", None))
    library = library_name(server, section_id, getattr(container, "librarySectionTitle", None))
    children = [item_summary(item, section_id, library) for item in _media_items(container)]
    if parent_key:  # the items of a playlist/collection have parents of their own
        parent = _pms(server, timeout, lambda plex: plex.fetchItem(parent_key))
        title = getattr(parent, "title", None) or ""
    else:
        title = next((child["parent_title"] for child in children if child["parent_title"]), "")
    return {
        "children_count": len(children),
        "children_type": children[0]["media_type"] if children else "",
        "title": title,
        "children_list": children,
    }


def fetch_recently_added(
    server,
    count: int,
    *,
    start: int = 0,
    media_type: str | None = None,
    section_id: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[dict]:
    """Tautulli's ``get_recently_added`` items, newest first: ``count`` items from ``start``
    (asked of PMS as ``X-Plex-Container-Start``/``-Size``).

    ``media_type`` movie/show/artist/other_video reads PMS's home hub of that type, else
    ``section_id`` that library's ``recentlyAdded``, else ``/library/recentlyAdded`` (all
    libraries). Each item is :func:`item_summary` plus ``guids`` and ``child_count``, from the
    list answer alone. Raises PlexUnavailable.
    """
    if media_type in RECENTLY_ADDED_HUB_TYPES:
        params = {"type": RECENTLY_ADDED_HUB_TYPES[media_type]}
        if media_type == "other_video":
            params["personal"] = 1
        key = f"/hubs/home/recentlyAdded?{urlencode(params)}"
    elif section_id is not None:
        key = f"/library/sections/{int(section_id)}/recentlyAdded"
    else:
        key = "/library/recentlyAdded"
    container = _pms(
        server,
        timeout,
        lambda plex: plex.fetchItems(
            key, container_start=start, container_size=count, maxresults=count
        ),
    )
    section = _text(getattr(container, "librarySectionID", None))
    library = getattr(container, "librarySectionTitle", None) or ""
    items = []
    for item in _media_items(container)[:count]:
        entry = item_summary(item, section, library)
        if not entry["library_name"]:
            entry["library_name"] = library_name(server, entry["section_id"])
        entry["guids"] = _guids(item)
        entry["child_count"] = _attr(item, "childCount")
        items.append(entry)
    return sorted(items, key=lambda entry: _int(entry["added_at"]), reverse=True)


def empty_search() -> dict:
    """``search``'s answer without results."""
    return {"results_count": 0, "results_list": {media_type: [] for media_type in SEARCH_TYPES}}


def search(server, query: str, limit: int | None = None, *, timeout: float = DEFAULT_TIMEOUT):
    """Tautulli's ``search``: PMS's hub search (``/hubs/search?query=..&limit=..``, ``limit``
    results per hub) as ``{results_count, results_list: {movie: [...], show: [...], ...}}``.

    As Tautulli, each result is the item's full :func:`metadata_details` (one or more requests per
    result) and a show brings its seasons along. Hubs of other things (actors, genres...) are
    left out. Raises PlexUnavailable.
    """
    hits = _pms(server, timeout, lambda plex: plex.search(query, limit=limit)) or []
    result = empty_search()
    results = result["results_list"]
    for hit in hits:
        if getattr(hit, "type", None) not in SEARCH_TYPES or not getattr(hit, "ratingKey", None):
            continue
        metadata = fetch_metadata(server, hit.ratingKey, timeout=timeout)
        if not metadata or metadata["media_type"] not in results:
            continue
        results[metadata["media_type"]].append(metadata)
        if metadata["media_type"] == "show":
            seasons = fetch_children(server, metadata["rating_key"], timeout=timeout)
            for season in seasons["children_list"]:
                season_metadata = fetch_metadata(server, season["rating_key"], timeout=timeout)
                if season_metadata:
                    results["season"].append(season_metadata)
    result["results_count"] = sum(len(items) for items in results.values())
    return result


# --- server and images ------------------------------------------------------------------------------


def server_identity(server, *, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """PMS's ``/identity`` as ``{machine_identifier, version}`` (Tautulli's
    ``get_server_identity``). Raises PlexUnavailable."""
    data = _pms(server, timeout, lambda plex: plex.query("/identity"))
    attrib = data.attrib if data is not None else {}
    return {
        "machine_identifier": attrib.get("machineIdentifier", ""),
        "version": attrib.get("version", ""),
    }


def servers_info(server, *, timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """PMS's ``/servers`` as ``[{name, machine_identifier, host, port, version}]`` (strings,
    Tautulli's ``get_servers_info``). Raises PlexUnavailable."""
    data = _pms(server, timeout, lambda plex: plex.query("/servers"))
    return [
        {
            "name": elem.attrib.get("name", ""),
            "machine_identifier": elem.attrib.get("machineIdentifier", ""),
            "host": elem.attrib.get("host", ""),
            "port": elem.attrib.get("port", ""),
            "version": elem.attrib.get("version", ""),
        }
        for elem in (data if data is not None else [])
        if elem.tag == "Server"
    ]


def friendly_name(server, *, timeout: float = DEFAULT_TIMEOUT) -> str:
    """The name PMS gives itself (``friendlyName`` of ``GET /``). Raises PlexUnavailable."""
    return connect(server, timeout).friendlyName or ""


def fetch_image(
    server,
    img: str,
    *,
    width: int,
    height: int,
    opacity: int | None = None,
    background: str | None = None,
    blur: int | None = None,
    img_format: str = "png",
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[bytes, str]:
    """An image resized by PMS's transcoder (``/photo/:/transcode?url=<img>&width=..``, as
    Tautulli's ``get_image``): ``(bytes, content type)``.

    ``img`` is a PMS path (``/library/metadata/1/thumb/1590245989``) or an ``http(s)`` URL that PMS
    fetches itself. The token goes in the ``X-Plex-Token`` header (and, for a PMS path, in the
    inner URL, as the Plex apps send it): never in an answer or a log. Raises PlexUnavailable when
    PMS is unreachable or answers anything but an image.
    """
    if not server.url:
        raise PlexUnavailable(f"No URL is set for server {server.name!r}.")
    inner = img
    if not img.startswith(("http://", "https://")) and server.token:
        inner = f"{img}?{urlencode({'X-Plex-Token': server.token})}"
    params = {"url": inner, "width": width, "height": height, "format": img_format}
    if opacity:
        params["opacity"] = opacity
    if background:
        params["background"] = background
    if blur:
        params["blur"] = blur
    url = f"{server.url.rstrip('/')}/photo/:/transcode?{urlencode(params)}"
    headers = {"Accept": "image/*"}
    if server.token:
        headers["X-Plex-Token"] = server.token
    try:
        response = requests.get(url, headers=headers, timeout=timeout)
    except requests.exceptions.RequestException as exc:
        raise PlexUnavailable(describe_error(exc, server.url, timeout)) from None
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    if response.status_code != 200 or not content_type.startswith("image/"):
        raise PlexUnavailable(
            f"HTTP {response.status_code} from {server.url}: no image for {img.split('?')[0]}."
        )
    return response.content, content_type


def server_list(server, *, timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """The Plex Media Servers the account of ``server``'s token owns, one entry per connection,
    from plex.tv's resources (Tautulli's ``get_server_list``): ``[{httpsRequired, clientIdentifier,
    label, ip, port, uri, local, value, is_cloud}]``, strings except ``is_cloud``.

    plex.tv is reached through :func:`plex.sync.plex_session` (``settings.PLEX_TV_URL``). Raises
    PlexUnavailable when plex.tv cannot be read or rejects the token.
    """
    from plexapi.myplex import MyPlexAccount

    from .sync import plex_session

    if not server.token:
        raise PlexUnavailable(f"No token is set for server {server.name!r}.")
    try:
        with plex_session() as session:
            account = MyPlexAccount(token=server.token, session=session, timeout=timeout)
            resources = account.resources()
    except PLEX_ERRORS as exc:
        raise PlexUnavailable(describe_error(exc, "plex.tv", timeout)) from None
    servers = []
    for resource in resources:
        if "server" not in (resource.provides or "").split(",") or not resource.owned:
            continue
        is_cloud = "plex.tv" in (resource.platform or "").lower()
        for connection in resource.connections:
            servers.append(
                {
                    "httpsRequired": "1" if is_cloud or resource.httpsRequired else "0",
                    "clientIdentifier": resource.clientIdentifier or "",
                    "label": resource.name or "",
                    "ip": connection.address or "",
                    "port": _text(connection.port),
                    "uri": connection.uri or "",
                    "local": "1" if connection.local else "0",
                    "value": f"{connection.address}:{connection.port}",
                    "is_cloud": is_cloud,
                }
            )
    return servers


def identifier_at(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> str:
    """The ``machineIdentifier`` a PMS at ``url`` (``http[s]://host:port``) gives on its open
    ``/identity`` (no token needed); "" when it answers but says none. Raises PlexUnavailable."""
    from xml.etree import ElementTree as ET

    try:
        response = requests.get(f"{url}/identity", timeout=timeout, headers={"Accept": "text/xml"})
        response.raise_for_status()
        root = ET.fromstring(response.content)
    except (requests.exceptions.RequestException, ET.ParseError) as exc:
        raise PlexUnavailable(describe_error(exc, url, timeout)) from None
    return root.attrib.get("machineIdentifier", "")
