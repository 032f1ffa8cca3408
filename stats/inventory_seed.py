"""Inventory rows for items that history knows and the inventory does not (issue 13).

A Tautulli database imported or synced before its Plex server is connected, or a play of an
item added since the last inventory refresh, leaves plays whose item has no
:class:`~libraries.models.LibraryMedia` row: the media info table and the housekeeping pages
would not show them. :func:`seed_from_history` adds those rows from the latest play's metadata
(titles, hierarchy, indexes, year, guid, thumb, added date, first version's media info), and
their seasons/albums and shows/artists from the same rows' parent and grandparent columns.

A seeded row has ``last_seen_at`` null (PMS never listed it). It is present, unless its
library's inventory was refreshed after its last play (the refresh did not list it: it is gone,
``removed_at`` = that refresh). The next refresh corrects either way: it rewrites an item PMS
lists and marks removed one it does not.
"""

from django.db.models import Max, Q

from history.models import History, HistoryMediaInfo, HistoryMetadata
from libraries.models import Library, LibraryMedia
from libraries.rollups import roll_up_sizes

CHUNK = 500
LEAF_TYPES = ("movie", "episode", "track")
PARENT_TYPE = {"episode": "season", "track": "album"}
GRANDPARENT_TYPE = {"episode": "show", "track": "artist"}
MEDIA_FIELDS = (
    "container",
    "bitrate",
    "video_codec",
    "video_resolution",
    "video_framerate",
    "audio_codec",
    "audio_channels",
)
_INTS = ("bitrate", "audio_channels")  # of MEDIA_FIELDS: null when unknown, not ""


def seed_from_history(server_id: int | None = None, rating_keys=None) -> int:
    """Add the inventory rows history knows and the inventory lacks, for server ``server_id``
    and the items, seasons and shows ``rating_keys`` (every key of history when None; then
    every server). Returns how many rows were added. Runs in the caller's transaction."""
    keys = None if rating_keys is None else sorted({k for k in rating_keys if k is not None})
    if keys is not None and server_id is not None:
        keys = _unknown(server_id, keys)
    if keys == []:
        return 0
    plays = History.objects.filter(media_type__in=LEAF_TYPES, rating_key__isnull=False)
    if server_id is not None:
        plays = plays.filter(server_id=server_id)
    chunks = [None] if keys is None else [keys[i : i + CHUNK] for i in range(0, len(keys), CHUNK)]
    added = 0
    for chunk in chunks:
        scope = plays
        if chunk is not None:
            scope = plays.filter(
                Q(rating_key__in=chunk)
                | Q(parent_rating_key__in=chunk)
                | Q(grandparent_rating_key__in=chunk)
            )
        added += _seed(scope)
    return added


def _seed(plays) -> int:
    latest = list(
        plays.order_by()
        .values("server_id", "rating_key")
        .annotate(last_id=Max("id"), last_started=Max("started"))
    )
    if not latest:
        return 0
    rows: dict[tuple[int, int], LibraryMedia] = {}
    started = {(r["server_id"], r["rating_key"]): r["last_started"] for r in latest}
    ids = [r["last_id"] for r in latest]
    refreshed = {
        (lib.server_id, lib.section_id): lib.inventory_refreshed_at
        for lib in Library.objects.filter(inventory_refreshed_at__isnull=False)
    }
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        info = {
            row["history_id"]: row
            for row in HistoryMediaInfo.objects.filter(history_id__in=part).values(
                "history_id", *MEDIA_FIELDS
            )
        }
        for play in (
            HistoryMetadata.objects.filter(history_id__in=part, live=False)
            .select_related("history")
            .order_by("history_id")
        ):
            _add_hierarchy(rows, play, info.get(play.history_id, {}), started, refreshed)
    for row in list(rows.values()):
        if row.media_type in LEAF_TYPES and row.removed_at is None:
            for parent in (row.parent_rating_key, row.grandparent_rating_key):
                if (row.server_id, parent) in rows:
                    rows[(row.server_id, parent)].removed_at = None
    missing = _missing(rows)
    LibraryMedia.objects.bulk_create(missing, batch_size=CHUNK, ignore_conflicts=True)
    by_server: dict[int, set[int]] = {}
    for row in missing:
        by_server.setdefault(row.server_id, set()).update(
            (row.rating_key, row.parent_rating_key, row.grandparent_rating_key)
        )
    for server_id, keys in by_server.items():
        roll_up_sizes(server_id, keys)
    return len(missing)


def _add_hierarchy(rows, play: HistoryMetadata, media: dict, started, refreshed) -> None:
    history = play.history
    server_id, section_id = history.server_id, history.section_id
    if section_id is None or play.rating_key is None:
        return
    last = started.get((server_id, play.rating_key))
    refresh = refreshed.get((server_id, section_id))
    removed_at = refresh if refresh is not None and last is not None and last < refresh else None
    common = {"server_id": server_id, "section_id": section_id, "removed_at": removed_at}
    rows[(server_id, play.rating_key)] = LibraryMedia(
        **common,
        rating_key=play.rating_key,
        # The play's own type when its metadata row lacks one (an imported row may).
        media_type=play.media_type or history.media_type,
        title=play.title or "",
        year=play.year,
        parent_rating_key=play.parent_rating_key,
        grandparent_rating_key=play.grandparent_rating_key,
        parent_title=play.parent_title or "",
        grandparent_title=play.grandparent_title or "",
        media_index=play.media_index,
        parent_media_index=play.parent_media_index,
        added_at=play.added_at,
        updated_at=play.updated_at,
        guid=play.guid or "",
        thumb=play.thumb or "",
        duration=play.duration,
        **{name: media.get(name) or "" for name in MEDIA_FIELDS if name not in _INTS},
        **{name: media.get(name) for name in _INTS},
    )
    parent_key = (server_id, play.parent_rating_key)
    if (
        play.media_type in PARENT_TYPE
        and play.parent_rating_key is not None
        and parent_key not in rows
    ):
        rows[parent_key] = LibraryMedia(
            **common,
            rating_key=play.parent_rating_key,
            media_type=PARENT_TYPE[play.media_type],
            title=play.parent_title or "",
            parent_rating_key=play.grandparent_rating_key,
            parent_title=play.grandparent_title or "",
            media_index=play.parent_media_index,
            thumb=play.parent_thumb or "",
        )
    show_key = (server_id, play.grandparent_rating_key)
    if (
        play.media_type in GRANDPARENT_TYPE
        and play.grandparent_rating_key is not None
        and show_key not in rows
    ):
        rows[show_key] = LibraryMedia(
            **common,
            rating_key=play.grandparent_rating_key,
            media_type=GRANDPARENT_TYPE[play.media_type],
            title=play.grandparent_title or "",
            thumb=play.grandparent_thumb or "",
        )


def _unknown(server_id: int, keys: list[int]) -> list[int]:
    """The keys of ``keys`` that server ``server_id``'s inventory has no row for."""
    known = set()
    for start in range(0, len(keys), CHUNK):
        known.update(
            LibraryMedia.objects.filter(
                server_id=server_id, rating_key__in=keys[start : start + CHUNK]
            ).values_list("rating_key", flat=True)
        )
    return [key for key in keys if key not in known]


def _missing(rows: dict[tuple[int, int], LibraryMedia]) -> list[LibraryMedia]:
    """The rows of ``rows`` whose (server, rating key) the inventory does not have."""
    wanted: dict[int, list[int]] = {}
    for server_id, key in rows:
        wanted.setdefault(server_id, []).append(key)
    return [
        rows[(server_id, key)]
        for server_id, keys in wanted.items()
        for key in _unknown(server_id, keys)
    ]
