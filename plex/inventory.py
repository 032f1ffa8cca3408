"""The library inventory (:class:`libraries.models.LibraryMedia`): every movie, show, season,
episode, artist, album and track of each library of a server, read from PMS with plexapi
(issue 13, part 1).

Reading: per library section (``plex.library.sections()``), one paged section search per
type (``/library/sections/<id>/all?type=N&includeGuids=1``, :data:`CONTAINER_SIZE` items a
request, see :func:`section_elements`), never item by item:

* movie sections: movies (type 1);
* show sections: shows (2), seasons (3), episodes (4);
* artist sections: artists (8), albums (9), tracks (10);
* other sections (photos...) are skipped.

The answers go through plexapi's ``PlexServer.query`` (connection, token, errors, XML parsing)
and are read as its XML elements, the attributes plexapi builds its objects from: building a
plexapi object per item took ~80 % of a refresh of an unchanged library (``bench/
bench_inventory.py``), and a row needs only PMS's attributes and the ``<Media>``/``<Part>``/
``<Guid>`` children.

Tags: an item's ``<Genre>``, ``<Label>`` and ``<Collection>`` children (as PMS lists them in a
section search: PMS may list fewer genres there than in the item's detail) are stored as
``"|Tag A|Tag B|"`` in ``genres``/``labels``/``collections`` (:func:`tag_text`).

Incremental: the server's rows are read once (rating key, section, ``updatedAt``, ``addedAt``,
removed or not, tags) and an item PMS lists with the same section, type, ``updatedAt``,
``addedAt`` and tags as its present row is neither built nor written (tags are compared too:
adding an item to a collection need not change its ``updatedAt``; rows stored before tags were
read are rewritten once). Only new, changed or returning
items are written (bulk upsert on (server, rating_key), :data:`BATCH_SIZE` rows a statement).
An item of a section that was read but that PMS no longer lists gets ``removed_at`` (the row
stays); one that comes back is written again with ``removed_at`` cleared. A new rating key
whose ``guid`` (and type) is that of an item removed before or in this refresh is linked to
it in :class:`libraries.models.RatingKeyChange` (PMS re-added the item).

Atomicity: everything is read from PMS first; then it is written in one transaction. A server
that cannot be reached, or fails while being read, raises
:class:`plex.client.PlexUnavailable` (one readable line) and nothing is written.

Known limit: a change PMS does not show in the item's own ``updatedAt`` (e.g. a show renamed:
its episodes' ``grandparentTitle``) is only picked up when the episode itself changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import transaction
from django.utils import timezone
from plexapi.utils import searchType

from core.timeutils import from_epoch, to_epoch
from history.writer import int_or_none
from libraries.models import Library, LibraryMedia, RatingKeyChange
from libraries.rollups import roll_up_sizes
from plex.client import PLEX_ERRORS, PlexUnavailable, connect, describe_error, forget
from servers.models import Server
from stats.media_stats import queue_items

logger = logging.getLogger(__name__)

# The types read from a section, by section type, parents first.
SECTION_TYPES = {
    "movie": ("movie",),
    "show": ("show", "season", "episode"),
    "artist": ("artist", "album", "track"),
}
CONTAINER_SIZE = 1000  # items per request (plexapi pages the section search)
BATCH_SIZE = 500  # rows per INSERT ... ON CONFLICT / UPDATE
READ_TIMEOUT = 60  # seconds per request: listing a large section takes PMS a while

# The columns an upsert writes (every column but the key and server).
WRITTEN_FIELDS = [
    "section_id",
    "media_type",
    "title",
    "sort_title",
    "year",
    "parent_rating_key",
    "grandparent_rating_key",
    "parent_title",
    "grandparent_title",
    "media_index",
    "parent_media_index",
    "added_at",
    "updated_at",
    "last_seen_at",
    "removed_at",
    "guid",
    "imdb_id",
    "tmdb_id",
    "tvdb_id",
    "file_paths",
    "file_size",
    "thumb",
    "video_resolution",
    "video_codec",
    "video_framerate",
    "audio_codec",
    "audio_channels",
    "container",
    "bitrate",
    "duration",
    "genres",
    "labels",
    "collections",
]
# The tag children of an item's element kept, by column ("|Tag A|Tag B|", see tag_text).
TAG_COLUMNS = {"genres": "Genre", "labels": "Label", "collections": "Collection"}

# <Guid id="imdb://tt0165832"> scheme → field; legacy agents' guid scheme → field.
GUID_SCHEMES = {"imdb": "imdb_id", "tmdb": "tmdb_id", "tvdb": "tvdb_id"}
LEGACY_AGENTS = {
    "com.plexapp.agents.imdb": "imdb_id",
    "com.plexapp.agents.themoviedb": "tmdb_id",
    "com.plexapp.agents.thetvdb": "tvdb_id",
}


@dataclass
class Known:
    """A row of the inventory as the comparison needs it (dates as epoch seconds)."""

    section_id: int
    media_type: str
    updated: int | None
    added: int | None
    removed: bool
    guid: str
    tags: tuple[str, str, str] = ("", "", "")  # genres, labels, collections (tag_text)


@dataclass
class ServerInventory:
    """What :func:`fetch_inventory` read: the sections read, every rating key listed (→ its
    section id), and the rows to write (new, changed or returning items only)."""

    sections: set[int] = field(default_factory=set)
    seen: dict[int, int] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    complete: bool = False  # every section read: rows of sections PMS no longer has are gone


def guid_tags(elem) -> list[str]:
    """The ids of the ``<Guid>`` children of an item's element (``imdb://tt…``)."""
    return [e.get("id") for e in elem.findall("Guid") if e.get("id")]


