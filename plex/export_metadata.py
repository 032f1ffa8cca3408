"""Metadata of a library, an item, a collection, a playlist or a user's playlists read with
plexapi for the exporter (``exports``), as plain dicts.

What to read from each item is a *spec* (``exports.fields``): ``{"title": None, "genres":
{"tag": None}, "seasons": {}, "thumbFile": None}``: a value, the attributes of each tag/stream,
a child list (each child read with ``spec_for(child media type)``), an image. Values are
plexapi's typed attributes (ints, floats, booleans, strings, null); datetimes are ISO 8601
texts without a zone as plexapi gives them (the server's local time; ``originallyAvailableAt``
a date), as Tautulli writes them. A list of tags that is empty is one entry of nulls
(``[{"tag": null}]``), as Tautulli's exporter writes it. Computed fields (Tautulli's):
``durationHuman`` ("1 hr 52 mins"), ``sizeHuman`` ("1.43 GB", 1024-based), ``hdr`` (a video
stream deeper than 8 bits with a PQ/HLG transfer; a media: any of its streams),
``<image>Provider`` (the selected image's provider, "upload" for an uploaded one) and
``<image>File`` (the image saved by the caller's ``save_image``; its relative path or null).

Items from a list are partial: each is reloaded (``GET /library/metadata/<key>``) before it is
read, as Tautulli does; an item PMS no longer has (404) is read as listed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from plexapi.exceptions import NotFound

from .client import DEFAULT_TIMEOUT, PLEX_ERRORS, PlexUnavailable, connect, unavailable

logger = logging.getLogger(__name__)

# Child list key → the plexapi method that lists the children.
CHILD_METHODS = {
    "seasons": "seasons",
    "episodes": "episodes",
    "albums": "albums",
    "tracks": "tracks",
    "items": "items",
    "photoalbums": "albums",
    "photos": "photos",
    "clips": "clips",
}
_HDR_TRANSFERS = ("smpte2084", "arib-std-b67")
_DATE_ONLY = {"originallyAvailableAt"}
IMAGE_KINDS = ("thumb", "art", "logo", "squareArt", "theme")
_IMAGE_LISTS = {
    "thumb": "posters",
    "art": "arts",
    "logo": "logos",
    "squareArt": "squareArts",
    "theme": "themes",
}


class ExportTargetNotFound(Exception):
    """PMS has no such library section or item (the reason in words)."""


@dataclass
class ExportedItem:
    """One top-level item of an export: its media type, title (Tautulli's: a season "Show -
    Season 1", an episode "Show - S01E01 - Title"), rating key and its dict."""

    media_type: str
    title: str
    rating_key: int | None
    data: dict


@dataclass
class ExportTarget:
    """What an export reads: its media type, its title (the library's, the item's, or None for
    a user's playlists), the library section (None for playlists) and the plexapi objects."""

    media_type: str
    title: str | None
    section_id: int | None
    items: list


def media_type_of(obj) -> str:
    """Tautulli's media type of a plexapi object: ``photoalbum`` for a photo directory."""
    if getattr(obj, "type", None) == "photo" and getattr(obj, "TAG", "") == "Directory":
        return "photoalbum"
    return obj.type


def item_title(obj) -> str:
    if media_type_of(obj) in ("season", "episode", "album", "track"):
        return obj._defaultSyncTitle()
    return obj.title


def find_target(
    server,
    *,
    section_id: int | None = None,
    rating_key: int | None = None,
    user_token: str | None = None,
    export_type: str = "all",
    timeout: float = DEFAULT_TIMEOUT,
) -> ExportTarget:
    """Read what to export from PMS: an item (``rating_key``), a user's playlists (signed in
    with ``user_token``, that user's server token), or a library section's items, collections
    or playlists (``export_type`` all / collection / playlist). Raises
    :class:`ExportTargetNotFound` or :class:`PlexUnavailable` (one readable line)."""
    from plexapi.server import PlexServer

    try:
        if user_token:
            plex = PlexServer(server.url, user_token, timeout=timeout)
            return ExportTarget("playlist", None, None, plex.playlists())
        plex = connect(server, timeout)
        if rating_key:
            try:
                obj = plex.fetchItem(int(rating_key))
            except NotFound:
                raise ExportTargetNotFound(f"No item with rating key {rating_key}.") from None
            media_type = media_type_of(obj)
            section = None if media_type == "playlist" else getattr(obj, "librarySectionID", None)
            return ExportTarget(media_type, item_title(obj), section, [obj])
        try:
            section = plex.library.sectionByID(int(section_id))
        except NotFound:
            raise ExportTargetNotFound(f"No library section {section_id}.") from None
        if export_type == "collection":
            items = section.collections()
        elif export_type == "playlist":
            items = section.playlists()
        else:
            items = section.all()
        media_type = section.type if export_type == "all" else export_type
        return ExportTarget(media_type, section.title, int(section_id), items)
    except PLEX_ERRORS as exc:
        raise unavailable(exc, server.url, timeout) from None


class ItemReader:
    """Reads plexapi objects into dicts (see the module doc).

    ``spec_for(media_type)`` gives the spec of each media type; ``save_image(kind, obj,
    media_type, title)`` saves an image and returns its path relative to the export (or None);
    ``wanted_image(kind, obj)`` says whether the item's image is to be saved (Tautulli's
    image levels)."""

    def __init__(
        self,
        spec_for: Callable[[str], dict],
        *,
        save_image: Callable | None = None,
        check_files: bool = False,
    ):
        self.spec_for = spec_for
        self.save_image = save_image
        self.check_files = check_files

    def read(self, obj) -> ExportedItem:
        media_type = media_type_of(obj)
        obj = self._full(obj)
        data = self._read(obj, self.spec_for(media_type), media_type)
        rating_key = getattr(obj, "ratingKey", None)
        return ExportedItem(media_type, item_title(obj), rating_key, data)

    def _full(self, obj):
        partial = getattr(obj, "isPartialObject", None)
        if partial is not None and partial():
            try:
                obj.reload(checkFiles=self.check_files)
            except NotFound:
                logger.info("Exporter: %s is no longer on the server", obj.ratingKey)
        obj._autoReload = False  # read what PMS answered, no request per missing attribute
        return obj

    def _read(self, obj, spec: dict, media_type: str) -> dict:
        out = {}
        for name, sub in spec.items():
            out[name] = self._field(obj, name, sub, media_type)
        return out

    def _field(self, obj, name: str, sub, media_type: str):
        if name in CHILD_METHODS and media_type not in ("movie", "episode", "track", "photo"):
            method = getattr(obj, CHILD_METHODS[name], None)
            if method is None:
                return []
            try:
                children = method()
            except NotFound:
                children = []
            return [self.read(child).data for child in children]
        if name == "durationHuman":
            return human_duration(getattr(obj, "duration", 0) or 0)
        if name == "sizeHuman":
            return human_size(getattr(obj, "size", 0) or 0)
        if name == "hdr":
            return _hdr(obj)
        if name.endswith("File") and name[:-4] in IMAGE_KINDS:
            if self.save_image is None:
                return None
            return self.save_image(name[:-4], obj, media_type_of(obj), item_title(obj))
        if name.endswith("Provider") and name[:-8] in IMAGE_KINDS:
            selected = selected_image(obj, name[:-8])
            if selected is None:
                return None
            key = str(getattr(selected, "ratingKey", "") or "")
            return "upload" if key.startswith("upload://") else getattr(selected, "provider", None)
        if name == "type" and media_type == "photoalbum":
            return "photoalbum"
        try:
            value = getattr(obj, name, None)
            if callable(value):
                value = value()
        except NotFound:
            value = None
        if isinstance(sub, dict):
            if isinstance(value, list):
                return [self._read(entry, sub, media_type) for entry in value] or [
                    {key: None for key in sub}
                ]
            if value is None:
                return {key: None for key in sub}
            return self._read(value, sub, media_type)
        return plain(value, date_only=name in _DATE_ONLY)


def plain(value, *, date_only: bool = False):
    """A JSON value of a plexapi attribute."""
    if isinstance(value, datetime):
        return value.date().isoformat() if date_only else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [plain(entry) for entry in value]
    return str(value)


def _hdr(obj) -> bool:
    if hasattr(obj, "parts") and not hasattr(obj, "videoStreams"):  # a Media: any stream
        return any(_hdr(stream) for part in obj.parts for stream in part.videoStreams())
    try:
        depth = int(getattr(obj, "bitDepth", 0) or 0)
    except (TypeError, ValueError):
        depth = 0
    transfer = getattr(obj, "colorTrc", None) or getattr(obj, "colorSpace", None) or ""
    return depth > 8 and transfer in _HDR_TRANSFERS


def selected_image(obj, kind: str):
    """The item's selected image of ``kind`` (PMS's list of posters/arts...), None when PMS
    lists none or cannot be asked."""
    method = getattr(obj, _IMAGE_LISTS[kind], None)
    if method is None:
        return None
    try:
        return next((image for image in method() if image.selected), None)
    except (*PLEX_ERRORS, PlexUnavailable):
        return None


def image_locked(obj, kind: str) -> bool:
    """Whether the item's image field is locked (edited in Plex)."""
    fields = getattr(obj, "fields", None) or []
    return any(f.name == kind and f.locked for f in fields)


def human_duration(ms: int) -> str:
    """Tautulli's ``durationHuman``: days/hrs/mins (rounded to the minute; seconds shown under
    five minutes), "0" for nothing."""
    if not isinstance(ms, int) or ms <= 0:
        return "0"
    unit = 1000 if ms < 300_000 else 60_000
    ms = round(ms / unit) * unit
    days, rest = divmod(ms, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds = rest // 1000
    parts = []
    for count, word in ((days, "day"), (hours, "hr"), (minutes, "min"), (seconds, "sec")):
        if count > 0:
            parts.append(f"{count} {word}{'s' if count > 1 else ''}")
    return " ".join(parts)


def human_size(size: int) -> str:
    """Tautulli's ``sizeHuman``: 1024-based with SI names ("700.00 MB"), bytes under 1 kB."""
    if not isinstance(size, int):
        return size
    if size < 1024:
        return f"{float(size)} B"
    value = float(size)
    units = ("kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
    index = -1
    while value >= 1024 and index < len(units) - 1:
        value /= 1024
        index += 1
    return f"{value:.2f} {units[index]}"
