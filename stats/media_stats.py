"""Maintenance of :class:`~stats.models.MediaWatchStats`: every library item's watch statistics,
per movie/episode/track and rolled up per season/album and show/artist (issue 13).

How they stay right:

* plays that change reach :data:`history.signals.groups_changed` (history's triggers → play
  groups); :func:`_on_groups_changed` queues the rating, parent and grandparent keys of their
  rows in :class:`~stats.models.MediaStatsDirty`; a full regrouping (an import) rebuilds all;
* the inventory refresh queues the keys of the items it added, changed, removed or linked to
  an old key (:func:`queue_items`): the ``*_current`` figures and ``watched_items`` depend on
  which copy is present;
* items history knows and the inventory lacks get an inventory row from their latest play
  (:mod:`stats.inventory_seed`), so an imported history shows its items before PMS is read;
* :func:`sync_media_stats` recomputes the queued keys set-based, one ``INSERT … SELECT …
  GROUP BY`` per level over History (their indexes on ``rating_key``, ``parent_rating_key``,
  ``grandparent_rating_key``). Readers never call it: the model's manager does.

The figures follow Tautulli's media info table (``COUNT(DISTINCT reference_id)`` and
``MAX(started)`` over ``session_history`` grouped by the item's key column), over every
server's rows of the item's server. Times are epoch seconds (UTC), durations seconds.
"""

import logging

from django.db import connection, transaction
from django.dispatch import receiver

from core.db import analyze
from core.freshness import sync_lock
from history.grouping import epoch_sql, sync_groups
from history.models import History
from history.signals import groups_changed
from libraries.models import PLAYABLE_TYPES, LibraryMedia, RatingKeyChange

from .inventory_seed import seed_from_history
from .models import MediaKeyAlias, MediaStatsDirty, MediaUserWatch, MediaWatchStats

logger = logging.getLogger(__name__)

# History's key column of each level.
LEVEL_COLUMNS = {
    MediaWatchStats.ITEM: "rating_key",
    MediaWatchStats.PARENT: "parent_rating_key",
    MediaWatchStats.GRANDPARENT: "grandparent_rating_key",
}
# A key already stored at a higher level keeps that row (ON CONFLICT DO NOTHING), so: top down.
LEVELS_TOP_DOWN = (MediaWatchStats.GRANDPARENT, MediaWatchStats.PARENT, MediaWatchStats.ITEM)
# More queued keys than this → recompute everything (one pass is cheaper than many IN lists).
FULL_REBUILD_KEYS = 20_000
# Keys per INSERT … SELECT (IN lists stay small on SQLite).
CHUNK = 500
ANALYZE_AFTER_SEEDING = 1000  # inventory rows added from history before the planner is told
MAX_CHAIN = 20  # rating-key changes followed from one key (a loop stops here)

STAT_COLUMNS = (
    "plays",
    "users",
    "watch_time",
    "first_watched",
    "last_watched",
    "watched_items",
    "plays_current",
    "users_current",
    "watch_time_current",
    "first_watched_current",
    "last_watched_current",
    "watched_items_current",
)


# --- public API -------------------------------------------------------------------------------


def sync_media_stats() -> None:
    """Bring the statistics up to date: regroup plays (which queues their keys), then recompute
    the queued keys (everything when more than :data:`FULL_REBUILD_KEYS` are queued). Cheap when
    nothing is queued (one indexed EXISTS each). Runs in the caller's transaction if any."""
    sync_groups()
    if not MediaStatsDirty.objects.exists():
        return
    with sync_lock("media-stats") as go:
        if not go:
            return
        with transaction.atomic():
            dirty = _take_dirty()
            if len(dirty) > FULL_REBUILD_KEYS:
                _rebuild_all()
            elif dirty:
                _recompute(dirty)


def rebuild_media_stats() -> None:
    """Recompute every item's statistics from History (after an import; ``manage.py
    rebuild_stats``). Runs in the caller's transaction if there is one."""
    sync_groups()
    with transaction.atomic():
        MediaStatsDirty.objects.all().delete()
        _rebuild_all()


