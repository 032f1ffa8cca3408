"""Maintenance of the daily rollups (:mod:`stats.models`) from History.

How they stay right, whoever writes history:

* every change of History (ORM, importer, raw SQL) queues its play in ``HistoryGroupDirty``
  (triggers, see :mod:`history.grouping`); recomputing those plays sends
  :data:`history.signals.groups_changed` with the time spans of the plays before and after the
  change, and :func:`_on_groups_changed` queues the local dates they cover in
  :class:`~stats.models.RollupDirtyDay`;
* :func:`sync_rollup` syncs the groups, then recomputes the queued dates (``DELETE`` their rows,
  ``INSERT … SELECT`` from History). Readers never call it: the rollup models' manager does,
  before a read, once per read scope (``objects``, see :mod:`core.freshness`); this module
  reads and writes them through ``unsynced``. Writers call it (the every-minute task);
* a full rebuild of the groups (an import) rebuilds the rollups at once, and so does a change of
  ``settings.TIME_ZONE`` (the dates would be wrong); ``manage.py rebuild_stats`` does it on demand.

Recomputing is set-based and runs per local month (one statement per table and month), so the
``month_plays`` rule needs no per-row date arithmetic: see :func:`_insert_month`.
"""

import datetime as dt
import logging
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, ExtractHour, TruncDate
from django.dispatch import receiver
from django.utils import timezone

from core import clock
from core.db import analyze
from core.freshness import ensure_fresh, sync_lock
from core.timeutils import from_epoch, local_day_end, local_day_start
from history.grouping import epoch_sql, sync_groups
from history.models import (
    History,
    HistoryGroup,
    HistoryGroupDirty,
    HistoryMediaInfo,
    HistoryMetadata,
)
from history.signals import groups_changed

from . import concurrency, item_users, monthly, watch_time
from .models import (
    DailyConcurrency,
    DailyItems,
    DailyPlays,
    DailyStreams,
    DailyWatchTime,
    HourlyPlays,
    ItemUserLast,
    RollupBase,
    RollupDirtyDay,
    RollupState,
)
from .window import add_months

logger = logging.getLogger(__name__)

# The temporary table a month's day-plays are computed into.
DAY_PLAYS = "stats_day_plays"
ROLLUP_MODELS = (DailyPlays, HourlyPlays, DailyStreams, DailyItems)
STATE_ID = 1
# More queued dates than this → rebuild everything (one pass is cheaper than many).
FULL_REBUILD_DAYS = 400

# The resolution a stream was delivered at (Tautulli's get_plays_by_stream_resolution rule):
# PMS's stream resolution when recorded, else, for a video transcode, the transcode height's
# class, else the source resolution.
STREAM_RESOLUTION_SQL = """
    COALESCE(NULLIF(mi.stream_video_full_resolution, ''),
        CASE WHEN mi.video_decision = 'transcode' THEN
            CASE WHEN mi.transcode_height IS NULL THEN ''
                 WHEN mi.transcode_height <= 360 THEN 'SD'
                 WHEN mi.transcode_height <= 480 THEN '480'
                 WHEN mi.transcode_height <= 576 THEN '576'
                 WHEN mi.transcode_height <= 720 THEN '720'
                 WHEN mi.transcode_height <= 1080 THEN '1080'
                 WHEN mi.transcode_height <= 1440 THEN 'QHD'
                 WHEN mi.transcode_height <= 2160 THEN '4k'
                 ELSE 'unknown' END
        ELSE COALESCE(mi.video_full_resolution, '') END)
"""


# --- public API -------------------------------------------------------------------------------


def sync_rollup() -> None:
    """Bring the rollups up to date with history. Cheap when nothing changed (one statement:
    :func:`_queues`). Always runs.

    Readers do not call it: reading ``objects`` of a rollup model does (:mod:`core.freshness`).
    Runs in the caller's transaction if there is one.
    """
    groups_queued, days_queued, time_zone, _generation = _queues()
    current = time_zone == timezone.get_current_timezone_name()
    if current and not groups_queued and not days_queued:
        return
    if groups_queued:
        sync_groups()  # may queue days
        days_queued = RollupDirtyDay.objects.exists()
    if current and not days_queued:
        return
    with sync_lock("stats-rollup") as go:
        if not go:
            return
        if not current:
            rebuild_rollup()
            return
        _sync_dirty_days()


