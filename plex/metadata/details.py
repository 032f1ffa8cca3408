"""One item as Tautulli's ``get_metadata`` dict: fetched from PMS, with what it takes from its
parents (show, season, album, artist, photo album)."""

from __future__ import annotations

from plexapi.exceptions import NotFound

from plex.client import (
    DEFAULT_TIMEOUT,
    PLEX_ERRORS,
    call_pms,
    forget,
    unavailable,
)
from plex.pms_fields import (
    GROUPING_TAGS,
    LIVE_TV_SECTION_ID,
    LIVE_TV_SECTION_NAME,
    fields_without,
    markers_of,
    read_fields,
    tag_fields,
)
from plex.pms_fields import guids as _guids
from plex.pms_fields import raw as _raw
from plex.pms_fields import to_int as _int
from plex.pms_fields import to_text as _text

from .media_info import media_info_of
from .values import attr as _attr
from .values import item_values as _item_values
from .values import media_type_of

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


def complete(item):
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
    return complete(call_pms(server, timeout=timeout, call=lambda plex: plex.fetchItem(key)))


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
        raise unavailable(exc, server.url, timeout) from None


def _looked_up(item, name: str) -> str:
    """An episode's ``parentRatingKey``/``parentThumb``: when PMS left them out, plexapi finds
    them among the show's seasons (one more request, as Tautulli does); "" when it cannot."""
    try:
        return _attr(item, name)
    except NotFound:
        return ""


# get_metadata's keys (metadata_details), in Tautulli's order.
DETAIL_FIELDS = fields_without()


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