def external_ids(elem, guid: str) -> dict[str, str]:
    """``{"imdb_id", "tmdb_id", "tvdb_id"}`` of an item's element: from its ``<Guid>`` tags
    (``imdb://tt…``, ``tmdb://…``, ``tvdb://…``, PMS's new agents, first of each kind), else
    from ``guid`` when it is a legacy agent's id of the item itself
    (``com.plexapp.agents.imdb://tt0165832?lang=en``; an episode's ``…thetvdb://268592/1/1`` is
    its show's id and gives nothing); numeric TMDB/TVDB ids without leading zeros. "" when
    unknown."""
    ids = {"imdb_id": "", "tmdb_id": "", "tvdb_id": ""}
    for value in guid_tags(elem):
        scheme, _, ident = value.partition("://")
        key = GUID_SCHEMES.get(scheme)
        if key and ident and not ids[key]:
            ids[key] = ident
    scheme, _, rest = guid.partition("://")
    key = LEGACY_AGENTS.get(scheme)
    ident = rest.split("?", 1)[0]
    if key and ident and "/" not in ident and not ids[key]:
        ids[key] = ident
    # TMDB and TVDB ids are numbers: "0603" and "603" are one movie (Radarr/Sonarr send ints).
    for key in ("tmdb_id", "tvdb_id"):
        if ids[key].isdigit():
            ids[key] = str(int(ids[key]))
    return ids


def tag_text(elem, tag: str) -> str:
    """The ``tag`` attributes of an item element's ``<tag>`` children (``Genre``, ``Label``,
    ``Collection``) as stored: ``"|Action|Comedy|"`` in PMS's order, each once, a ``|`` inside
    a tag made ``/``; ``""`` when there is none. A rule "genre is Comedy" is then
    ``genres LIKE '%|Comedy|%'``."""
    tags = []
    for child in elem.findall(tag):
        value = (child.get("tag") or "").replace("|", "/").strip()
        if value and value not in tags:
            tags.append(value)
    return f"|{'|'.join(tags)}|" if tags else ""


def item_tags(elem) -> tuple[str, str, str]:
    """``(genres, labels, collections)`` of an item's element (:func:`tag_text`)."""
    return tuple(tag_text(elem, tag) for tag in TAG_COLUMNS.values())


