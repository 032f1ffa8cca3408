"""The window and filters a statistic is computed over (:class:`StatsWindow`).

Every graph and home stat takes the same window; the /api/v2 and REST adapters build it from the
same parameters (:func:`stats.api_params.window_from_params`, the REST schemas), and so does the
admin dashboard, through :meth:`StatsWindow.build`:

* ``time_range``: the last N local calendar days, today included (default 30; for
  ``get_plays_per_month`` and library growth the last N months, current included, default 12).
  Tautulli filters ``stopped >= now − N·86400`` while drawing the last N dates, which leaves its
  first bar partial; here a window is whole local days, so every bar is a whole day and the
  numbers can come from the daily rollup.
* ``after`` / ``before`` (local dates, inclusive): a custom range. ``after`` alone runs to
  today; ``before`` alone covers ``time_range`` days ending that day.
* users (plex.tv user ids), library sections (section ids), a server (absent = all servers),
  ``grouping`` (default ``settings.GROUP_HISTORY_TABLES``), ``y_axis`` :class:`YAxis` (graphs).

Membership is by the local date a row **started** (the date its play is drawn at).
"""

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, TextChoices

from core import clock
from core.errors import InvalidInput
from core.limits import FIRST_DATE, LAST_DATE, MAX_DAYS, clamp_date  # noqa: F401 (re-exported)
from core.timeutils import local_day_end, local_day_start
from servers.models import Server

DEFAULT_DAYS = 30
DEFAULT_MONTHS = 12
# MAX_DAYS (a hundred years: anything longer is a typo) and the dates a window may cover,
# FIRST_DATE .. LAST_DATE (their local day bounds are valid epochs in every time zone), are
# core.limits'; re-exported here for the statistics' callers.


class YAxis(TextChoices):
    """What a graph counts: plays (a count) or duration (seconds)."""

    PLAYS = "plays"
    DURATION = "duration"


