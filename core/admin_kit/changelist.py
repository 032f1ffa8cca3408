"""The changelist of a big table: the paginator's rows reused, and a ``date_hierarchy`` made of
index seeks (:class:`BigTableChangeList`) instead of Django's ``SELECT DISTINCT`` over every row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Subquery
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from unfold.views import ChangeList

from core.timeutils import local_day_end, local_day_start


class BigTableChangeList(ChangeList):
    """A changelist for millions of rows: reuses the paginator's rows, and its ``date_hierarchy``
    links cost a few index seeks, not a table scan.

    Django's ``{% date_hierarchy %}`` runs ``MIN()/MAX()`` and ``SELECT DISTINCT
    trunc(field)`` over every matching row (on SQLite a Python function call per row): seconds on
    a million rows. Here every candidate bucket (year, month or day in the current time zone) is
    tested with one index seek (``ORDER BY field LIMIT 1`` over a half-open range), and all of a
    level's buckets are tested in ONE query: at most two queries per page, and none when the
    whole filtered result is already known (a small search result). The drill-down's own range is
    kept out of those subqueries (two ranges on one column make SQLite scan the wider one).

    Use with a template that renders ``cl.seek_date_hierarchy`` through
    ``admin/date_hierarchy.html`` (``templates/admin/seek_date_hierarchy/change_list.html``).
    The filtering itself is Django's (``field__year``/``__month``/``__day`` parameters, which
    Django turns into a ``__gte``/``__lt`` range on the field).
    """

    max_years = 50

    # --- rows ---------------------------------------------------------------------------------

    def get_results(self, request):
        super().get_results(request)
        rows = getattr(self.paginator, "first_page_rows", None)
        if rows is not None:
            # The paginator already fetched the whole (small) result: do not query it again.
            self.result_list = rows

    @property
    def known_rows(self) -> list | None:
        """Every row of the filtered list when the paginator already has them all, else None."""
        paginator = getattr(self, "paginator", None)
        return getattr(paginator, "first_page_rows", None)

    # --- the drill-down range is applied last, and kept apart ---------------------------------

    def get_filters(self, request):
        specs, has_filters, lookup_params, may_have_duplicates, has_active = super().get_filters(
            request
        )
        self.date_hierarchy_range = {}
        if self.date_hierarchy:
            for lookup in ("gte", "lt"):
                key = f"{self.date_hierarchy}__{lookup}"
                if key in lookup_params:
                    value = lookup_params.pop(key)
                    self.date_hierarchy_range[key] = value[-1] if isinstance(value, list) else value
        return specs, has_filters, lookup_params, may_have_duplicates, has_active

    def get_queryset(self, request, exclude_parameters=None):
        """Django's queryset, then the drill-down range. A value that is not a date (typed in the
        URL: ``?started__gte=garbage``) raises ``IncorrectLookupParameters``, which the admin
        answers, as for Django's own lookups, with a redirect to ``?e=1``."""
        queryset = super().get_queryset(request, exclude_parameters)
        self.hierarchy_base_queryset = queryset
        if getattr(self, "date_hierarchy_range", None):
            try:
                queryset = queryset.filter(**self.date_hierarchy_range)
            except (ValidationError, ValueError, TypeError) as exc:
                raise IncorrectLookupParameters(exc) from exc
        return queryset

    # --- the drill-down links -----------------------------------------------------------------

    def _bucket_flags(self, buckets: list[tuple[dt.datetime, dt.datetime]]) -> list[bool]:
        """For each half-open ``[start, end)`` bucket, whether a matching row exists (one query)."""
        if not buckets:
            return []
        field = self.date_hierarchy
        if self.known_rows is not None:
            values = [getattr(row, field) for row in self.known_rows]
            return [any(v is not None and s <= v < e for v in values) for s, e in buckets]
        # "(SELECT field … ORDER BY field LIMIT 1)" rather than EXISTS: the ORDER BY makes
        # PostgreSQL walk the index; for an EXISTS it may pick a sequential scan "to find one row
        # fast", which reads most of a time-ordered table before reaching a late month.
        base = self.hierarchy_base_queryset
        flags = {
            f"b{i}": Subquery(
                base.filter(**{f"{field}__gte": start, f"{field}__lt": end})
                .order_by(field)
                .values(field)[:1]
            )
            for i, (start, end) in enumerate(buckets)
        }
        row = self.model._default_manager.order_by().annotate(**flags).values(*flags).first()
        return [row[f"b{i}"] is not None for i in range(len(buckets))] if row else []

    def _first_last(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """Earliest and latest value of the field in the filtered list (two index seeks)."""
        field = self.date_hierarchy
        if self.known_rows is not None:
            values = [getattr(r, field) for r in self.known_rows if getattr(r, field) is not None]
            first, last = (min(values), max(values)) if values else (None, None)
        else:
            base = self.hierarchy_base_queryset.exclude(**{f"{field}__isnull": True})
            row = (
                self.model._default_manager.order_by()
                .annotate(
                    first=Subquery(base.order_by(field).values(field)[:1]),
                    last=Subquery(base.order_by(f"-{field}").values(field)[:1]),
                )
                .values("first", "last")
                .first()
            )
            first, last = (row["first"], row["last"]) if row else (None, None)
        if first is None:
            return None, None
        if timezone.is_aware(first):
            first, last = timezone.localtime(first), timezone.localtime(last)
        return first, last

    @cached_property
    def seek_date_hierarchy(self) -> dict[str, Any]:
        """The context of Django's ``admin/date_hierarchy.html``: ``{show, back, choices}``."""
        field_name = self.date_hierarchy
        field = get_fields_from_path(self.model, field_name)[-1]
        if not isinstance(field, models.DateTimeField):
            raise TypeError("BigTableChangeList supports DateTimeFields only")
        year_field, month_field, day_field = (
            f"{field_name}__year",
            f"{field_name}__month",
            f"{field_name}__day",
        )
        year, month, day = (
            _int_param(self.params.get(year_field)),
            _int_param(self.params.get(month_field)),
            _int_param(self.params.get(day_field)),
        )

        def link(filters):
            return self.get_query_string(filters, [f"{field_name}__"])

        first = last = None
        if not (year or month or day):
            first, last = self._first_last()
            if first is None:
                return {"show": False}
            if first.year == last.year:
                year = first.year
                if first.month == last.month:
                    month = first.month

        if year and month and day:
            the_day = dt.date(year, month, day)
            return {
                "show": True,
                "back": {
                    "link": link({year_field: year, month_field: month}),
                    "title": capfirst(formats.date_format(the_day, "YEAR_MONTH_FORMAT")),
                },
                "choices": [{"title": capfirst(formats.date_format(the_day, "MONTH_DAY_FORMAT"))}],
            }
        if year and month:
            start = dt.date(year, month, 1)
            days = [
                start + dt.timedelta(days=i)
                for i in range(31)
                if (start + dt.timedelta(days=i)).month == month
            ]
            flags = self._bucket_flags([(local_day_start(d), local_day_end(d)) for d in days])
            return {
                "show": True,
                "back": {"link": link({year_field: year}), "title": str(year)},
                "choices": [
                    {
                        "link": link({year_field: year, month_field: month, day_field: d.day}),
                        "title": capfirst(formats.date_format(d, "MONTH_DAY_FORMAT")),
                    }
                    for d, present in zip(days, flags, strict=False)
                    if present
                ],
            }
        if year:
            months = [dt.date(year, m, 1) for m in range(1, 13)]
            flags = self._bucket_flags(
                [(local_day_start(m), local_day_start(_next_month(m))) for m in months]
            )
            return {
                "show": True,
                "back": {"link": link({}), "title": _("All dates")},
                "choices": [
                    {
                        "link": link({year_field: year, month_field: m.month}),
                        "title": capfirst(formats.date_format(m, "YEAR_MONTH_FORMAT")),
                    }
                    for m, present in zip(months, flags, strict=False)
                    if present
                ],
            }
        years = list(range(first.year, last.year + 1))[-self.max_years :]
        flags = self._bucket_flags(
            [
                (local_day_start(dt.date(y, 1, 1)), local_day_start(dt.date(y + 1, 1, 1)))
                for y in years
            ]
        )
        return {
            "show": True,
            "back": None,
            "choices": [
                {"link": link({year_field: str(y)}), "title": str(y)}
                for y, present in zip(years, flags, strict=False)
                if present
            ],
        }


def _int_param(value) -> int | None:
    if isinstance(value, list):
        value = value[-1] if value else None
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