def item_row(elem, section_id: int, media_type: str) -> dict:
    """The :class:`~libraries.models.LibraryMedia` values of an item's element of a section
    search (``<Video>``/``<Directory>``/``<Track>`` as plexapi's ``query`` parsed it, read as
    PMS wrote it: the same attributes plexapi's objects are built from), without server and
    ``last_seen_at``/``removed_at`` (see the model for units). Versions are the ``<Media>``
    children, files their ``<Part>`` children, as plexapi reads them."""
    get = elem.attrib.get
    media = elem.findall("Media")
    parts = [part for version in media for part in version.findall("Part")]
    sizes = [size for size in (int_or_none(part.get("size")) for part in parts) if size is not None]
    first = media[0].attrib.get if media else {}.get
    guid = get("guid") or ""
    return {
        "rating_key": int(get("ratingKey")),
        "section_id": section_id,
        "media_type": media_type,
        "title": get("title") or "",
        "sort_title": get("titleSort") or "",
        "year": int_or_none(get("year")),
        "parent_rating_key": int_or_none(get("parentRatingKey")),
        "grandparent_rating_key": int_or_none(get("grandparentRatingKey")),
        "parent_title": get("parentTitle") or "",
        "grandparent_title": get("grandparentTitle") or "",
        "media_index": int_or_none(get("index")),
        "parent_media_index": int_or_none(get("parentIndex")),
        "added_at": from_epoch(get("addedAt")),
        "updated_at": from_epoch(get("updatedAt")),
        "guid": guid,
        **external_ids(elem, guid),
        "file_paths": [part.get("file") for part in parts if part.get("file")],
        "file_size": sum(sizes) if sizes else None,
        "thumb": get("thumb") or "",
        "video_resolution": first("videoResolution") or "",
        "video_codec": first("videoCodec") or "",
        "video_framerate": first("videoFrameRate") or "",
        "audio_codec": first("audioCodec") or "",
        "audio_channels": int_or_none(first("audioChannels")),
        "container": first("container") or "",
        "bitrate": int_or_none(first("bitrate")),
        "duration": int_or_none(get("duration")),
        **{column: tag_text(elem, tag) for column, tag in TAG_COLUMNS.items()},
    }


def section_elements(plex, section_key: int, libtype: str):
    """Every item element of the section search ``/library/sections/<key>/all?type=N
    &includeGuids=1`` (``libtype``'s PMS type number), through plexapi's ``PlexServer.query``
    (its headers, token, errors and XML parsing), :data:`CONTAINER_SIZE` items a request
    (``X-Plex-Container-Start``/``-Size``, as plexapi's ``fetchItems`` pages), until PMS's
    ``totalSize`` is reached, a page is empty, or (an answer without ``totalSize``) a page
    does not hold exactly :data:`CONTAINER_SIZE` items (more: PMS ignored the window). Yields the raw elements: no plexapi object is built (building one costs
    ~0.1-0.4 ms, the bulk of a refresh where nearly nothing changed). Raises plexapi's and
    requests' errors (see ``PLEX_ERRORS``)."""
    query = urlencode({"type": searchType(libtype), "includeGuids": 1})
    path = f"/library/sections/{section_key}/all?{query}"
    start = 0
    while True:
        headers = {
            "X-Plex-Container-Start": str(start),
            "X-Plex-Container-Size": str(CONTAINER_SIZE),
        }
        data = plex.query(path, headers=headers)
        page = [] if data is None else list(data)
        yield from page
        total = None if data is None else int_or_none(data.get("totalSize"))
        start += CONTAINER_SIZE
        if not page or (start >= total if total is not None else len(page) != CONTAINER_SIZE):
            return