@dataclass(frozen=True)
class StatsWindow:
    """Local dates ``first_day``..``last_day`` (inclusive) and the filters of one request.

    ``user_ids``: plex.tv user ids and ``section_ids``: library section ids (empty: all);
    ``server_id``: a :class:`~servers.models.Server` pk (None: every server); ``grouping``:
    count plays (continuations of one play once) rather than history rows; ``y_axis``: what a
    graph sums (:class:`YAxis`; a plain ``"plays"``/``"duration"`` compares equal).
    """

    first_day: dt.date
    last_day: dt.date
    user_ids: tuple[int, ...] = ()
    section_ids: tuple[int, ...] = ()
    server_id: int | None = None
    grouping: bool = True
    y_axis: YAxis = YAxis.PLAYS

    # --- construction ------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        *,
        time_range: int | None = None,
        after: dt.date | None = None,
        before: dt.date | None = None,
        user_ids: Iterable[int] = (),
        section_ids: Iterable[int] = (),
        server: Server | int | None = None,
        grouping: bool | None = None,
        y_axis: YAxis | str = YAxis.PLAYS,
        default_days: int = DEFAULT_DAYS,
        months: bool = False,
    ) -> "StatsWindow":
        """The window of ``time_range`` days (``default_days`` when None) ending ``before``
        (default today), or from ``after`` (local dates, inclusive) to ``before``.

        ``months``: ``time_range`` (and ``default_days``) count months, the current one included,
        and the window starts on the first day of its first month (get_plays_per_month, library
        growth). ``server``: a Server, its pk, or None for every server. ``grouping`` None is
        ``settings.GROUP_HISTORY_TABLES``.

        Raises :class:`~core.errors.InvalidInput` for a bad range (see :meth:`day_range`) or an
        unknown ``y_axis``.
        """
        first_day, last_day = cls.day_range(
            time_range=time_range,
            after=after,
            before=before,
            default_days=default_days,
            months=months,
        )
        if y_axis not in YAxis.values:
            raise InvalidInput("Parameter y_axis must be plays or duration")
        return cls(
            first_day=first_day,
            last_day=last_day,
            user_ids=tuple(user_ids),
            section_ids=tuple(section_ids),
            server_id=server.pk if isinstance(server, Server) else server,
            grouping=settings.GROUP_HISTORY_TABLES if grouping is None else bool(grouping),
            y_axis=YAxis(y_axis),
        )

    @staticmethod
    def day_range(
        *,
        time_range: int | None = None,
        after: dt.date | None = None,
        before: dt.date | None = None,
        default_days: int = DEFAULT_DAYS,
        months: bool = False,
    ) -> tuple[dt.date, dt.date]:
        """``(first_day, last_day)`` of :meth:`build` (local dates, inclusive).

        The window stays within :data:`FIRST_DATE` .. :data:`LAST_DATE` (the dates whose day
        bounds are epochs, :mod:`core.limits`): a day outside is moved to the nearest end, so
        ``before=9999-12-31`` means "no upper bound", ``after=0001-01-01`` "from the start" and
        ``time_range`` days before 1970 start on the first date. A ``time_range`` longer than
        :data:`MAX_DAYS` counts :data:`MAX_DAYS`.

        Raises :class:`~core.errors.InvalidInput` when ``time_range`` is below 1, ``after`` is
        later than ``before``, or the range is :data:`MAX_DAYS` days or longer.
        """
        time_range = default_days if time_range is None else time_range
        if time_range < 1:
            raise InvalidInput("Parameter time_range must be at least 1")
        if after and before and after > before:
            raise InvalidInput("Parameter after must not be later than before")
        last_day = clamp_date(before or clock.today())
        if after:
            first_day = clamp_date(after)
        elif months:
            first_day = add_months(last_day.replace(day=1), -(min(time_range, MAX_DAYS // 28) - 1))
        else:
            first_day = last_day - dt.timedelta(days=min(time_range, MAX_DAYS) - 1)
        first_day = min(max(first_day, FIRST_DATE), last_day)
        if (last_day - first_day).days >= MAX_DAYS:
            raise InvalidInput(f"The range must be shorter than {MAX_DAYS} days")
        return first_day, last_day

    # --- derived -----------------------------------------------------------------------------

    def days(self) -> list[dt.date]:
        """Every local date of the window, oldest first."""
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + dt.timedelta(days=n) for n in range(count)]

    def months(self) -> list[dt.date]:
        """The first day of every month the window touches, oldest first."""
        month, result = self.first_day.replace(day=1), []
        while month <= self.last_day:
            result.append(month)
            month = add_months(month, 1)
        return result

    @property
    def start(self) -> dt.datetime:
        """The window's first instant (aware; local midnight of ``first_day``)."""
        return local_day_start(self.first_day)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the window (exclusive)."""
        return local_day_end(self.last_day)

    def whole_months(self) -> list[dt.date]:
        """The first days of the months whose history lies entirely inside the window: months
        inside it, and the current month when the window runs to today (history has no
        future days, so its month rows hold exactly the days up to today)."""
        today = clock.today()
        return [
            month
            for month in self.months()
            if month >= self.first_day
            and (
                add_months(month, 1) - dt.timedelta(days=1) <= self.last_day
                or self.last_day >= today
            )
        ]

    @property
    def all_user_months(self) -> str:
        """The ``months`` of :meth:`rollup_q` for a table with all-user month rows (DailyItems,
        DailyStreams): ``"t"`` (all users) without a user filter, else ``"m"`` (per user)."""
        return "m" if self.user_ids else "t"

    def rollup_q(self, *, months: str | None = None) -> Q:
        """Filter of a rollup table (:mod:`stats.models`) to the window and filters.

        Day rows only by default. ``months`` (``"m"``, or ``"t"`` for the all-user rows of
        DailyItems and DailyStreams, which only serve requests without a user filter: see
        :attr:`all_user_months`) reads the window's whole months from their month rows and only
        the remaining days from day rows.
        """
        whole = self.whole_months() if months else []
        if whole:
            # Whole months are contiguous: day rows before and after them, each its own index
            # range (a range over the whole window that then excludes the months would read
            # every day row of the window).
            after = add_months(whole[-1], 1)
            q = Q(period=months, date__gte=whole[0], date__lte=whole[-1])
            if self.first_day < whole[0]:
                q |= Q(period="d", date__gte=self.first_day, date__lt=whole[0])
            if after <= self.last_day:
                q |= Q(period="d", date__gte=after, date__lte=self.last_day)
        else:
            q = Q(period="d", date__gte=self.first_day, date__lte=self.last_day)
        if self.user_ids:
            q &= Q(user_id__in=self.user_ids)
        if self.section_ids:
            q &= Q(section_id__in=self.section_ids)
        if self.server_id is not None:
            q &= Q(server_id=self.server_id)
        return q

    def history_q(self, prefix: str = "") -> Q:
        """Filter of History rows (through ``prefix``, e.g. ``"history__"``): started in the
        window, and the filters."""
        q = Q(**{f"{prefix}started__gte": self.start, f"{prefix}started__lt": self.end})
        return q & self.history_filters_q(prefix)

    def history_filters_q(self, prefix: str = "") -> Q:
        """Filter of History rows to the window's users, sections and server (no dates)."""
        q = Q()
        if self.user_ids:
            q &= Q(**{f"{prefix}user_id__in": self.user_ids})
        if self.section_ids:
            q &= Q(**{f"{prefix}section_id__in": self.section_ids})
        if self.server_id is not None:
            q &= Q(**{f"{prefix}server_id": self.server_id})
        return q

    @property
    def count_field(self) -> str:
        """The rollup counter of plays: ``plays`` (grouped day-plays) or ``rows``."""
        return "plays" if self.grouping else "rows"

    @property
    def window_count_field(self) -> str:
        """The counter of window-level statistics: plays begun in the window, or rows."""
        return "first_plays" if self.grouping else "rows"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months (day clamped to the month's length)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(
        year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1])
    )


MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_label(month: dt.date) -> str:
    """A graph's month category, ``"Mon YYYY"`` (English, as Tautulli's ``%b %Y``)."""
    return f"{MONTH_ABBR[month.month - 1]} {month.year}"
