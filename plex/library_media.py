"""The inventory of playable items (:class:`libraries.models.LibraryMedia`), read from each PMS
with plexapi: what library growth (:mod:`stats.library_growth`) counts.

Per library section of a server (``plex.library.sections()``):

* movie sections: ``section.all()`` (``/library/sections/<id>/all?type=1``, paged by plexapi);
* show sections: ``section.searchEpisodes()`` (``type=4``);
* artist sections: ``section.searchTracks()`` (``type=10``);
* other sections (photos…) hold no movie/episode/track and are skipped.

Each item gives ``ratingKey``, ``title``, ``addedAt`` (stored aware, UTC; PMS sends epoch
seconds) and the Σ of ``media[].parts[].size`` (bytes, every version of the item; null when PMS
gives no size at all). This is Tautulli's "library statistics/growth" feature request
(upstream #1403, reference 8 #13), not a Tautulli table.

Every section of a server is read first; then each section is written in one transaction
(bulk upsert on (server, rating_key), and deletion of that section's rows whose item is gone).
Rows of sections the server no longer lists are deleted too. A server that cannot be reached,
or fails while being read, is logged and left exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from libraries.models import LibraryMedia
from plex.client import PLEX_ERRORS, PlexUnavailable, connect, describe_error, forget
from servers.models import Server

logger = logging.getLogger(__name__)

# How plexapi lists the playable items of a section, by section type.
SECTION_ITEMS = {
    "movie": ("movie", lambda section, size: section.all(container_size=size)),
    "show": ("episode", lambda section, size: section.searchEpisodes(container_size=size)),
    "artist": ("track", lambda section, size: section.searchTracks(container_size=size)),
}
CONTAINER_SIZE = 500  # items per request (plexapi pages the section's listing)
BATCH_SIZE = 1000  # rows per INSERT
READ_TIMEOUT = 60  # seconds per request: listing a large section takes PMS a while


def _aware(value) -> dt.datetime | None:
    """plexapi's ``addedAt`` (a naive local ``datetime`` from epoch seconds) as an aware UTC
    datetime; None when absent."""
    if value is None:
        return None
    if value.tzinfo is None:
        # plexapi builds it with datetime.fromtimestamp(epoch): the process's local time
        # (``fold`` set on the repeated hour), which astimezone() reads back exactly.
        value = value.astimezone()
    return value.astimezone(dt.UTC)


def _file_size(item) -> int | None:
    """Σ ``size`` (bytes) of every part of every media (version) of ``item``; None if none."""
    sizes = [
        part.size
        for media in (getattr(item, "media", None) or [])
        for part in (media.parts or [])
        if part.size is not None
    ]
    return sum(sizes) if sizes else None


def fetch_server_media(server: Server) -> dict[int, list[dict]]:
    """``{section_id: [{"rating_key", "media_type", "title", "added_at", "file_size"}]}`` for
    every movie, show and artist section of ``server`` (other sections are absent).

    Raises :class:`plex.client.PlexUnavailable` (one readable line) when the server cannot be
    reached or fails while its sections are read.
    """
    plex = connect(server, READ_TIMEOUT)
    try:
        result = {}
        for section in plex.library.sections():
            kind = SECTION_ITEMS.get(section.type)
            if kind is None:
                continue
            media_type, listing = kind
            items = {}
            for item in listing(section, CONTAINER_SIZE):
                if item.ratingKey is None:
                    continue
                items[int(item.ratingKey)] = {
                    "rating_key": int(item.ratingKey),
                    "media_type": media_type,
                    "title": item.title or "",
                    "added_at": _aware(item.addedAt),
                    "file_size": _file_size(item),
                }
            result[int(section.key)] = list(items.values())
        return result
    except PLEX_ERRORS as exc:
        forget(server)  # the next attempt reconnects
        raise PlexUnavailable(describe_error(exc, server.url, READ_TIMEOUT)) from None


def store_server_media(server: Server, sections: dict[int, list[dict]]) -> dict:
    """Write ``sections`` (from :func:`fetch_server_media`): per section, in one transaction,
    upsert its items and delete its rows whose item is gone; then delete the rows of sections
    the server no longer has. Returns ``{"items": upserted, "deleted": rows deleted}``."""
    upserted = deleted = 0
    for section_id, items in sections.items():
        with transaction.atomic():
            LibraryMedia.objects.bulk_create(
                [LibraryMedia(server=server, section_id=section_id, **item) for item in items],
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=["server", "rating_key"],
                update_fields=["section_id", "media_type", "title", "added_at", "file_size"],
            )
            upserted += len(items)
            keep = {item["rating_key"] for item in items}
            gone = [
                pk
                for pk, rating_key in LibraryMedia.objects.filter(
                    server=server, section_id=section_id
                ).values_list("pk", "rating_key")
                if rating_key not in keep
            ]
            for start in range(0, len(gone), BATCH_SIZE):
                deleted += LibraryMedia.objects.filter(
                    pk__in=gone[start : start + BATCH_SIZE]
                ).delete()[0]
    deleted += (
        LibraryMedia.objects.filter(server=server)
        .exclude(section_id__in=list(sections))
        .delete()[0]
    )
    return {"items": upserted, "deleted": deleted}


def refresh_library_media(server: Server | None = None) -> dict:
    """Refresh the inventory of ``server`` (default: every active server with a URL).

    Returns ``{"servers": servers refreshed, "items": items upserted, "deleted": rows deleted,
    "errors": [one readable line per server that could not be read]}``. A server that cannot
    be read keeps its rows untouched; the others are still refreshed.
    """
    if server is None:
        servers = list(Server.objects.filter(is_active=True).exclude(url=""))
    else:
        servers = [server]
    summary = {"servers": 0, "items": 0, "deleted": 0, "errors": []}
    for each in servers:
        try:
            sections = fetch_server_media(each)
        except PlexUnavailable as exc:
            logger.warning("Library media refresh of %s failed: %s", each, exc)
            summary["errors"].append(f"{each}: {exc}")
            continue
        stored = store_server_media(each, sections)
        summary["servers"] += 1
        summary["items"] += stored["items"]
        summary["deleted"] += stored["deleted"]
    return summary
