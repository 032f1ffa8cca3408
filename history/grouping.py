"""Maintenance of :class:`~history.models.HistoryGroup`: one pre-aggregated row per play.

A play is the set of History rows sharing ``COALESCE(reference_id, id)`` (Tautulli's grouping,
reference 3.6). ``get_history`` with grouping answers from the groups table instead of a
``GROUP BY`` over the whole history on every request (reference 8: Tautulli/Tautulli#1962).

How the groups stay right, whoever writes history:

* Triggers on ``History``, ``HistoryMetadata`` and ``HistoryMediaInfo`` (migration
  ``0002_history_groups``; statement-level on PostgreSQL, row-level on SQLite) put the key of every
  group whose rows were inserted, updated or deleted into :class:`~history.models.HistoryGroupDirty`.
* :func:`sync_groups` recomputes the queued groups (or everything, when many are queued) and
  empties the queue. Readers never call it: the models' manager (``objects``) does, before a
  read, once per read scope (:mod:`core.freshness`); this module, which maintains the tables,
  reads and writes them through ``unsynced``. Writers that want the groups current at once
  (``delete_history``, the importer) call it.
* :func:`rebuild_groups` recomputes all groups, or the given ones, on demand: the importer calls it
  once after a bulk load.

Recomputing is set-based: ``DELETE`` the groups, then one ``INSERT … SELECT … GROUP BY`` over
their rows, and the totals in :class:`~history.models.HistoryGroupState` (whole table) and
:class:`~history.models.HistoryGroupUserTotal` (per user) are adjusted by the difference.
Units: epoch seconds for times, seconds for durations (see the models).
"""

import logging
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, Q, Sum

from core.db import analyze
from core.freshness import sync_lock

from . import search_index
from .models import (
    History,
    HistoryGroup,
    HistoryGroupDirty,
    HistoryGroupState,
    HistoryGroupUserTotal,
    HistoryMediaInfo,
    HistoryMetadata,
)
from .signals import groups_changed

logger = logging.getLogger(__name__)

# Separator of the fields in HistoryGroup.search_text (a search containing it is answered exactly).
SEARCH_SEPARATOR = "\x1f"
# More queued groups than this (or than a tenth of all groups) → rebuild everything instead.
FULL_REBUILD_THRESHOLD = 20_000
# Group keys per INSERT … SELECT when recomputing some groups (keeps IN lists small on SQLite).
CHUNK = 2_000
STATE_ID = 1


def sync_groups() -> None:
    """Bring the groups up to date with history (cheap when nothing changed: one indexed EXISTS).
    Always runs.

    Readers do not call it: reading ``HistoryGroup.objects`` (or its totals') does.
    """
    if not HistoryGroupDirty.objects.exists():
        return
    with sync_lock("history-groups") as go:
        if go:
            _sync_dirty()


