"""get_history's filters, and their translation to each source of rows.

Tautulli applies every filter to history *rows* before grouping them (its ``custom_where``, and
the same columns on the ``sessions`` table for live activity). :class:`HistoryFilters` holds the
typed values (the /api/v2 adapter, :mod:`history.apiv2.history_table`, parses the parameters;
:meth:`HistoryFilters.build` turns local dates into time intervals) and builds:

* :meth:`~HistoryFilters.rows_q` — a ``Q`` on :class:`~history.models.History` rows (exact);
* :meth:`~HistoryFilters.groups_q` — a ``Q`` on :class:`~history.models.HistoryGroup` that is exact
  for the groups whose filtered columns are the same on all rows (see :meth:`mixed_mask`) and that
  lie wholly inside the date range;
* :meth:`~HistoryFilters.straddle_q` — the groups cut by a date boundary;
* :meth:`~HistoryFilters.sessions_q` — a ``Q`` on :class:`~servers.models.Session` (live activity).

Dates are the server's local calendar days (settings.TIME_ZONE, reference 1.2): a day ``D`` is the
half-open range of epoch seconds ``[local midnight of D, local midnight of D+1)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Case, F, Q, TextField, Value, When

from core.timeutils import from_epoch, local_day_end, local_day_start, to_epoch
from servers.models import Server

from ..models import HistoryGroup
from ..stats import rating_key_q

# An interval of epoch seconds [start, end); None is unbounded.
Interval = tuple[int | None, int | None]


@dataclass
class HistoryFilters:
    """The row filters of one get_history request (every list is OR-ed, the fields AND-ed)."""

    user_ids: list[int] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    rating_keys: list[int] = field(default_factory=list)
    parent_rating_keys: list[int] = field(default_factory=list)
    grandparent_rating_keys: list[int] = field(default_factory=list)
    section_ids: list[int] = field(default_factory=list)
    media_types: list[str] = field(default_factory=list)
    transcode_decisions: list[str] = field(default_factory=list)
    guids: list[str] = field(default_factory=list)
    reference_ids: list[int] = field(default_factory=list)
    server_id: int | None = None
    # started must fall in one of these; None = no date filter, [] = nothing can match.
    intervals: list[Interval] | None = None
    # media_type=collection/playlist with rating_key: the item's children (any key level).
    child_rating_keys: list[int] | None = None

    @classmethod
    def build(
        cls,
        *,
        user_ids: Iterable[int] = (),
        users: Iterable[str] = (),
        rating_keys: Iterable[int] = (),
        parent_rating_keys: Iterable[int] = (),
        grandparent_rating_keys: Iterable[int] = (),
        section_ids: Iterable[int] = (),
        media_types: Iterable[str] = (),
        transcode_decisions: Iterable[str] = (),
        guids: Iterable[str] = (),
        reference_ids: Iterable[int] = (),
        server: Server | None = None,
        start_dates: Iterable[dt.date] = (),
        before: dt.date | None = None,
        after: dt.date | None = None,
    ) -> HistoryFilters:
        """The filters of typed values; each iterable is OR-ed (empty: no filter on it).

        ``users``: Tautulli's ``user`` (the username at play time); ``media_types``: movie,
        episode, track, live...; ``guids``: case-insensitive prefixes; ``reference_ids``: plays
        (group keys). Dates are local (``settings.TIME_ZONE``): rows started on one of
        ``start_dates``, on or before ``before``, on or after ``after`` (inclusive, AND-ed).
        """
        return cls(
            user_ids=list(user_ids),
            users=list(users),
            rating_keys=list(rating_keys),
            parent_rating_keys=list(parent_rating_keys),
            grandparent_rating_keys=list(grandparent_rating_keys),
            section_ids=list(section_ids),
            media_types=list(media_types),
            transcode_decisions=list(transcode_decisions),
            guids=list(guids),
            reference_ids=list(reference_ids),
            server_id=server.pk if server is not None else None,
            intervals=_date_intervals(list(start_dates), before, after),
        )

    # --- what the request filters on ------------------------------------------------------------

    def is_empty(self) -> bool:
        return not (
            self.user_ids
            or self.users
            or self.rating_keys
            or self.parent_rating_keys
            or self.grandparent_rating_keys
            or self.section_ids
            or self.media_types
            or self.transcode_decisions
            or self.guids
            or self.reference_ids
            or self.server_id is not None
            or self.intervals is not None
            or self.child_rating_keys is not None
        )

    def only_user_ids(self) -> bool:
        """Whether ``user_id`` is the only filter (answered from per-user totals)."""
        return bool(self.user_ids) and HistoryFilters(user_ids=self.user_ids) == self

    def mixed_mask(self) -> int:
        """The HistoryGroup.MIXED_* bits of the columns this request filters on."""
        mask = 0
        if self.user_ids or self.users:
            mask |= HistoryGroup.MIXED_USER
        if (
            self.rating_keys
            or self.parent_rating_keys
            or self.grandparent_rating_keys
            or self.section_ids
            or self.media_types
            or self.guids
            or self.server_id is not None
        ):
            mask |= HistoryGroup.MIXED_ITEM
        if self.transcode_decisions:
            mask |= HistoryGroup.MIXED_DECISION
        return mask

    def groups_answerable(self) -> bool:
        """Whether the groups table can answer (collection children need the rows' metadata)."""
        return self.child_rating_keys is None

    # --- the filters every source applies ---------------------------------------------------------

    def _columns_q(self, *, username: str, media_type, transcode_decision: str, guid: str) -> Q:
        """The filters every source applies alike, given its column names: ``username`` (the
        ``user`` filter), ``media_type`` (a function from the media types to a Q),
        ``transcode_decision`` and ``guid`` (matched as a case-insensitive prefix)."""
        q = Q()
        if self.user_ids:
            q &= Q(user_id__in=self.user_ids)
        if self.users:
            q &= Q(**{f"{username}__in": self.users})
        if self.rating_keys:
            q &= Q(rating_key__in=self.rating_keys)
        if self.parent_rating_keys:
            q &= Q(parent_rating_key__in=self.parent_rating_keys)
        if self.grandparent_rating_keys:
            q &= Q(grandparent_rating_key__in=self.grandparent_rating_keys)
        if self.section_ids:
            q &= Q(section_id__in=self.section_ids)
        if self.server_id is not None:
            q &= Q(server_id=self.server_id)
        if self.media_types:
            q &= media_type(self.media_types)
        if self.transcode_decisions:
            q &= Q(**{f"{transcode_decision}__in": self.transcode_decisions})
        if self.guids:
            q &= _any(Q(**{f"{guid}__istartswith": value}) for value in self.guids)
        return q

    # --- History rows -----------------------------------------------------------------------------

    def rows_q(self) -> Q:
        """The filters on History rows (Tautulli's custom_where, exact)."""
        q = self._columns_q(
            username="username",
            media_type=lambda types: _media_type_q(
                types, live="metadata__live", media_type="media_type"
            ),
            transcode_decision="media_info__transcode_decision",
            guid="metadata__guid",
        )
        if self.reference_ids:
            q &= Q(reference_id__in=self.reference_ids) | Q(
                reference_id__isnull=True, id__in=self.reference_ids
            )
        if self.intervals is not None:
            q &= _interval_q(self.intervals, "started", to_value=from_epoch)
        if self.child_rating_keys is not None:
            q &= rating_key_q(self.child_rating_keys, prefix="metadata__")
        return q

    # --- HistoryGroup -----------------------------------------------------------------------------

    def groups_q(self) -> Q:
        """The filters on HistoryGroup, exact for groups uniform in the filtered columns.

        A group passes a date range only when all its rows do: its [started, date] span lies in
        one interval. Groups cut by a boundary are :meth:`straddle_q`'s.
        """
        q = self._columns_q(
            username="username",
            media_type=lambda types: Q(media_type__in=types),
            transcode_decision="transcode_decision",
            guid="guid",
        )
        if self.reference_ids:
            q &= Q(reference_id__in=self.reference_ids)
        if self.intervals is not None:
            q &= _any(_contained_q(start, end) for start, end in self.intervals)
        return q

    def straddle_q(self) -> Q | None:
        """Groups with rows on both sides of a date boundary (None without a date filter)."""
        if not self.intervals:
            return None
        boundaries = sorted({p for interval in self.intervals for p in interval if p is not None})
        if not boundaries:
            return None
        return _any(Q(started__lt=p, date__gte=p) for p in boundaries)

    # --- live sessions ----------------------------------------------------------------------------

    def sessions_q(self) -> Q:
        """The same filters on the sessions table (Tautulli's custom_where_union).

        ``reference_id`` matches no session (sessions have no group yet).
        """
        if self.reference_ids:
            return Q(pk__in=[])
        q = self._columns_q(
            username="user",
            media_type=lambda types: Q(media_type_live__in=types),
            transcode_decision="transcode_decision",
            guid="guid",
        )
        if self.intervals is not None:
            q &= _interval_q(self.intervals, "started", to_value=lambda epoch: epoch)
        if self.child_rating_keys is not None:
            q &= rating_key_q(self.child_rating_keys)
        return q


def session_media_type_live():
    """Tautulli's ``media_type_live`` on the sessions table: 'live' for live TV, else media_type."""
    return Case(When(live=1, then=Value("live")), default=F("media_type"), output_field=TextField())


# --- helpers ----------------------------------------------------------------------------------------


def _any(qs) -> Q:
    qs = list(qs)
    return reduce(or_, qs) if qs else Q(pk__in=[])


def _media_type_q(media_types: list[str], *, live: str, media_type: str) -> Q:
    """``CASE WHEN live THEN 'live' ELSE media_type END IN media_types`` as a Q."""
    others = [value for value in media_types if value != "live"]
    q = Q(pk__in=[])
    if "live" in media_types:
        q |= Q(**{live: True})
    if others:
        q |= Q(**{f"{media_type}__in": others}) & ~Q(**{live: True})
    return q


def _interval_q(intervals: list[Interval], column: str, *, to_value) -> Q:
    parts = []
    for start, end in intervals:
        part = Q()
        if start is not None:
            part &= Q(**{f"{column}__gte": to_value(start)})
        if end is not None:
            part &= Q(**{f"{column}__lt": to_value(end)})
        if start is None and end is None:
            part &= Q(**{f"{column}__isnull": False})
        parts.append(part)
    return _any(parts)


def _contained_q(start: int | None, end: int | None) -> Q:
    q = Q()
    if start is not None:
        q &= Q(started__gte=start)
    if end is not None:
        q &= Q(date__lt=end)
    return q


def _day(day: dt.date) -> Interval:
    return to_epoch(local_day_start(day)), to_epoch(local_day_end(day))


def _date_intervals(
    start_dates: list[dt.date], before: dt.date | None, after: dt.date | None
) -> list[Interval] | None:
    """started ranges for ``start_date`` (any of the days) AND ``before`` AND ``after``.

    ``before=D`` keeps rows started on or before local day D, ``after=D`` on or after it (both
    inclusive, reference 9). None without any date.
    """
    if not (start_dates or before or after):
        return None
    intervals: list[Interval] = (
        _merge([_day(day) for day in sorted(set(start_dates))]) if start_dates else [(None, None)]
    )
    if before:
        intervals = _intersect(intervals, (None, _day(before)[1]))
    if after:
        intervals = _intersect(intervals, (_day(after)[0], None))
    return intervals


def _merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, non-overlapping, non-adjacent union of bounded intervals."""
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _intersect(intervals: list[Interval], bound: Interval) -> list[Interval]:
    low, high = bound
    result = []
    for start, end in intervals:
        if low is not None:
            start = low if start is None else max(start, low)
        if high is not None:
            end = high if end is None else min(end, high)
        if start is None or end is None or start < end:
            result.append((start, end))
    return result
