"""Maintenance of the monthly rollups :class:`~stats.models.MonthlyItemTime` and
:class:`~stats.models.MonthlyPlayerTime`.

Called by :mod:`stats.rollup` with the other rollups: :func:`rebuild` after a full rebuild,
:func:`recompute_days` with the local dates queued since the last sync, which recomputes their
whole months from History (one ``INSERT … SELECT … GROUP BY`` per table and month, on History's
``stopped`` index), and the rows without a stop time.
"""

import datetime as dt

from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone

from core.timeutils import local_day_start
from history.grouping import epoch_sql, mixed_values
from history.models import History, HistoryGroup

from .models import MonthlyItemTime, MonthlyPlayerTime
from .watch_time import MIXED_MASK
from .window import add_months

MONTHLY_MODELS = (MonthlyItemTime, MonthlyPlayerTime)
# Sorts before every stored stop time (a row without one is never a play's last row).
NO_STOP = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def rebuild() -> None:
    """Recompute both tables from History (the groups must be in sync)."""
    for model in MONTHLY_MODELS:
        model.unsynced.all().delete()
    first, last = _stop_bounds()
    month = first
    while month is not None and month <= last:
        _insert_month(month)
        month = add_months(month, 1)
    _insert_month(None)


def recompute_days(days: list[dt.date]) -> None:
    """Recompute the months of local ``days`` and the rows without a stop time."""
    months = sorted({day.replace(day=1) for day in days})
    for model in MONTHLY_MODELS:
        model.unsynced.filter(month__in=months).delete()
        model.unsynced.filter(month__isnull=True).delete()
    for month in months:
        _insert_month(month)
    _insert_month(None)


def _stop_bounds() -> tuple[dt.date | None, dt.date | None]:
    """The local months (first days) of the earliest and latest stop; (None, None) if none."""
    bounds = History.objects.aggregate(first=Min("stopped"), last=Max("stopped"))
    if bounds["first"] is None:
        return None, None
    return _local_month(bounds["first"]), _local_month(bounds["last"])


def _local_month(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date().replace(day=1)


def _insert_month(month: dt.date | None) -> None:
    """Insert the rows of local ``month`` (None: the rows without a stop time)."""
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    history, groups = q(History._meta.db_table), q(HistoryGroup._meta.db_table)
    if month is None:
        where, params = "h.stopped IS NULL", []
    else:
        where = "h.stopped >= %s AND h.stopped < %s"
        params = [adapt(local_day_start(month)), adapt(local_day_start(add_months(month, 1)))]
    unmixed = f"g.mixed NOT IN ({', '.join(str(v) for v in mixed_values(MIXED_MASK))})"
    # A play counts on its last row (several rows with that stop count once).
    last_of_play = (
        f"CASE WHEN {unmixed} AND g.stopped = {epoch_sql('h.stopped')} THEN g.reference_id END"
    )
    source = (
        f"FROM {history} h JOIN {groups} g ON g.reference_id = COALESCE(h.reference_id, h.id) "
        f"WHERE {where}"
    )
    items = q(MonthlyItemTime._meta.db_table)
    levels = (
        (MonthlyItemTime.PARENT, "h.parent_rating_key", "h.rating_key"),
        (
            MonthlyItemTime.GRANDPARENT,
            "h.grandparent_rating_key",
            "h.rating_key, h.parent_rating_key",
        ),
    )
    # A player's play counts on the play's last row on that player.
    later_on_player = (
        f"SELECT 1 FROM {history} h2 WHERE h2.reference_id = g.reference_id "
        "AND (h2.player = h.player OR (h2.player IS NULL AND h.player IS NULL)) "
        "AND COALESCE(h2.stopped, %s) > COALESCE(h.stopped, %s)"
    )
    players = q(MonthlyPlayerTime._meta.db_table)
    with connection.cursor() as cursor:
        for level, key, lower_keys in levels:
            distinct = " AND ".join(
                f"({lower} IS NULL OR {lower} <> {key})" for lower in lower_keys.split(", ")
            )
            cursor.execute(
                f"""
                INSERT INTO {items}
                    (month, level, rating_key, server_id, user_id, rows, duration, plays)
                SELECT %s, %s, {key}, h.server_id, h.user_id, COUNT(*),
                       COALESCE(SUM(h.play_duration), 0), COUNT(DISTINCT {last_of_play})
                {source} AND {key} IS NOT NULL AND {distinct}
                GROUP BY {key}, h.server_id, h.user_id
                """,
                [month, level, *params],
            )
        no_stop = adapt(NO_STOP)
        cursor.execute(
            f"""
            INSERT INTO {players}
                (month, server_id, user_id, player, platform, rows, duration, plays)
            SELECT %s, h.server_id, h.user_id, h.player, MAX(h.platform), COUNT(*),
                   COALESCE(SUM(h.play_duration), 0),
                   COUNT(DISTINCT CASE WHEN {unmixed} AND NOT EXISTS ({later_on_player})
                                       THEN g.reference_id END)
            {source}
            GROUP BY h.server_id, h.user_id, h.player
            """,
            [month, no_stop, no_stop, *params],
        )
