"""A library's collections and playlists, and a user's playlists, read live from PMS with
plexapi, as Tautulli's ``get_collections_table`` / ``get_playlists_table`` list them
(Tautulli v2.17.2 ``plexpy/libraries.py``: ``get_collections``, ``get_playlists``; read for
the facts, reference 1.2 "Libraries").

Requests (plexapi's):

* collections: ``/library/sections/<id>`` (the section, to know its type), then the section
  search ``/library/sections/<id>/all?type=18`` (``LibrarySection.collections``); a section
  that is not a movie, show or music library has none;
* a library's playlists: ``/playlists?playlistType=<video|audio|photo>&sectionID=<id>``
  (``LibrarySection.playlists``);
* a user's playlists: ``/playlists`` signed in with that user's server token
  (:func:`playlists_token`).

Each row keeps Tautulli's keys and JSON types (plexapi's typed attributes: ints, booleans,
strings or null); ``addedAt`` / ``updatedAt`` are ISO 8601 texts without a zone, in the
server's local time (settings.TIME_ZONE), as Tautulli writes plexapi's local datetimes.

The DataTables paging, ordering and search over these lists is done here, in Python, as
Tautulli does (:func:`list_table`): PMS answers the whole list.
"""

from __future__ import annotations

import logging

from django.utils import timezone
from plexapi.exceptions import NotFound

from core.tautulli_api.datatables import TableRequest
from core.timeutils import from_epoch
from users.models import User

from .client import DEFAULT_TIMEOUT, PlexUnavailable, call_pms, call_pms_as, log_unavailable
from .pms_fields import raw

logger = logging.getLogger(__name__)

# The library types PMS keeps collections for (Tautulli answers [] for the others).
COLLECTION_SECTION_TYPES = ("movie", "show", "artist")

# Tautulli's labels of ``collectionMode`` / ``collectionSort``: the table searches and sorts on
# the label, not the number (its ``sort_keys``).
COLLECTION_LABELS = {
    "collectionMode": {
        -1: "Library Default",
        0: "Hide collection",
        1: "Hide items in this collection",
        2: "Show this collection and its items",
    },
    "collectionSort": {0: "Release date", 1: "Alphabetical", 2: "Custom"},
}
# The sortable columns (Tautulli's DataTables columns) and the searched ones.
COLLECTION_COLUMNS = {"titleSort", "collectionMode", "collectionSort", "childCount"}
COLLECTION_SEARCH = ("titleSort", "collectionMode", "collectionSort", "title")
PLAYLIST_COLUMNS = {"title", "leafCount", "duration"}
PLAYLIST_SEARCH = ("title", "leafCount", "duration")


class UnknownSection(Exception):
    """PMS has no library section of that id."""


def local_iso(item, name: str) -> str | None:
    """PMS's epoch-seconds attribute ``name`` of ``item`` as ``YYYY-MM-DDTHH:MM:SS`` in the
    server's local time (no zone, as Tautulli writes it); None when PMS gives none."""
    moment = from_epoch(raw(item, name))
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None).isoformat()


def collection_row(collection) -> dict:
    """One row of ``get_collections_table`` (Tautulli's keys, in its order): ints
    (``childCount``, ``collectionMode`` with -1 for the library default, ``collectionSort``,
    ``librarySectionID``, ``maxYear``/``minYear`` or null, ``ratingKey``), booleans
    (``collectionPublished``, ``smart``), strings or null for the rest."""
    collection._autoReload = False  # every value is in the list answer: no request per item
    mode = collection.collectionMode
    sort = collection.collectionSort
    return {
        "addedAt": local_iso(collection, "addedAt"),
        "art": collection.art,
        "childCount": collection.childCount,
        "collectionMode": -1 if mode is None else mode,
        "collectionPublished": collection.collectionPublished,
        "collectionSort": 0 if sort is None else sort,
        "contentRating": collection.contentRating,
        "guid": collection.guid,
        "librarySectionID": collection.librarySectionID,
        "librarySectionTitle": collection.librarySectionTitle,
        "maxYear": collection.maxYear,
        "minYear": collection.minYear,
        "ratingKey": collection.ratingKey,
        "smart": collection.smart,
        "subtype": collection.subtype,
        "summary": collection.summary,
        "thumb": collection.thumb,
        "title": collection.title,
        "titleSort": collection.titleSort or collection.title,
        "type": collection.type,
        "updatedAt": local_iso(collection, "updatedAt"),
    }


def playlist_row(playlist, section_id: int | None, user_id: int | None) -> dict:
    """One row of ``get_playlists_table`` (Tautulli's keys, in its order): ints
    (``duration`` in ms, ``leafCount``, ``ratingKey``), booleans (``composite`` is PMS's image
    path, a string; ``smart``), strings or null. ``librarySectionID`` and ``userID`` are the
    request's ``section_id`` / ``user_id`` as strings (Tautulli echoes its parameters), null
    when not asked."""
    playlist._autoReload = False
    return {
        "addedAt": local_iso(playlist, "addedAt"),
        "composite": playlist.composite,
        "duration": playlist.duration,
        "guid": playlist.guid,
        "leafCount": playlist.leafCount,
        "librarySectionID": None if section_id is None else str(section_id),
        "playlistType": playlist.playlistType,
        "ratingKey": playlist.ratingKey,
        "smart": playlist.smart,
        "summary": playlist.summary,
        "title": playlist.title,
        "type": playlist.type,
        "updatedAt": local_iso(playlist, "updatedAt"),
        "userID": None if user_id is None else str(user_id),
    }


