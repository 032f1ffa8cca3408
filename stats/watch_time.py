"""Maintenance of :class:`~stats.models.DailyWatchTime` (per stop date, server, user, section).

Called by :mod:`stats.rollup` with the other rollups: :func:`rebuild` after a full rebuild,
:func:`recompute_days` for the local dates queued since the last sync (their spans run from a
play's first start to its last stop, so every date a changed row stopped on is among them).
Set-based: one ``INSERT … SELECT … GROUP BY`` per batch of dates, then the month rows.
"""

import datetime as dt

from django.db import connection
from django.db.models import BigIntegerField, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from core.timeutils import local_day_end, local_day_start
from history.grouping import epoch_sql
from history.models import History, HistoryGroup

from .models import DailyWatchTime, RollupBase
from .window import add_months

# Plays whose rows differ in user or in server/section: counted from their rows by readers.
MIXED_MASK = HistoryGroup.MIXED_USER | HistoryGroup.MIXED_ITEM


def rebuild() -> None:
    """Recompute the whole table from History (the groups must be in sync)."""
    DailyWatchTime.unsynced.all().delete()
    _insert_days(Q(stopped__isnull=False))
    _insert_days(Q(stopped__isnull=True))
    months = (
        DailyWatchTime.unsynced.filter(period=RollupBase.DAY, date__isnull=False)
        .dates("date", "month")
        .order_by("date")
    )
    for month in months:
        _derive_month(month)


def recompute_days(days: list[dt.date]) -> None:
    """Replace the rows of local ``days`` (and of the rows without a stop time) with fresh ones,
    then their months' rows."""
    DailyWatchTime.unsynced.filter(
        Q(date__in=days) | Q(date__isnull=True), period=RollupBase.DAY
    ).delete()
    for start in range(0, len(days), 200):
        batch = days[start : start + 200]
        ranges = Q()
        for day in batch:
            ranges |= Q(stopped__gte=local_day_start(day), stopped__lt=local_day_end(day))
        _insert_days(ranges)
    _insert_days(Q(stopped__isnull=True))
    for month in sorted({day.replace(day=1) for day in days}):
        _derive_month(month)


def _insert_days(where: Q) -> None:
    """Insert the ``d`` rows of the History rows matching ``where`` (whole local dates)."""
    rows = (
        History.objects.filter(where)
        .order_by()
        .annotate(
            day=TruncDate("stopped", tzinfo=timezone.get_current_timezone()),
            group_key=Coalesce("reference_id", "id", output_field=BigIntegerField()),
        )
        .values(
            "day", "group_key", "server_id", "user_id", "section_id", "play_duration", "stopped"
        )
    )
    rows_sql, params = rows.query.sql_with_params()
    q = connection.ops.quote_name
    table, groups = q(DailyWatchTime._meta.db_table), q(HistoryGroup._meta.db_table)
    # A play counts on the date of its last stop, with the row(s) that stopped then.
    last_stop = f"""
        (g.mixed & {MIXED_MASK}) = 0
        AND (g.stopped = {epoch_sql("r.stopped")} OR (g.stopped IS NULL AND r.stopped IS NULL))
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table}
                (period, date, server_id, user_id, section_id, rows, duration, plays)
            SELECT %s, r.day, r.server_id, r.user_id, r.section_id, COUNT(*),
                   COALESCE(SUM(r.play_duration), 0),
                   COUNT(DISTINCT CASE WHEN {last_stop} THEN g.reference_id END)
            FROM ({rows_sql}) r
            LEFT JOIN {groups} g ON g.reference_id = r.group_key
            GROUP BY r.day, r.server_id, r.user_id, r.section_id
            """,
            [RollupBase.DAY, *params],
        )


def _derive_month(month: dt.date) -> None:
    """Replace the ``m`` rows of local ``month`` by the sums of its ``d`` rows."""
    DailyWatchTime.unsynced.filter(period=RollupBase.MONTH, date=month).delete()
    table = connection.ops.quote_name(DailyWatchTime._meta.db_table)
    dimensions = "server_id, user_id, section_id"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (period, date, {dimensions}, rows, duration, plays)
            SELECT %s, %s, {dimensions}, SUM(rows), SUM(duration), SUM(plays) FROM {table}
            WHERE period = %s AND date >= %s AND date < %s GROUP BY {dimensions}
            """,
            [RollupBase.MONTH, month, RollupBase.DAY, month, add_months(month, 1)],
        )