def queue_items(server_id: int, rating_keys) -> None:
    """Queue ``rating_keys`` (ints; None ignored) of server ``server_id`` for recomputing: the
    inventory calls it with the items it wrote (and their parents and grandparents) and the
    new keys of the items it linked to old ones."""
    keys = {int(key) for key in rating_keys if key is not None}
    MediaStatsDirty.objects.bulk_create(
        [MediaStatsDirty(server_id=server_id, rating_key=key) for key in sorted(keys)],
        ignore_conflicts=True,
        batch_size=CHUNK,
    )


@receiver(groups_changed)
def _on_groups_changed(sender, spans, everything, items=(), **kwargs):
    if everything:
        rebuild_media_stats()
        return
    by_server: dict[int, set[int]] = {}
    for server_id, *keys in items:
        if server_id is not None:
            by_server.setdefault(server_id, set()).update(keys)
    for server_id, keys in by_server.items():
        queue_items(server_id, keys)


# --- internals ----------------------------------------------------------------------------------


def _take_dirty() -> list[tuple[int, int]]:
    """Unqueue every queued (server_id, rating_key) and return them (one DELETE … RETURNING)."""
    table = connection.ops.quote_name(MediaStatsDirty._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} RETURNING server_id, rating_key")
        return sorted(cursor.fetchall())


def _resolved_aliases() -> dict[tuple[int, int], int]:
    """(server_id, old key) → the current key, following RatingKeyChange's chains (the latest
    change of a key wins)."""
    latest: dict[tuple[int, int], int] = {}
    for server_id, old, new in RatingKeyChange.objects.order_by("changed_at", "pk").values_list(
        "server_id", "old_rating_key", "new_rating_key"
    ):
        latest[(server_id, old)] = new
    resolved = {}
    for (server_id, old), new in latest.items():
        for _ in range(MAX_CHAIN):
            following = latest.get((server_id, new))
            if following is None or following == old:
                break
            new = following
        if new != old:
            resolved[(server_id, old)] = new
    return resolved


def _store_aliases() -> dict[tuple[int, int], int]:
    aliases = _resolved_aliases()
    MediaKeyAlias.objects.all().delete()
    MediaKeyAlias.objects.bulk_create(
        [
            MediaKeyAlias(server_id=server_id, source_key=old, target_key=new)
            for (server_id, old), new in aliases.items()
        ],
        batch_size=1000,
    )
    return aliases


def _rebuild_all() -> None:
    seed_from_history()
    _store_aliases()
    _analyze(LibraryMedia, MediaKeyAlias)
    MediaWatchStats.unsynced.all().delete()
    MediaUserWatch.unsynced.all().delete()
    for level in LEVELS_TOP_DOWN:
        _insert(level)
        _insert_per_user(level)
    _analyze(MediaWatchStats, MediaUserWatch)


def _analyze(*models) -> None:
    """PostgreSQL: refresh the planner's statistics of ``models``' tables after a bulk change.
    Planned with an inventory it believes empty (a first import seeds thousands of rows), the
    statements above join every play to every present item."""
    if connection.vendor == "postgresql":
        analyze(*models)


def _recompute(dirty: list[tuple[int, int]]) -> None:
    """Recompute the rows of the current keys of ``dirty`` (server_id, rating_key) pairs, from
    every History row logged under them or under an old key that now leads to them."""
    by_server: dict[int, list[int]] = {}
    for server_id, key in dirty:
        by_server.setdefault(server_id, []).append(key)
    seeded = sum(seed_from_history(server_id, keys) for server_id, keys in by_server.items())
    if seeded > ANALYZE_AFTER_SEEDING:
        _analyze(LibraryMedia)
    aliases = _store_aliases()
    targets: dict[int, set[int]] = {}
    for server_id, key in dirty:
        targets.setdefault(server_id, set()).add(aliases.get((server_id, key), key))
    sources: dict[int, dict[int, set[int]]] = {}
    for (server_id, old), new in aliases.items():
        sources.setdefault(server_id, {}).setdefault(new, set()).add(old)
    for server_id, keys in targets.items():
        ordered = sorted(keys)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            history_keys = set(chunk)
            for key in chunk:
                history_keys |= sources.get(server_id, {}).get(key, set())
            # The old keys' rows too: their rows count for the current key now.
            for model in (MediaWatchStats, MediaUserWatch):
                model.unsynced.filter(server_id=server_id, rating_key__in=history_keys).delete()
            for level in LEVELS_TOP_DOWN:
                _insert(level, server_id, sorted(history_keys))
                _insert_per_user(level, server_id, sorted(history_keys))