def _queues() -> tuple[bool, bool, str | None, int]:
    """(plays queued for regrouping, dates queued, the time zone the rollups were built in or
    None, their generation): what every read checks first, in one statement."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {q(HistoryGroupDirty._meta.db_table)}), "
            f"EXISTS (SELECT 1 FROM {q(RollupDirtyDay._meta.db_table)}), "
            f"(SELECT time_zone FROM {q(RollupState._meta.db_table)} WHERE id = %s), "
            f"(SELECT generation FROM {q(RollupState._meta.db_table)} WHERE id = %s)",
            [STATE_ID, STATE_ID],
        )
        groups_queued, days_queued, time_zone, generation = cursor.fetchone()
    return bool(groups_queued), bool(days_queued), time_zone, generation or 0


def fresh_generation() -> int:
    """:func:`rollup_generation` of rollups brought up to date first, as a reader (through
    :func:`core.freshness.ensure_fresh`): one statement when nothing is queued."""
    groups_queued, days_queued, time_zone, generation = _queues()
    if groups_queued or days_queued or time_zone != timezone.get_current_timezone_name():
        ensure_fresh("stats.rollup.sync_rollup", covers=("history.grouping.sync_groups",))
        generation = rollup_generation()
    return generation


def _sync_dirty_days() -> None:
    with transaction.atomic():
        RollupState.objects.select_for_update().get(pk=STATE_ID)
        days = _take_dirty_days()
        if len(days) > FULL_REBUILD_DAYS:
            _rebuild_all()
        elif days:
            _recompute_days(days)
        bump_generation()


def rollup_is_current() -> bool:
    """True when the rollups were built, in the current time zone (queued days aside)."""
    state = RollupState.objects.filter(pk=STATE_ID).first()
    return state is not None and state.time_zone == timezone.get_current_timezone_name()


def rebuild_rollup() -> None:
    """Recompute every rollup from History (``manage.py rebuild_stats``; after an import).

    Runs in the caller's transaction if there is one. Readers see the old rollup until it
    commits.
    """
    sync_groups()
    with transaction.atomic():
        RollupState.objects.get_or_create(pk=STATE_ID)
        RollupState.objects.select_for_update().get(pk=STATE_ID)
        RollupDirtyDay.objects.all().delete()
        _rebuild_all()
    _analyze()


def rollup_generation() -> int:
    """The rollups' generation: it changes whenever their content may have (a sync that
    recomputed days, a rebuild, an edit of a user or a library shown by the cards). Statistics
    computed from the rollups stay valid while it is the same (:mod:`stats.home_cache`)."""
    table = connection.ops.quote_name(RollupState._meta.db_table)
    with connection.cursor() as cursor:  # no ORM: every cached answer reads it
        cursor.execute(f"SELECT generation FROM {table} WHERE id = %s", [STATE_ID])
        row = cursor.fetchone()
    return row[0] if row else 0


def bump_generation() -> None:
    """Invalidate what was computed from the rollups (see :func:`rollup_generation`)."""
    RollupState.objects.filter(pk=STATE_ID).update(generation=F("generation") + 1)


def dirty_dates(spans) -> set[dt.date]:
    """The local dates covered by ``spans`` of epoch seconds (first start, last start or stop)."""
    dates: set[dt.date] = set()
    for first, last in spans:
        if first is None:
            continue
        day = timezone.localtime(from_epoch(first)).date()
        last_day = timezone.localtime(from_epoch(last if last is not None else first)).date()
        while day <= last_day:
            dates.add(day)
            day += dt.timedelta(days=1)
    return dates


@receiver(groups_changed)
def _on_groups_changed(sender, spans, everything, **kwargs):
    if everything:
        rebuild_rollup()
        return
    dates = dirty_dates(spans)
    if dates:
        RollupDirtyDay.objects.bulk_create(
            [RollupDirtyDay(date=day) for day in sorted(dates)], ignore_conflicts=True
        )


# --- internals ----------------------------------------------------------------------------------


def _take_dirty_days() -> list[dt.date]:
    table = connection.ops.quote_name(RollupDirtyDay._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} RETURNING date")
        values = [row[0] for row in cursor.fetchall()]
    return sorted(dt.date.fromisoformat(v) if isinstance(v, str) else v for v in values)


# PostgreSQL settings while the rollup is computed: a month's day-plays are sorted in memory and
# reach their latest rows by primary key (a hash of the whole history per month would grow with
# it); JIT and parallel workers cost more to start than these statements take.
_PG_SETTINGS = {
    "work_mem": "'64MB'",
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
    "enable_hashjoin": "off",
    "enable_mergejoin": "off",
}


@contextmanager
def _tuned():
    """:data:`_PG_SETTINGS` for the block (PostgreSQL), then the settings it found: the caller
    may be a reader's transaction with settings of its own (``SET LOCAL work_mem``)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("current_setting(%s)" for _name in _PG_SETTINGS),
            list(_PG_SETTINGS),
        )
        previous = dict(zip(_PG_SETTINGS, cursor.fetchone(), strict=True))
        for name, value in _PG_SETTINGS.items():
            cursor.execute(f"SET LOCAL {name} = {value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def _rebuild_all() -> None:
    for model in ROLLUP_MODELS:
        model.unsynced.all().delete()
    bounds = History.objects.aggregate(first=Min("started"), last=Max("started"))
    if bounds["first"] is not None:
        month = timezone.localtime(bounds["first"]).date().replace(day=1)
        last = timezone.localtime(bounds["last"]).date()
        while month <= last:
            next_month = add_months(month, 1)
            _insert_month(month, [(local_day_start(month), local_day_start(next_month))])
            month = next_month
    item_users.rebuild()
    concurrency.rebuild()
    watch_time.rebuild()
    monthly.rebuild()
    RollupState.objects.filter(pk=STATE_ID).update(
        time_zone=timezone.get_current_timezone_name(),
        built_at=clock.now(),
        generation=F("generation") + 1,
    )


def _recompute_days(days: list[dt.date]) -> None:
    """Replace the rollup rows of ``days`` (local dates) with fresh ones."""
    titles = item_users.titles_on(days)  # the titles those days held, and will hold
    for model in ROLLUP_MODELS:
        model.unsynced.filter(period=RollupBase.DAY, date__in=days).delete()
    by_month: dict[dt.date, list[dt.date]] = {}
    for day in days:
        by_month.setdefault(day.replace(day=1), []).append(day)
    for month, month_days in sorted(by_month.items()):
        _insert_month(month, [(local_day_start(d), local_day_end(d)) for d in month_days])
    item_users.recompute(titles | item_users.titles_on(days))
    concurrency.recompute_days(days)
    watch_time.recompute_days(days)
    monthly.recompute_days(days)


def _day_plays(ranges: list[tuple[dt.datetime, dt.datetime]], month_start: dt.datetime):
    """SQL and params of the day-plays started in ``ranges`` (aware datetimes, one month), with
    the dimensions of their latest row.

    Columns: ``day`` (local date), ``hour`` (local hour of the first row), ``row_count``,
    ``duration`` (s), ``last_started`` (epoch s), ``latest_id``, ``is_first`` (1 when no earlier
    row of the play exists), ``is_month_first`` (1 when none exists earlier in that month), and
    the latest row's server_id … item_year (see :data:`_DIMENSIONS`). The play's first start
    comes from its HistoryGroup (synced before); only a play that began in an earlier month
    looks at its rows.
    """
    tz = timezone.get_current_timezone()
    where = Q()
    for start, end in ranges:
        where |= Q(started__gte=start, started__lt=end)
    inner = (
        History.objects.filter(where)
        .order_by()
        .annotate(
            day=TruncDate("started", tzinfo=tz),
            group_key=Coalesce("reference_id", "id", output_field=BigIntegerField()),
        )
        .values("day", "group_key")
        .annotate(
            latest_id=Max("id"),
            first_started=Min("started"),
            last_started=Max("started"),
            hour=Min(ExtractHour("started", tzinfo=tz)),
            row_count=Count("id"),
            duration=Coalesce(Sum("play_duration"), 0),
        )
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    q = connection.ops.quote_name
    history, groups = q(History._meta.db_table), q(HistoryGroup._meta.db_table)
    metadata = q(HistoryMetadata._meta.db_table)
    media_info = q(HistoryMediaInfo._meta.db_table)
    first_epoch = epoch_sql("dp.first_started")
    play_started = f"(SELECT hg.started FROM {groups} hg WHERE hg.reference_id = dp.group_key)"
    dimensions = ", ".join(f"{sql} AS {name}" for name, sql in _DIMENSIONS)
    sql = f"""
        SELECT dp.day, dp.hour, dp.row_count, dp.duration, dp.latest_id,
               {epoch_sql("dp.last_started")} AS last_started,
               CASE WHEN dp.play_started >= {first_epoch} THEN 1 ELSE 0 END AS is_first,
               CASE WHEN dp.play_started >= {first_epoch} THEN 1
                    WHEN dp.play_started >= %s THEN 0
                    WHEN EXISTS (
                        SELECT 1 FROM {history} e
                        WHERE (e.reference_id = dp.group_key OR e.id = dp.group_key)
                          AND e.started >= %s AND e.started < dp.first_started
                    ) THEN 0
                    ELSE 1 END AS is_month_first,
               {dimensions}
        FROM (SELECT inner_dp.*, {play_started.replace("dp.group_key", "inner_dp.group_key")}
                     AS play_started
              FROM ({inner_sql}) inner_dp) dp
        JOIN {history} h ON h.id = dp.latest_id
        LEFT JOIN {metadata} m ON m.id = h.id
        LEFT JOIN {media_info} mi ON mi.id = h.id
    """
    month_start_value = connection.ops.adapt_datetimefield_value(month_start)
    return sql, [int(month_start.timestamp()), month_start_value, *inner_params]


def _insert_month(month: dt.date, ranges) -> None:
    """Insert the rollup rows of the days in ``ranges``, all within local ``month``.

    The month's day-plays, joined once to their latest row, go into a temporary table that the
    four ``INSERT … SELECT … GROUP BY`` read.
    """
    dp_sql, dp_params = _day_plays(ranges, local_day_start(month))
    common = "day, server_id, user_id, section_id, media_type, live"
    common_columns = "date, server_id, user_id, section_id, media_type, live"
    counters = "COUNT(*), SUM(row_count), SUM(duration), MAX(last_started), MAX(latest_id)"
    counter_columns = "plays, rows, duration, last_started, last_history_id"
    streams = "platform, transcode_decision, source_resolution, stream_resolution"
    items = "item_title, item_parent, item_year"
    statements = [
        (
            DailyPlays,
            f"{common_columns}, {counter_columns}, first_plays, month_plays",
            f"{common}, {counters}, SUM(is_first), SUM(is_month_first)",
            common,
        ),
        (
            HourlyPlays,
            f"{common_columns}, hour, {counter_columns}",
            f"{common}, hour, {counters}",
            f"{common}, hour",
        ),
        (
            DailyStreams,
            f"{common_columns}, {streams}, {counter_columns}, first_plays",
            f"{common}, {streams}, {counters}, SUM(is_first)",
            f"{common}, {streams}",
        ),
        (
            DailyItems,
            f"{common_columns}, title, parent_title, year, {counter_columns}, first_plays",
            f"{common}, {items}, {counters}, SUM(is_first)",
            f"{common}, {items}",
        ),
    ]
    q = connection.ops.quote_name
    with _tuned(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {DAY_PLAYS}")
        cursor.execute(f"CREATE TEMPORARY TABLE {DAY_PLAYS} AS {dp_sql}", dp_params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {DAY_PLAYS}")
        for model, columns, select, group_by in statements:
            cursor.execute(
                f"INSERT INTO {q(model._meta.db_table)} (period, {columns}) "
                f"SELECT %s, {select} FROM {DAY_PLAYS} GROUP BY {group_by}",
                [RollupBase.DAY],
            )
        cursor.execute(f"DROP TABLE {DAY_PLAYS}")
    _derive_month_rows(month)


# Per table: (dimension columns, summed counters) of its month rows; the tables with all-user
# (``t``) month rows too.
_MONTH_ROLLUPS = {
    DailyPlays: ("server_id, user_id, section_id, media_type, live", "first_plays, month_plays"),
    DailyStreams: (
        "server_id, user_id, section_id, media_type, live, platform, transcode_decision, "
        "source_resolution, stream_resolution",
        "first_plays",
    ),
    DailyItems: (
        "server_id, user_id, section_id, media_type, live, title, parent_title, year",
        "first_plays",
    ),
}
ALL_USER_MONTHS = (DailyStreams, DailyItems)


def _derive_month_rows(month: dt.date) -> None:
    """Replace the ``m`` (and, for :data:`ALL_USER_MONTHS`, ``t``) rows of local ``month`` by the
    sums of its ``d`` rows (see :mod:`stats.models`)."""
    next_month = add_months(month, 1)
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, (dimensions, extra) in _MONTH_ROLLUPS.items():
            table = q(model._meta.db_table)
            cursor.execute(
                f"DELETE FROM {table} WHERE period IN (%s, %s) AND date = %s",
                [RollupBase.MONTH, RollupBase.MONTH_ALL_USERS, month],
            )
            sums = ", ".join(
                f"SUM({name})" for name in ("plays", "rows", "duration", *extra.split(", "))
            )
            counters = f"plays, rows, duration, {extra}, last_started, last_history_id"
            periods = [(RollupBase.MONTH, dimensions)]
            if model in ALL_USER_MONTHS:
                periods.append((RollupBase.MONTH_ALL_USERS, dimensions.replace("user_id, ", "")))
            for period, group_by in periods:
                cursor.execute(
                    f"INSERT INTO {table} (period, date, {group_by}, {counters}) "
                    f"SELECT %s, %s, {group_by}, {sums}, MAX(last_started), "
                    f"MAX(last_history_id) FROM {table} "
                    f"WHERE period = %s AND date >= %s AND date < %s GROUP BY {group_by}",
                    [period, month, RollupBase.DAY, month, next_month],
                )


# The dimensions a day-play takes from its latest row ``h`` (metadata ``m``, media info ``mi``).
# Home-stats card keys (reference 6.3): movies by (full_title, year), shows by
# grandparent_title, music by artist (original_title, grandparent_title).
_DIMENSIONS = (
    ("server_id", "h.server_id"),
    ("user_id", "h.user_id"),
    ("section_id", "h.section_id"),
    ("media_type", "COALESCE(h.media_type, '')"),
    ("live", "COALESCE(m.live, FALSE)"),
    ("platform", "COALESCE(h.platform, '')"),
    ("transcode_decision", "COALESCE(mi.transcode_decision, '')"),
    ("source_resolution", "COALESCE(mi.video_full_resolution, '')"),
    ("stream_resolution", STREAM_RESOLUTION_SQL),
    (
        "item_title",
        "CASE h.media_type WHEN 'movie' THEN COALESCE(m.full_title, '') "
        "WHEN 'track' THEN COALESCE(m.original_title, '') "
        "ELSE COALESCE(m.grandparent_title, '') END",
    ),
    (
        "item_parent",
        "CASE h.media_type WHEN 'track' THEN COALESCE(m.grandparent_title, '') ELSE '' END",
    ),
    ("item_year", "CASE h.media_type WHEN 'movie' THEN m.year END"),
)


def _analyze() -> None:
    """PostgreSQL: refresh the planner's statistics of the rebuilt tables."""
    if connection.vendor != "postgresql":
        return
    analyze(*ROLLUP_MODELS, ItemUserLast, DailyConcurrency, DailyWatchTime, *monthly.MONTHLY_MODELS)
