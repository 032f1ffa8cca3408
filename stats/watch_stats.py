"""Per-user and per-library watch-time statistics from the :class:`~stats.models.DailyWatchTime`
rollup (reference 1.3: ``get_user_watch_time_stats``, ``get_library_watch_time_stats``,
``get_library_user_stats``), equal to the plain computation over history
(:func:`history.stats.watch_time_stats`, :func:`history.stats.user_stats`) without reading a heavy
user's or library's rows.

A window of ``d`` days covers the rows stopped since ``since = now − d·86400`` (Tautulli's epoch
window, not local days). With ``D0`` the local date of ``since`` and ``T`` the next local midnight:

* rows stopped from ``T`` on: the rollup's dates after ``D0`` (month rows for whole months);
* rows stopped in ``[since, T)``: read from History on its ``stopped`` indexes (one partial day);
* plays (grouping on) are counted on the date of their last stop, so a play counts once in every
  window that holds one of its rows; those whose last stop is in ``[since, T)`` are found from the
  partial day's rows. Plays whose rows differ in user, server or section (``MIXED_USER`` /
  ``MIXED_ITEM``, a handful) are counted from their rows.

All time is the month rows plus the rows without a stop time. Units: seconds; dates local
(``settings.TIME_ZONE``); ``now`` UTC.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone

from core import clock
from core.errors import InvalidInput
from core.limits import MAX_DAYS
from core.timeutils import local_day_end, to_epoch
from history.grouping import mixed_q, mixed_values
from history.models import History, HistoryGroup
from history.stats import DEFAULT_QUERY_DAYS
from users.models import User, friendly_name_or_username, user_thumb_url

from .models import DailyWatchTime, RollupBase
from .watch_time import MIXED_MASK
from .window import add_months

DAY, MONTH = RollupBase.DAY, RollupBase.MONTH
COUNTERS = ("rows", "duration", "plays")


@dataclass(frozen=True)
class Scope:
    """Whose history: a user (plex.tv user id), a library section, a server (pk); None = any.

    The three are columns of the same name in History, HistoryGroup and the rollup.
    """

    user_id: int | None = None
    section_id: int | None = None
    server_id: int | None = None

    def values(self) -> dict[str, int]:
        """The set filters, by column name."""
        values = {
            "user_id": self.user_id,
            "section_id": self.section_id,
            "server_id": self.server_id,
        }
        return {name: value for name, value in values.items() if value is not None}

    def q(self) -> Q:
        return Q(**self.values())

    def sql(self, alias: str) -> tuple[str, list[int]]:
        """``(WHERE fragment, params)`` of the filters on table ``alias`` (``1 = 1`` if none)."""
        values = self.values()
        terms = [f"{alias}.{column} = %s" for column in values] or ["1 = 1"]
        return " AND ".join(terms), list(values.values())


@dataclass(frozen=True)
class Window:
    """A window of ``days`` > 0 days: ``since`` (aware), its local date ``first``, the next local
    midnight ``cut`` and the first day of the next month ``next_month``."""

    days: int
    since: dt.datetime
    first: dt.date
    cut: dt.datetime
    next_month: dt.date

    @classmethod
    def of(cls, days: int, now: dt.datetime) -> "Window":
        since = now - dt.timedelta(days=days)
        first = timezone.localtime(since).date()
        return cls(days, since, first, local_day_end(first), add_months(first.replace(day=1), 1))


def watch_time_stats(
    scope: Scope,
    query_days: Sequence[int] = DEFAULT_QUERY_DAYS,
    *,
    grouping: bool,
    now: dt.datetime | None = None,
) -> list[dict]:
    """``[{"query_days": d, "total_time": seconds, "total_plays": n}, ...]`` of ``scope``'s
    history, one per window of ``query_days`` in that order (``0``, or more than
    :data:`core.limits.MAX_DAYS`, is all time).

    Equal to :func:`history.stats.watch_time_stats` over the same rows (tested). ``now``
    defaults to the current time. A negative number of days raises
    :class:`~core.errors.InvalidInput`. Queries: 2 to 5 (the rollup by date; the windows'
    partial first days; their plays; the mixed plays), each reading at most the month rows, a
    month of day rows and one day of history per window.
    """
    if any(days < 0 for days in query_days):
        raise InvalidInput("Parameter query_days must not be negative")
    now = now or clock.now()
    windows = {days: Window.of(days, now) for days in query_days if 0 < days <= MAX_DAYS}
    totals = _rollup_totals(scope, windows.values())
    for days, values in _partial_days(scope, windows.values(), grouping=grouping).items():
        add_to(totals, days, values)
    if grouping:
        for days, plays in mixed_plays(scope.q(), windows.values()).items():
            add_to(totals, days, {"plays": plays})
    counter = "plays" if grouping else "rows"
    result = []
    for days in query_days:
        values = totals[days if days in windows else 0]
        result.append(
            {
                "query_days": days,
                "total_time": int(values["duration"]),
                "total_plays": int(values[counter]),
            }
        )
    return result


def user_stats(scope: Scope, *, grouping: bool) -> list[dict]:
    """Per user, all time: ``[{friendly_name, user_id, user_thumb, username, total_plays,
    total_time}]`` of ``scope``'s history (a library: ``get_library_user_stats``), most plays
    first, then most time (seconds), then user id.

    Equal to :func:`history.stats.user_stats` over the same rows (tested): only known users, a
    blank friendly name falls back to the username. Queries: 3.
    """
    per_user: dict[int, dict] = {}
    monthly = (
        DailyWatchTime.objects.filter(scope.q(), _all_time_q(), user_id__isnull=False)
        .values_list("user_id")
        .annotate(Sum("rows"), Sum("duration"), Sum("plays"))
        .order_by()
    )
    for user_id, *counters in monthly:
        add_to(per_user, user_id, dict(zip(COUNTERS, counters, strict=True)))
    if grouping:
        for _key, user_id in {(key, user_id) for key, user_id, _ in mixed_rows(scope.q())}:
            if user_id is not None:
                add_to(per_user, user_id, {"plays": 1})
    return user_rows(per_user, grouping=grouping)


def user_rows(per_user: dict[int, dict], *, grouping: bool) -> list[dict]:
    """The rows of ``get_*_user_stats`` for ``{user_id: {"rows", "duration", "plays"}}``: known
    users only, most plays first, then most time, then user id."""
    users = User.objects.filter(user_id__in=list(per_user)).values(
        "user_id", "username", "friendly_name", "thumb", "custom_avatar_url"
    )
    counter = "plays" if grouping else "rows"
    result = [
        {
            "friendly_name": friendly_name_or_username(user["friendly_name"], user["username"]),
            "user_id": user["user_id"],
            "user_thumb": user_thumb_url(user["custom_avatar_url"], user["thumb"]),
            "username": user["username"],
            "total_plays": int(per_user[user["user_id"]][counter]),
            "total_time": int(per_user[user["user_id"]]["duration"]),
        }
        for user in users
    ]
    result.sort(key=lambda row: (-row["total_plays"], -row["total_time"], row["user_id"]))
    return result


# --- parts ------------------------------------------------------------------------------------


def _all_time_q() -> Q:
    return Q(period=MONTH) | Q(period=DAY, date__isnull=True)


def _rollup_totals(scope: Scope, windows) -> dict[int, dict]:
    """``{days: {"rows", "duration", "plays"}}`` from the rollup (all time under key 0): per
    window, the month rows after its first date's month and the day rows after that date in
    the same month. Summed per period and date in SQL (one query per index range), per window
    in Python."""
    windows = list(windows)
    # One query per index range (month rows; rows without a stop; the first months' day rows):
    # with OR, SQLite's planner may prefer scanning the whole table in (period, date) order.
    parts = [Q(period=MONTH), Q(period=DAY, date__isnull=True)]
    if windows:
        first = min(w.first for w in windows)
        parts.append(Q(period=DAY, date__gt=first, date__lt=max(w.next_month for w in windows)))
    by_date = [
        row
        for part in parts
        for row in DailyWatchTime.objects.filter(scope.q(), part)
        .values_list("period", "date")
        .annotate(Sum("rows"), Sum("duration"), Sum("plays"))
        .order_by()
    ]
    totals = {key: dict.fromkeys(COUNTERS, 0) for key in (0, *(w.days for w in windows))}
    for period, date, *counters in by_date:
        values = dict(zip(COUNTERS, counters, strict=True))
        if date is None:  # rows without a stop time: all time only
            add_to(totals, 0, values)
            continue
        if period == MONTH:
            add_to(totals, 0, values)
        for w in windows:
            after_first = date >= w.next_month if period == MONTH else w.first < date < w.next_month
            if after_first:
                add_to(totals, w.days, values)
    return totals


def _partial_days(scope: Scope, windows, *, grouping: bool) -> dict[int, dict]:
    """``{days: {"rows", "duration", "plays"}}`` of each window's partial first day: its rows
    stopped in ``[since, cut)`` and (grouping) its unmixed plays whose last stop is there.

    Two statements for all windows, in SQL (the ORM would spend longer building the filtered
    aggregates than the database answering them): the rows on History's ``stopped`` indexes,
    the plays by primary key from those rows' group keys.
    """
    windows = list(windows)
    if not windows:
        return {}
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    history, groups = q(History._meta.db_table), q(HistoryGroup._meta.db_table)
    scope_sql, scope_params = scope.sql("h")
    ranges = " OR ".join("(h.stopped >= %s AND h.stopped < %s)" for _ in windows)
    range_params = [adapt(value) for w in windows for value in (w.since, w.cut)]
    sums, sum_params = [], []
    for w in windows:
        inside = "h.stopped >= %s AND h.stopped < %s"
        sums.append(f"SUM(CASE WHEN {inside} THEN 1 ELSE 0 END)")
        sums.append(f"SUM(CASE WHEN {inside} THEN h.play_duration ELSE 0 END)")
        sum_params += [adapt(w.since), adapt(w.cut)] * 2
    where = f"{scope_sql} AND ({ranges})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(sums)} FROM {history} h WHERE {where}",
            [*sum_params, *scope_params, *range_params],
        )
        totals = cursor.fetchone()
        plays = [0] * len(windows)
        if grouping:
            counts = ", ".join(
                "SUM(CASE WHEN g.stopped >= %s AND g.stopped < %s THEN 1 ELSE 0 END)"
                for _ in windows
            )
            mixed = ", ".join(str(value) for value in mixed_values(MIXED_MASK))
            cursor.execute(
                f"SELECT {counts} FROM {groups} g WHERE g.mixed NOT IN ({mixed}) AND "
                f"g.reference_id IN (SELECT COALESCE(h.reference_id, h.id) FROM {history} h "
                f"WHERE {where})",
                [
                    *(value for w in windows for value in (to_epoch(w.since), to_epoch(w.cut))),
                    *scope_params,
                    *range_params,
                ],
            )
            plays = cursor.fetchone()
    return {
        w.days: {
            "rows": totals[2 * index] or 0,
            "duration": totals[2 * index + 1] or 0,
            "plays": plays[index] or 0,
        }
        for index, w in enumerate(windows)
    }


def mixed_keys() -> list[int]:
    """The keys of the plays whose rows differ in user, server or section (a handful, read on
    their partial index)."""
    return list(HistoryGroup.objects.filter(mixed_q(MIXED_MASK)).values_list("pk", flat=True))


def mixed_rows(rows: Q, *fields: str, keys: list[int] | None = None) -> list[tuple]:
    """``(reference_id, user_id, stopped, *fields)`` of the History rows matching ``rows`` in
    the plays of :func:`mixed_keys` (``keys``, when the caller has read them already)."""
    keys = mixed_keys() if keys is None else keys
    if not keys:
        return []
    return list(
        History.objects.filter(rows, reference_id__in=keys)
        .values_list("reference_id", "user_id", "stopped", *fields)
        .order_by()
    )


def mixed_plays(rows: Q, windows, *, keys: list[int] | None = None) -> dict[int, int]:
    """``{days: plays}`` (all time under 0) of the mixed plays with a row matching ``rows`` in
    each window (:class:`Window`); ``keys`` as :func:`mixed_rows`."""
    found = mixed_rows(rows, keys=keys)
    result = {0: len({key for key, _, _ in found})}
    for w in windows:
        result[w.days] = len(
            {key for key, _, stopped in found if stopped is not None and stopped >= w.since}
        )
    return result


def add_to(totals: dict, key, values: dict) -> None:
    """Add ``values`` (counters) to ``totals[key]``, created with zeros if missing."""
    target = totals.setdefault(key, dict.fromkeys(COUNTERS, 0))
    for name, value in values.items():
        target[name] += value or 0
