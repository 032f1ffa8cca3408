"""Watch-time and per-user statistics of one item at any level of the Plex tree
(``get_item_watch_time_stats``, ``get_item_user_stats``; reference 1.2, 1.3), equal to the plain
computation over its history rows (:func:`history.stats.watch_time_stats`,
:func:`history.stats.user_stats` with :func:`history.stats.rating_key_q`) without reading a
show's tens of thousands of rows.

A row matches the key ``K`` at one level: its own item (``rating_key = K``), else its season or
album (``parent_rating_key = K``), else its show or artist (``grandparent_rating_key = K``).

* own-item rows (a movie's, an episode's: few) are read from History;
* season/album and show/artist rows come from :class:`~stats.models.MonthlyItemTime` for the
  months after a window's first month, and from History (on its ``(key, stopped)`` indexes) for
  the rest of that first month;
* plays (grouping on) count on their last stop, so once; plays whose rows differ in user or item
  (a handful) are counted from their rows (:func:`stats.watch_stats.mixed_plays`).

Windows are Tautulli's (``stopped >= now − d·86400``); months are local; seconds.
"""

import datetime as dt
import math
from collections.abc import Sequence

from django.db import connection
from django.db.models import Q, Sum

from core import clock
from core.errors import InvalidInput
from core.limits import MAX_DAYS
from core.timeutils import local_day_start, to_epoch
from history.models import History, HistoryGroup
from history.stats import DEFAULT_QUERY_DAYS, rating_key_q

from .models import MonthlyItemTime
from .watch_stats import (
    COUNTERS,
    Scope,
    Window,
    add_to,
    mixed_keys,
    mixed_plays,
    mixed_rows,
    user_rows,
)