def _history_rows(level: str, server_id, history_keys, joins: str = ""):
    """The FROM … WHERE of the History rows of ``level``'s key column (of server ``server_id``
    logged under ``history_keys``; every row when None), each with ``target``: the current key
    its row counts for (its own, or the one an old key leads to); ``joins``: more LEFT JOINs.
    → (sql, params, target)."""
    q = connection.ops.quote_name
    column = LEVEL_COLUMNS[level]
    target = f"COALESCE(a.target_key, h.{column})"
    where = [f"h.{column} IS NOT NULL"]
    params: list = []
    if server_id is not None:
        where.append(
            f"h.server_id = %s AND h.{column} IN ({', '.join(['%s'] * len(history_keys))})"
        )
        params += [server_id, *history_keys]
    sql = f"""
        FROM {q(History._meta.db_table)} h
        LEFT JOIN {q(MediaKeyAlias._meta.db_table)} a
            ON a.server_id = h.server_id AND a.source_key = h.{column}
        {joins}
        WHERE {" AND ".join(where)}"""
    return sql, params, target


def _insert(level: str, server_id: int | None = None, history_keys: list[int] | None = None):
    """INSERT … SELECT the :class:`MediaWatchStats` rows of ``level`` from History, for the rows
    of server ``server_id`` logged under ``history_keys`` (every row when None). A key already
    present (data that puts one key at two levels) keeps the row of the higher level."""
    q = connection.ops.quote_name
    media = q(LibraryMedia._meta.db_table)
    stats = q(MediaWatchStats._meta.db_table)
    playable = ", ".join(f"'{name}'" for name in PLAYABLE_TYPES)
    present = "lm.id IS NOT NULL"
    # Both columns are stored datetimes (text of one format on SQLite): compared as they are,
    # and only the aggregates are turned into epoch seconds (once per item, not per row).
    current = f"({present} AND (lm.added_at IS NULL OR h.started >= lm.added_at))"
    play = "COALESCE(h.reference_id, h.id)"
    joins = f"""LEFT JOIN {media} lm ON lm.server_id = h.server_id AND lm.rating_key = h.rating_key
            AND lm.removed_at IS NULL AND lm.media_type IN ({playable})"""
    rows, params, target = _history_rows(level, server_id, history_keys, joins)
    sql = f"""
        INSERT INTO {stats} (server_id, rating_key, level, {", ".join(STAT_COLUMNS)})
        SELECT h.server_id, {target}, '{level}',
            COUNT(DISTINCT {play}), COUNT(DISTINCT h.user_id), COALESCE(SUM(h.play_duration), 0),
            {epoch_sql("MIN(h.started)")}, {epoch_sql("MAX(h.started)")},
            COUNT(DISTINCT CASE WHEN {present} THEN h.rating_key END),
            COUNT(DISTINCT CASE WHEN {current} THEN {play} END),
            COUNT(DISTINCT CASE WHEN {current} THEN h.user_id END),
            COALESCE(SUM(CASE WHEN {current} THEN h.play_duration ELSE 0 END), 0),
            {epoch_sql(f"MIN(CASE WHEN {current} THEN h.started END)")},
            {epoch_sql(f"MAX(CASE WHEN {current} THEN h.started END)")},
            COUNT(DISTINCT CASE WHEN {current} THEN h.rating_key END)
        {rows}
        GROUP BY h.server_id, {target}
        ON CONFLICT (server_id, rating_key) DO NOTHING
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _insert_per_user(
    level: str, server_id: int | None = None, history_keys: list[int] | None = None
):
    """INSERT … SELECT the :class:`MediaUserWatch` rows of ``level`` (one per item and user),
    over the same rows as :func:`_insert`."""
    rows, params, target = _history_rows(level, server_id, history_keys)
    table = connection.ops.quote_name(MediaUserWatch._meta.db_table)
    sql = f"""
        INSERT INTO {table} (server_id, rating_key, user_id, level, plays, last_watched)
        SELECT h.server_id, {target}, h.user_id, '{level}',
            COUNT(DISTINCT COALESCE(h.reference_id, h.id)), {epoch_sql("MAX(h.started)")}
        {rows} AND h.user_id IS NOT NULL
        GROUP BY h.server_id, {target}, h.user_id
        ON CONFLICT (server_id, rating_key, user_id) DO NOTHING
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