def known_items(server: Server) -> dict[int, Known]:
    """``{rating_key: Known}`` of every row of ``server`` (present and removed), one query."""
    return {
        rating_key: Known(
            section_id,
            media_type,
            to_epoch(updated),
            to_epoch(added),
            removed,
            guid,
            (genres, labels, collections),
        )
        for (
            rating_key,
            section_id,
            media_type,
            updated,
            added,
            removed,
            guid,
            genres,
            labels,
            collections,
        ) in (
            LibraryMedia.objects.filter(server=server).values_list(
                "rating_key",
                "section_id",
                "media_type",
                "updated_at",
                "added_at",
                "removed_at",
                "guid",
                "genres",
                "labels",
                "collections",
            )
        ).iterator(chunk_size=5000)
    }


def fetch_inventory(
    server: Server, known: dict[int, Known], section_id: int | None = None
) -> ServerInventory:
    """Read every movie/show/artist section of ``server`` (only ``section_id`` if given) and
    keep, besides the rating keys listed, the rows of the items that differ from ``known``.

    Raises :class:`plex.client.PlexUnavailable` when the server cannot be reached or fails
    while a section is read.
    """
    plex = connect(server, READ_TIMEOUT)
    result = ServerInventory(complete=section_id is None)
    try:
        for section in plex.library.sections():
            types = SECTION_TYPES.get(section.type)
            key = int(section.key)
            if types is None or (section_id is not None and key != section_id):
                continue
            result.sections.add(key)
            for libtype in types:
                for elem in section_elements(plex, key, libtype):
                    rating_key = int_or_none(elem.get("ratingKey"))
                    if rating_key is None or elem.get("type") != libtype:
                        continue  # e.g. the "All episodes" entry of a season list
                    result.seen[rating_key] = key
                    row = known.get(rating_key)
                    if (
                        row is not None
                        and not row.removed
                        and row.section_id == key
                        and row.media_type == libtype
                        and row.updated == int_or_none(elem.get("updatedAt"))
                        and row.added == int_or_none(elem.get("addedAt"))
                        and row.tags == item_tags(elem)
                    ):
                        continue  # unchanged: not rewritten
                    result.rows.append(item_row(elem, key, libtype))
    except PLEX_ERRORS as exc:
        forget(server)  # the next attempt reconnects
        raise PlexUnavailable(describe_error(exc, server.url, READ_TIMEOUT)) from None
    return result


def _relinks(
    server: Server, known: dict[int, Known], new_rows: list[dict], gone: set[int], now
) -> list[RatingKeyChange]:
    """Links from removed items (before or in this refresh) to new rating keys of the same
    guid and type; among several candidates the one of the same section, then the newest key."""
    by_guid: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for rating_key, row in known.items():
        if row.guid and (row.removed or rating_key in gone):
            by_guid.setdefault((row.guid, row.media_type), []).append((rating_key, row.section_id))
    links = []
    for row in new_rows:
        candidates = by_guid.get((row["guid"], row["media_type"])) if row["guid"] else None
        if not candidates:
            continue
        old, _ = max(candidates, key=lambda c: (c[1] == row["section_id"], c[0]))
        links.append(
            RatingKeyChange(
                server=server,
                old_rating_key=old,
                new_rating_key=row["rating_key"],
                media_type=row["media_type"],
                guid=row["guid"],
                changed_at=now,
            )
        )
    return links


def _update_derived(server: Server, rows: list[dict], gone: set[int], links: list) -> None:
    """After a refresh wrote ``rows``, marked ``gone`` removed and made ``links``: roll the
    sizes up again and queue the watch statistics of every item concerned (its own, its
    season's and show's), whose "current copy" figures depend on what is present."""
    keys = {link.new_rating_key for link in links} | {link.old_rating_key for link in links}
    for row in rows:
        keys.update((row["rating_key"], row["parent_rating_key"], row["grandparent_rating_key"]))
    ordered = sorted(gone)
    for start in range(0, len(ordered), BATCH_SIZE):
        for hierarchy in LibraryMedia.objects.filter(
            server=server, rating_key__in=ordered[start : start + BATCH_SIZE]
        ).values_list("rating_key", "parent_rating_key", "grandparent_rating_key"):
            keys.update(hierarchy)
    keys.discard(None)
    roll_up_sizes(server.pk, keys)
    queue_items(server.pk, keys)