def item_watch_time_stats(
    rating_key: int,
    query_days: Sequence[int] = DEFAULT_QUERY_DAYS,
    *,
    grouping: bool,
    server_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[dict]:
    """``[{"query_days": d, "total_time": seconds, "total_plays": n}, ...]`` of the item's rows
    (on server ``server_id``, a pk, or every server), one per window of ``query_days`` in that
    order (``0``, or more than :data:`core.limits.MAX_DAYS`, is all time).

    Equal to :func:`history.stats.watch_time_stats` over ``rating_key_q([rating_key])`` (tested).
    Raises :class:`~core.errors.InvalidInput` for a negative number of days.
    """
    if any(days < 0 for days in query_days):
        raise InvalidInput("Parameter query_days must not be negative")
    now = now or clock.now()
    windows = [Window.of(days, now) for days in dict.fromkeys(query_days) if 0 < days <= MAX_DAYS]
    server = Q(server_id=server_id) if server_id is not None else Q()
    totals = {key: dict.fromkeys(COUNTERS, 0) for key in (0, *(w.days for w in windows))}
    excluded = mixed_keys()  # read once: counted from their rows, left out of the rest
    monthly = (
        MonthlyItemTime.objects.filter(server, rating_key=rating_key)
        .values_list("month")
        .annotate(Sum("rows"), Sum("duration"), Sum("plays"))
        .order_by()
    )
    for month, *counters in monthly:
        values = dict(zip(COUNTERS, counters, strict=True))
        add_to(totals, 0, values)
        for w in windows:
            if month is not None and month >= w.next_month:
                add_to(totals, w.days, values)
    for key, values in _first_months(rating_key, server_id, windows, excluded).items():
        add_to(totals, key, values)
    for key, values in _own_rows(rating_key, server_id, windows, excluded).items():
        add_to(totals, key, values)
    if grouping:
        item_rows = server & rating_key_q([rating_key])
        for key, plays in mixed_plays(item_rows, windows, keys=excluded).items():
            add_to(totals, key, {"plays": plays})
    counter = "plays" if grouping else "rows"
    return [
        {
            "query_days": days,
            "total_time": int(totals[days if 0 < days <= MAX_DAYS else 0]["duration"]),
            "total_plays": int(totals[days if 0 < days <= MAX_DAYS else 0][counter]),
        }
        for days in query_days
    ]


def item_user_stats(rating_key: int, *, grouping: bool, server_id: int | None = None) -> list[dict]:
    """Per user, all time: ``[{friendly_name, user_id, user_thumb, username, total_plays,
    total_time}]`` of the item's rows, most plays first, then most time (seconds), then user id.

    Equal to :func:`history.stats.user_stats` over ``rating_key_q([rating_key])`` (tested).
    """
    server = Q(server_id=server_id) if server_id is not None else Q()
    per_user: dict[int, dict] = {}
    monthly = (
        MonthlyItemTime.objects.filter(server, rating_key=rating_key, user_id__isnull=False)
        .values_list("user_id")
        .annotate(Sum("rows"), Sum("duration"), Sum("plays"))
        .order_by()
    )
    for user_id, *counters in monthly:
        add_to(per_user, user_id, dict(zip(COUNTERS, counters, strict=True)))
    excluded = mixed_keys()
    for user_id, *counters in _own_rows_by_user(rating_key, server_id, excluded):
        add_to(per_user, user_id, dict(zip(COUNTERS, counters, strict=True)))
    if grouping:
        item_rows = server & rating_key_q([rating_key]) & Q(user_id__isnull=False)
        rows = mixed_rows(item_rows, keys=excluded)
        for _key, user_id in {(key, user_id) for key, user_id, _ in rows}:
            add_to(per_user, user_id, {"plays": 1})
    return user_rows(per_user, grouping=grouping)


# --- History parts ----------------------------------------------------------------------------


def _not_in(column: str, keys: list[int]) -> str:
    return f"{column} NOT IN ({', '.join(str(int(key)) for key in keys)})" if keys else "1 = 1"


def _first_month_spans(windows) -> list[tuple[dt.datetime, dt.datetime]]:
    """The union of the windows' ``[since, end of since's month)`` as sorted disjoint spans."""
    spans: list[list[dt.datetime]] = []
    for since, end in sorted((w.since, local_day_start(w.next_month)) for w in windows):
        if spans and since <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([since, end])
    return [(since, end) for since, end in spans]


# Season/album level: the parent is K and the row's own item is not; show/artist level: the
# grandparent is K and neither the item nor the parent is. ``{t}`` is the table alias.
LEVELS = (
    ("parent_rating_key", "({t}.rating_key IS NULL OR {t}.rating_key <> %s)", 1),
    (
        "grandparent_rating_key",
        "({t}.rating_key IS NULL OR {t}.rating_key <> %s) "
        "AND ({t}.parent_rating_key IS NULL OR {t}.parent_rating_key <> %s)",
        2,
    ),
)


def _first_months(rating_key: int, server_id, windows, excluded) -> dict[int, dict]:
    """Per window, the season/show-level rows stopped from ``since`` to the end of its month
    (the rollup has the months after), and the unmixed plays whose last stop is among them.

    Rows and seconds are summed from History, plays counted from HistoryGroup, each on its own
    ``(key, stopped)`` index and only over the windows' first months. The two agree because an
    unmixed play's rows share its rating keys (so the play is at its rows' level) and its last
    stop ``g.stopped`` is within ``[since, month end)`` exactly when one of its rows stopped
    there and none later (a play is counted on its last stop, as the rollup counts it).
    """
    if not windows:
        return {}
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    history = q(History._meta.db_table)
    groups = q(HistoryGroup._meta.db_table)
    spans = _first_month_spans(windows)
    row_columns, row_params, play_columns, play_params = [], [], [], []
    for w in windows:
        month_end = local_day_start(w.next_month)
        inside = "h.stopped >= %s AND h.stopped < %s"
        row_columns += [
            f"SUM(CASE WHEN {inside} THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {inside} THEN h.play_duration ELSE 0 END)",
        ]
        row_params += [adapt(w.since), adapt(month_end)] * 2
        # Rows stop on whole seconds: stopped >= since is stopped >= ceil(since) in epoch seconds.
        play_columns.append("SUM(CASE WHEN g.stopped >= %s AND g.stopped < %s THEN 1 ELSE 0 END)")
        play_params += [math.ceil(w.since.timestamp()), to_epoch(month_end)]
    row_spans = " OR ".join("(h.stopped >= %s AND h.stopped < %s)" for _ in spans)
    row_span_params = [adapt(value) for span in spans for value in span]
    play_spans = " OR ".join("(g.stopped >= %s AND g.stopped < %s)" for _ in spans)
    play_span_params = [
        value for since, end in spans for value in (math.ceil(since.timestamp()), to_epoch(end))
    ]
    result = {w.days: dict.fromkeys(COUNTERS, 0) for w in windows}
    with connection.cursor() as cursor:
        for column, others, repeat in LEVELS:
            row_server, row_server_params = Scope(server_id=server_id).sql("h")
            cursor.execute(
                f"SELECT {', '.join(row_columns)} FROM {history} h "
                f"WHERE h.{column} = %s AND {others.format(t='h')} AND {row_server} "
                f"AND ({row_spans})",
                [
                    *row_params,
                    rating_key,
                    *[rating_key] * repeat,
                    *row_server_params,
                    *row_span_params,
                ],
            )
            rows = cursor.fetchone()
            play_server, play_server_params = Scope(server_id=server_id).sql("g")
            cursor.execute(
                f"SELECT {', '.join(play_columns)} FROM {groups} g "
                f"WHERE g.{column} = %s AND {others.format(t='g')} AND {play_server} "
                f"AND {_not_in('g.reference_id', excluded)} AND ({play_spans})",
                [
                    *play_params,
                    rating_key,
                    *[rating_key] * repeat,
                    *play_server_params,
                    *play_span_params,
                ],
            )
            plays = cursor.fetchone()
            # A play's rows are all at one level (those that are not, mixed, are left out), so
            # the levels' counts add up.
            for index, w in enumerate(windows):
                counters = (rows[2 * index], rows[2 * index + 1], plays[index])
                add_to(result, w.days, dict(zip(COUNTERS, counters, strict=True)))
    return result


def _own_rows(rating_key: int, server_id, windows, excluded) -> dict[int, dict]:
    """Per window (all time under 0), the rows whose own item is ``rating_key`` and their
    unmixed plays: one aggregate over the item's rows (a movie's or an episode's: few)."""
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    server_sql, server_params = Scope(server_id=server_id).sql("h")
    key = "COALESCE(h.reference_id, h.id)"
    unmixed = _not_in(key, excluded)
    columns, params = (
        ["COUNT(*)", "SUM(h.play_duration)", f"COUNT(DISTINCT CASE WHEN {unmixed} THEN {key} END)"],
        [],
    )
    for w in windows:
        inside = "h.stopped >= %s"
        columns += [
            f"SUM(CASE WHEN {inside} THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {inside} THEN h.play_duration ELSE 0 END)",
            f"COUNT(DISTINCT CASE WHEN {inside} AND {unmixed} THEN {key} END)",
        ]
        params += [adapt(w.since)] * 3
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {q(History._meta.db_table)} h "
            f"WHERE h.rating_key = %s AND {server_sql}",
            [*params, rating_key, *server_params],
        )
        values = cursor.fetchone()
    keys = [0, *(w.days for w in windows)]
    return {
        key: dict(zip(COUNTERS, (v or 0 for v in values[3 * i : 3 * i + 3]), strict=True))
        for i, key in enumerate(keys)
    }


def _own_rows_by_user(rating_key: int, server_id, excluded) -> list[tuple]:
    """``(user_id, rows, seconds, unmixed plays)`` of the rows whose own item is ``rating_key``."""
    q = connection.ops.quote_name
    server_sql, server_params = Scope(server_id=server_id).sql("h")
    key = "COALESCE(h.reference_id, h.id)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT h.user_id, COUNT(*), SUM(h.play_duration), "
            f"COUNT(DISTINCT CASE WHEN {_not_in(key, excluded)} THEN {key} END) "
            f"FROM {q(History._meta.db_table)} h "
            f"WHERE h.rating_key = %s AND {server_sql} AND h.user_id IS NOT NULL "
            f"GROUP BY h.user_id",
            [rating_key, *server_params],
        )
        return cursor.fetchall()