def _section(plex, section_id: int):
    try:
        return plex.library.sectionByID(section_id)
    except NotFound:
        raise UnknownSection(section_id) from None


def fetch_collections(server, section_id: int, *, timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """Every collection of library ``section_id`` of ``server`` (:func:`collection_row`), in
    PMS's order; [] for a library that is not a movie, show or music one.

    Raises :class:`UnknownSection` when PMS has no such section, :class:`PlexUnavailable` when
    PMS cannot be used."""

    def read(plex):
        section = _section(plex, section_id)
        if section.type not in COLLECTION_SECTION_TYPES:
            return []
        return [collection_row(collection) for collection in section.collections()]

    return call_pms(server, read, timeout=timeout) or []


def fetch_section_playlists(
    server, section_id: int, *, timeout: float = DEFAULT_TIMEOUT
) -> list[dict]:
    """The playlists of the server's owner holding items of library ``section_id`` (PMS's
    ``/playlists?sectionID=``; :func:`playlist_row`, ``userID`` null).

    Raises :class:`UnknownSection` / :class:`PlexUnavailable` as :func:`fetch_collections`."""

    def read(plex):
        playlists = _section(plex, section_id).playlists()
        return [playlist_row(playlist, section_id, None) for playlist in playlists]

    return call_pms(server, read, timeout=timeout) or []


def playlists_token(server, user_id: int) -> str | None:
    """The token PMS shows user ``user_id``'s playlists to: the server's own token for its
    owner (an admin account whose stored token is the server's, or that has none stored), else
    the user's stored server token (:attr:`users.models.User.server_token`, which the users
    refresh reads from plex.tv's ``shared_servers``, the token plexapi's ``switchUser`` would
    fetch). None for an unknown user or a shared user without a stored token (Tautulli answers
    no playlists then).

    Limitation: one server token is kept per user; a user sharing several watched servers has
    the token of one of them, which the others reject (the table is then empty)."""
    user = User.objects.filter(user_id=user_id).only("is_admin", "server_token").first()
    if user is None:
        return None
    if user.is_admin and (not user.server_token or user.server_token == server.token):
        return server.token
    return user.server_token or None


def fetch_user_playlists(
    server,
    user_id: int,
    section_id: int | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[dict]:
    """Every playlist of user ``user_id`` on ``server`` (PMS's ``/playlists`` as that user,
    see :func:`playlists_token`), all libraries (``section_id`` is only echoed in the rows, as
    Tautulli does). [] when the user has no usable token; a token PMS rejects is logged and
    answers []. Raises :class:`PlexUnavailable` when PMS cannot be used otherwise."""
    token = playlists_token(server, user_id)
    if not token:
        return []

    def read(plex):
        return [playlist_row(playlist, section_id, user_id) for playlist in plex.playlists()]

    if token == server.token:
        return call_pms(server, read, timeout=timeout) or []
    try:
        return call_pms_as(server, token, read, timeout=timeout) or []
    except PlexUnavailable as exc:
        log_unavailable(logger, server, f"get_playlists_table (user {user_id})", exc)
        return []


# --- Tautulli's table over a list -------------------------------------------------------------


def _sort_value(row: dict, column: str, labels: dict):
    value = row.get(column)
    value = labels.get(column, {}).get(value, value)
    if isinstance(value, str):
        value = value.lower()
    # None sorts first ascending, last descending (SQLite's NULL order, as the SQL tables).
    return (value is not None, value if value is not None else 0)


def list_table(
    rows: list[dict],
    table: TableRequest,
    *,
    default_column: str,
    search_columns: tuple[str, ...],
    labels: dict | None = None,
) -> dict:
    """Tautulli's ``process_datatable_rows`` over ``rows``: ``table.search`` as a
    case-insensitive substring of any of ``search_columns`` (of a number's text, of a labelled
    value's label: ``labels`` maps column → value → label), sorted by ``default_column``
    ascending then by ``table.order`` (stable, labels sorted as text, text case-insensitively,
    nulls first ascending), then the page. Returns ``{"total", "filtered", "rows"}``."""
    labels = labels or {}
    total = len(rows)
    needle = table.search.lower()
    if needle:
        rows = [
            row
            for row in rows
            if any(
                needle in str(labels.get(column, {}).get(row.get(column), row.get(column))).lower()
                for column in search_columns
            )
        ]
    rows = sorted(rows, key=lambda row: _sort_value(row, default_column, labels))
    for column, descending in reversed(table.order):
        rows = sorted(rows, key=lambda row: _sort_value(row, column, labels), reverse=descending)
    return {
        "total": total,
        "filtered": len(rows),
        "rows": rows[table.start : table.start + table.length],
    }