def store_inventory(server: Server, known: dict[int, Known], read: ServerInventory) -> dict:
    """Write what :func:`fetch_inventory` read, in one transaction: upsert its rows, mark
    removed the present rows of the sections read (all of the server's when every section
    was read, see ``read.sections``) that PMS no longer lists, link re-added items, and stamp
    the libraries' ``inventory_refreshed_at``. Returns the counts of :func:`refresh_inventory`.
    """
    now = timezone.now()
    new_rows = [row for row in read.rows if row["rating_key"] not in known]
    gone_by_section: dict[int, list[int]] = {}
    for rating_key, row in known.items():
        in_scope = read.complete or row.section_id in read.sections
        if not row.removed and rating_key not in read.seen and in_scope:
            gone_by_section.setdefault(row.section_id, []).append(rating_key)
    gone = {key for keys in gone_by_section.values() for key in keys}
    links = _relinks(server, known, new_rows, gone, now)
    previous = dict(
        Library.objects.filter(server=server, section_id__in=list(gone_by_section)).values_list(
            "section_id", "inventory_refreshed_at"
        )
    )
    with transaction.atomic():
        LibraryMedia.objects.bulk_create(
            [
                LibraryMedia(server=server, last_seen_at=now, removed_at=None, **row)
                for row in read.rows
            ],
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["server", "rating_key"],
            update_fields=WRITTEN_FIELDS,
        )
        for section_id, keys in gone_by_section.items():
            values = {"removed_at": now}
            if previous.get(section_id) is not None:
                values["last_seen_at"] = previous[section_id]
            for start in range(0, len(keys), BATCH_SIZE):
                LibraryMedia.objects.filter(
                    server=server, rating_key__in=keys[start : start + BATCH_SIZE]
                ).update(**values)
        RatingKeyChange.objects.bulk_create(links, ignore_conflicts=True)
        Library.objects.filter(server=server, section_id__in=list(read.sections)).update(
            inventory_refreshed_at=now
        )
        if read.rows or gone or links:
            _update_derived(server, read.rows, gone, links)
    return {
        "sections": len(read.sections),
        "items": len(read.seen),
        "written": len(read.rows),
        "added": len(new_rows),
        "removed": len(gone),
        "relinked": len(links),
    }


def refresh_inventory(server: Server, library: Library | None = None) -> dict:
    """Refresh the inventory of ``server`` (only ``library``'s section when given).

    Returns ``{"sections": sections read, "items": items PMS lists, "written": rows inserted
    or rewritten (new, changed, returning), "added": new rating keys, "removed": items marked
    removed, "relinked": re-added items linked to their old rating key}``.
    Raises :class:`plex.client.PlexUnavailable` (one readable line) when PMS cannot be read;
    then nothing is written.
    """
    known = known_items(server)
    read = fetch_inventory(server, known, None if library is None else library.section_id)
    return store_inventory(server, known, read)


def refresh_all_inventories(server: Server | None = None) -> dict:
    """Refresh the inventory of ``server`` (default: every active server with a URL).

    Returns ``{"servers": servers refreshed, "items", "written", "added", "removed",
    "relinked": summed over them, "errors": [one line per server that could not be read]}``.
    A server that cannot be read keeps its rows untouched; the others are still refreshed.
    """
    if server is None:
        servers = list(Server.objects.filter(is_active=True).exclude(url=""))
    else:
        servers = [server]
    summary = {"servers": 0, "items": 0, "written": 0, "added": 0, "removed": 0, "relinked": 0}
    errors = []
    for each in servers:
        try:
            counts = refresh_inventory(each)
        except PlexUnavailable as exc:
            logger.warning("Inventory refresh of %s failed: %s", each, exc)
            errors.append(f"{each}: {exc}")
            continue
        summary["servers"] += 1
        for key in ("items", "written", "added", "removed", "relinked"):
            summary[key] += counts[key]
    return {**summary, "errors": errors}