def _sync_dirty() -> None:
    with transaction.atomic():
        state = _locked_state()
        dirty = HistoryGroupDirty.objects.count()
        if dirty == 0:  # another process synced while we waited for the lock
            return
        rebuild = dirty > max(FULL_REBUILD_THRESHOLD, state.groups // 10)
        if rebuild:
            _rebuild_all(state)
        else:
            _regroup(state, _take_dirty())
    if rebuild:
        _analyze()


def rebuild_groups(reference_ids: Iterable[int] | None = None) -> None:
    """Recompute the groups of ``reference_ids`` (group keys), or all of them when None.

    For writers that load history in bulk (the Tautulli importer calls ``rebuild_groups()`` once
    at the end; a full rebuild of 1M rows takes under a minute on PostgreSQL). Runs in the
    caller's transaction if there is one.
    """
    with transaction.atomic():
        state = _locked_state()
        if reference_ids is None:
            _rebuild_all(state)
        else:
            keys = sorted({int(key) for key in reference_ids})
            for chunk in _chunks(keys):
                HistoryGroupDirty.objects.filter(reference_id__in=chunk).delete()
            _regroup(state, keys)
    _analyze()


def group_state() -> HistoryGroupState:
    """The totals row, up to date (all zeros on an empty database)."""
    return HistoryGroupState.objects.filter(pk=STATE_ID).first() or HistoryGroupState(pk=STATE_ID)


# --- internals ------------------------------------------------------------------------------------


def _locked_state() -> HistoryGroupState:
    HistoryGroupState.unsynced.get_or_create(pk=STATE_ID)
    return HistoryGroupState.unsynced.select_for_update().get(pk=STATE_ID)


def _take_dirty() -> list[int]:
    """Unqueue every queued group key and return them (one ``DELETE … RETURNING``).

    Taken before the groups are recomputed: a change committed from now on queues its group
    again. On PostgreSQL a writer whose change is not committed yet holds a lock on its queued
    key (the triggers update it), so the DELETE waits for it and the recompute then sees it.
    """
    table = connection.ops.quote_name(HistoryGroupDirty._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} RETURNING reference_id")
        return sorted(row[0] for row in cursor.fetchall())


def _chunks(keys: list[int]):
    for index in range(0, len(keys), CHUNK):
        yield keys[index : index + CHUNK]


def _rebuild_all(state: HistoryGroupState) -> None:
    HistoryGroupDirty.objects.all().delete()
    with search_index.rebuilding(connection):
        HistoryGroup.unsynced.all().delete()
        with _bulk_load():
            _insert_groups(None)
    totals = _totals(HistoryGroup.unsynced.all())
    state.groups, state.rows, state.play_duration = totals
    state.save()
    HistoryGroupUserTotal.unsynced.all().delete()
    HistoryGroupUserTotal.unsynced.bulk_create(
        HistoryGroupUserTotal(user_id=user_id, groups=groups, play_duration=seconds)
        for user_id, (groups, seconds) in _user_totals(HistoryGroup.unsynced.all()).items()
    )
    groups_changed.send(sender=HistoryGroup, spans=[], everything=True, items=set())


@contextmanager
def _bulk_load():
    """PostgreSQL: load the groups table without its secondary indexes, then build them.

    One sorted build per index is several times faster than inserting ~800k entries into each
    of them (the trigram index above all). Runs inside the caller's transaction, so readers keep
    the old table until it commits. Other databases: nothing special.
    """
    if connection.vendor != "postgresql":
        yield
        return
    table = HistoryGroup._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        cursor.execute("SET LOCAL work_mem = '256MB'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)


def _regroup(state: HistoryGroupState, keys: list[int]) -> None:
    for chunk in _chunks(keys):
        existing = HistoryGroup.unsynced.filter(reference_id__in=chunk)
        spans = _spans(existing)
        items = _item_keys(existing)
        old = _totals(existing)
        old_users = _user_totals(existing)
        existing.delete()
        _insert_groups(chunk)
        fresh = HistoryGroup.unsynced.filter(reference_id__in=chunk)
        new = _totals(fresh)
        state.groups += new[0] - old[0]
        state.rows += new[1] - old[1]
        state.play_duration += new[2] - old[2]
        _apply_user_totals(old_users, _user_totals(fresh))
        spans += _spans(fresh)
        items |= _row_item_keys(chunk)
        groups_changed.send(sender=HistoryGroup, spans=spans, everything=False, items=items)
    state.save()


def _spans(queryset) -> list[tuple[int, int]]:
    """(first start, last start or stop, whichever is later) of each play: the epoch seconds
    between which its rows started and stopped."""
    return [
        (started, max(date, stopped or date))
        for started, date, stopped in queryset.values_list("started", "date", "stopped")
    ]


ITEM_KEY_FIELDS = ("server_id", "rating_key", "parent_rating_key", "grandparent_rating_key")


def _item_keys(groups) -> set[tuple]:
    """(server_id, rating_key, parent_rating_key, grandparent_rating_key) of the plays of a
    HistoryGroup queryset (their latest rows' keys), before they are recomputed."""
    return set(groups.values_list(*ITEM_KEY_FIELDS))


def _row_item_keys(keys: list[int]) -> set[tuple]:
    """The distinct (server_id, rating_key, parent, grandparent) of the rows of the plays
    ``keys`` (every row, so a play whose rows differ in item counts under each)."""
    rows = History.objects.filter(
        Q(reference_id__in=keys) | Q(reference_id__isnull=True, id__in=keys)
    )
    return set(rows.values_list(*ITEM_KEY_FIELDS).distinct())


def _user_totals(queryset) -> dict[int, tuple[int, int]]:
    """user_id → (plays, seconds) over the plays of one user in a HistoryGroup queryset."""
    rows = (
        queryset.filter(user_id__isnull=False)
        .exclude(mixed__in=mixed_values(HistoryGroup.MIXED_USER))
        .order_by()
        .values("user_id")
        .annotate(plays=Count("pk"), seconds=Sum("play_duration"))
    )
    return {row["user_id"]: (row["plays"], row["seconds"] or 0) for row in rows}


def _apply_user_totals(old: dict, new: dict) -> None:
    for user_id in old.keys() | new.keys():
        old_plays, old_seconds = old.get(user_id, (0, 0))
        new_plays, new_seconds = new.get(user_id, (0, 0))
        if (old_plays, old_seconds) == (new_plays, new_seconds):
            continue
        HistoryGroupUserTotal.unsynced.get_or_create(user_id=user_id)
        HistoryGroupUserTotal.unsynced.filter(user_id=user_id).update(
            groups=F("groups") + (new_plays - old_plays),
            play_duration=F("play_duration") + (new_seconds - old_seconds),
        )


def mixed_values(mask: int) -> list[int]:
    """The values of HistoryGroup.mixed that have a bit of ``mask``."""
    return [value for value in range(1, HistoryGroup.MIXED_ALL + 1) if value & mask]


def mixed_groups(mask: int):
    """Subquery of the plays whose rows differ in a column of ``mask`` (HistoryGroup.MIXED_*)."""
    return HistoryGroup.objects.filter(mixed_q(mask)).values("reference_id")


def mixed_q(mask: int) -> Q:
    """Filter of HistoryGroup to the plays whose rows differ in a column of ``mask``.

    Written for the partial index hgroup_mixed: one ``mixed > 0 AND mixed BETWEEN a AND b`` per
    run of consecutive values. SQLite uses a partial index only when the term repeats its
    condition (it does not prove ``IN (1, 3…)`` implies ``mixed > 0``), and it reads ``IN`` or
    one wide range as a scan of every mixed play, most of which differ only in the stream
    decision (43k at 1M plays: 5 ms, against 0.1 ms for a seek per run).
    """
    # BETWEEN, not >= and <=: with ``mixed > 0`` beside them SQLite bounds the seek by the
    # looser ``> 0`` and reads every mixed play up to ``high``.
    runs: list[list[int]] = []
    for value in mixed_values(mask):
        if runs and runs[-1][1] == value - 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    q = Q(pk__in=[])
    for low, high in runs:
        q |= Q(mixed__gt=0, mixed__range=(low, high))
    return q


def _totals(queryset) -> tuple[int, int, int]:
    """(groups, rows, seconds) of a HistoryGroup queryset."""
    totals = queryset.aggregate(
        groups=Count("pk"), rows=Sum("group_count"), seconds=Sum("play_duration")
    )
    return totals["groups"] or 0, totals["rows"] or 0, totals["seconds"] or 0


def _analyze() -> None:
    """Refresh the planner's statistics after a rebuild.

    SQLite: ``ANALYZE`` of history and the groups table (~2.5 s at 1M plays). Without
    ``sqlite_stat1`` SQLite guesses, and reads a heavy user's 177k rows through the user index
    rather than the 47 plays that mix users (get_history's user filter and the user's watch
    time: 80 ms instead of 4 ms at 1M plays).

    PostgreSQL: ``ANALYZE`` of the groups table, and the visibility map that its index-only scans
    need (deep pages, counts); ``VACUUM`` of the dirty queue, which a rebuild filled and emptied
    (a million dead rows at 1M plays: every read's "anything queued?" probe would scan them,
    ~4 ms, until autovacuum came). VACUUM cannot run in a transaction: inside one (the
    importer's) it runs once that commits.
    """
    if connection.vendor == "sqlite":
        analyze(History, HistoryGroup)
        return
    if connection.vendor != "postgresql":
        return
    if connection.in_atomic_block:
        analyze(HistoryGroup)
        transaction.on_commit(_vacuum)
    else:
        _vacuum()


def _vacuum() -> None:
    for model in (HistoryGroup, HistoryGroupDirty):
        table = connection.ops.quote_name(model._meta.db_table)
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        except DatabaseError as exc:  # autovacuum will do it later; reading stays correct
            logger.warning("VACUUM of %s failed: %s", table, exc)


def epoch_sql(column: str) -> str:
    """SQL for a stored DateTimeField column as epoch seconds (bigint)."""
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def _mixed(expression: str) -> str:
    """SQL: true when ``expression`` is not the same on every row of the group (NULL counts)."""
    return f"(MIN({expression}) <> MAX({expression}) OR COUNT({expression}) NOT IN (0, COUNT(*)))"


def _insert_groups(keys: list[int] | None) -> None:
    """``INSERT … SELECT`` the groups of ``keys`` (all groups when None) from their rows.

    Aggregates follow Tautulli's get_history columns (reference 1.3): date = MAX(started),
    started = MIN(started), stopped = MAX(stopped), Σ play_duration, Σ paused_counter, COUNT(*),
    MAX(view_offset / metadata.duration × 100) with Tautulli's NULL rules (no offset → 0.1, no
    duration → 1.0, a zero duration gives no value). The other columns come from the latest row
    (highest id): the row whose values SQLite's bare columns give in Tautulli.
    """
    q = connection.ops.quote_name
    history = q(History._meta.db_table)
    metadata = q(HistoryMetadata._meta.db_table)
    media_info = q(HistoryMediaInfo._meta.db_table)
    groups = q(HistoryGroup._meta.db_table)
    live_type = "CASE WHEN m.live THEN 'live' ELSE h.media_type END"
    user_mixed = " OR ".join([_mixed("h.user_id"), _mixed("h.username")])
    item_mixed = " OR ".join(
        _mixed(expression)
        for expression in (
            "h.server_id",
            "h.section_id",
            f"({live_type})",
            "h.rating_key",
            "h.parent_rating_key",
            "h.grandparent_rating_key",
            "m.guid",
        )
    )
    decision_mixed = _mixed("mi.transcode_decision")
    where = ""
    if keys is not None:
        placeholders = ", ".join(["%s"] * len(keys))
        where = (
            f"WHERE h.reference_id IN ({placeholders}) "
            f"OR (h.reference_id IS NULL AND h.id IN ({placeholders}))"
        )
    search_parts = " || %s || ".join(
        f"COALESCE({column}, '')"
        for column in ("lm.full_title", "l.ip_address", "l.platform", "l.product", "l.player")
    )
    sql = f"""
        INSERT INTO {groups} (
            reference_id, latest_id, server_id, user_id, username, section_id, media_type,
            rating_key, parent_rating_key, grandparent_rating_key, guid, transcode_decision,
            mixed, date, started, stopped, play_duration, paused_counter, group_count,
            percent_complete, search_text
        )
        SELECT
            g.group_key, g.latest_id, l.server_id, l.user_id, l.username, l.section_id,
            CASE WHEN lm.live THEN 'live' ELSE l.media_type END,
            l.rating_key, l.parent_rating_key, l.grandparent_rating_key, lm.guid,
            li.transcode_decision, g.mixed, g.date, g.started, g.stopped, g.play_duration,
            g.paused_counter, g.group_count, g.percent_complete, {search_parts}
        FROM (
            SELECT
                COALESCE(h.reference_id, h.id) AS group_key,
                MAX(h.id) AS latest_id,
                COALESCE({epoch_sql("MAX(h.started)")}, 0) AS date,
                COALESCE({epoch_sql("MIN(h.started)")}, 0) AS started,
                {epoch_sql("MAX(h.stopped)")} AS stopped,
                SUM(h.play_duration) AS play_duration,
                SUM(h.paused_counter) AS paused_counter,
                COUNT(*) AS group_count,
                MAX(
                    (CASE WHEN h.view_offset IS NULL THEN 0.1
                          ELSE CAST(h.view_offset AS DOUBLE PRECISION) END)
                    / (CASE WHEN m.duration IS NULL THEN 1.0
                            ELSE CAST(NULLIF(m.duration, 0) AS DOUBLE PRECISION) END)
                    * 100.0
                ) AS percent_complete,
                (CASE WHEN {user_mixed} THEN {HistoryGroup.MIXED_USER} ELSE 0 END)
                + (CASE WHEN {item_mixed} THEN {HistoryGroup.MIXED_ITEM} ELSE 0 END)
                + (CASE WHEN {decision_mixed} THEN {HistoryGroup.MIXED_DECISION} ELSE 0 END)
                    AS mixed
            FROM {history} h
            LEFT JOIN {metadata} m ON m.id = h.id
            LEFT JOIN {media_info} mi ON mi.id = h.id
            {where}
            GROUP BY COALESCE(h.reference_id, h.id)
        ) g
        JOIN {history} l ON l.id = g.latest_id
        LEFT JOIN {metadata} lm ON lm.id = l.id
        LEFT JOIN {media_info} li ON li.id = l.id
    """
    params = [SEARCH_SEPARATOR] * 4
    if keys is not None:
        params += list(keys) + list(keys)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
