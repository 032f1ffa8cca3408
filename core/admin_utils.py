"""Shared pieces of the admin: cheap counting and date drill-down for big tables, secret masking,
write-only secrets, and small display helpers.

Big tables (history has millions of rows) must never be counted or scanned whole to render one
page of 25-100 rows:

* :class:`EstimatedCountPaginator` replaces ``COUNT(*)`` by a catalogue estimate when the list is
  unfiltered, and by a count capped at :attr:`~EstimatedCountPaginator.filtered_cap` when it is
  filtered.
* :class:`BigTableChangeList` computes the ``date_hierarchy`` links with index seeks
  (one per year/month/day bucket) instead of Django's ``SELECT DISTINCT`` over every row,
  and shows a small filtered result from the rows the paginator already fetched.
* :class:`BigTableAdminMixin` puts these together for a ModelAdmin.

Secrets (notifier and newsletter configs, server tokens) are never rendered:

* :func:`mask_secrets` / :func:`restore_masked` and :class:`MaskedSecretsJSONField` show a JSON
  config with secret values replaced by :data:`MASK`, and put the stored values back on save.
* :class:`WriteOnlySecretsFormMixin` turns fields into password inputs that never render their
  value; leaving them blank keeps what is stored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.admin import ShowFacets
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import PAGE_VAR
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import Subquery
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.utils import parse_date_str
from unfold.views import ChangeList
from unfold.widgets import UnfoldAdminPasswordWidget, UnfoldAdminTextareaWidget

from core.timeutils import local_day_end, local_day_start

# --- Counting without COUNT(*) ----------------------------------------------------------------


def estimate_table_rows(model: type[models.Model], using: str = "default") -> int | None:
    """A cheap estimate of the number of rows of ``model``'s table, or None when none is known.

    * PostgreSQL: ``reltuples / relpages`` (from the last ANALYZE/autovacuum) times the table's
      current size in pages, as the planner estimates; None before the first ANALYZE.
    * SQLite: ``MAX(pk)`` for an integer primary key (one B-tree seek; deleted rows make it an
      over-estimate).
    * Anything else: None (the caller counts exactly).
    """
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The planner's own estimate: rows per page at the last ANALYZE x pages now.
            cursor.execute(
                "SELECT reltuples, relpages,"
                " pg_relation_size(oid) / current_setting('block_size')::int"
                " FROM pg_class WHERE oid = to_regclass(%s)",
                [model._meta.db_table],
            )
            row = cursor.fetchone()
            if not row or row[0] is None or row[0] < 0 or not row[1]:
                return None
            reltuples, relpages, pages_now = row
            return int(reltuples / relpages * pages_now)
        if connection.vendor == "sqlite" and isinstance(
            model._meta.pk, models.AutoField | models.BigAutoField | models.IntegerField
        ):
            pk = connection.ops.quote_name(model._meta.pk.column)
            cursor.execute(f"SELECT MAX({pk}) FROM {table}")  # noqa: S608 (quoted identifiers)
            row = cursor.fetchone()
            return int(row[0] or 0)
    return None


class EstimatedCountPaginator(Paginator):
    """A paginator that never runs an unbounded ``COUNT(*)`` over a big table.

    ``count`` is:

    * unfiltered queryset (no WHERE): :func:`estimate_table_rows`; when the estimate is below
      :attr:`exact_below` (or unknown) the exact ``COUNT(*)`` is cheap and is used instead;
    * filtered queryset, first page: the page's rows plus one are fetched first (and reused as
      page 1); when they are all there is (the usual case for a search), they are the count and
      no count query runs at all (:attr:`first_page_rows`);
    * otherwise ``COUNT(*)`` over at most ``filtered_cap + 1`` rows
      (``SELECT COUNT(*) FROM (SELECT ... LIMIT cap+1)``), so the database stops at the cap.

    :attr:`is_estimate` / :attr:`is_capped` tell the template to print "about N" / "more than N".
    Pages past an over-estimate are empty; pages past the cap are refused (the admin then shows
    its "invalid page" redirect) — narrow the filters to go deeper.
    Use with ``show_full_result_count = False`` so the changelist does not count the table again.
    """

    template_name = "admin/estimated_count_pagination.html"
    exact_below = 20_000
    filtered_cap = 10_000

    def __init__(
        self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, first_page=False
    ):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.first_page = first_page
        self.is_estimate = False
        self.is_capped = False
        self.first_page_rows: list | None = None  # the whole result, when it fits on page 1
        self._page_one_rows: list | None = None

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, models.QuerySet):
            return super().count
        query = queryset.query
        unfiltered = (
            not query.where
            and not query.distinct
            and not query.combinator
            and not query.is_sliced
            and query.group_by is None
        )
        if unfiltered:
            estimate = estimate_table_rows(queryset.model, queryset.db)
            if estimate is not None and estimate >= self.exact_below:
                self.is_estimate = True
                return estimate
            return queryset.count()
        if self.first_page:
            rows = list(queryset[: self.per_page + 1])
            self._page_one_rows = rows[: self.per_page]
            if len(rows) <= self.per_page:
                self.first_page_rows = rows
                return len(rows)
        bounded = queryset.order_by().values("pk")[: self.filtered_cap + 1].count()
        if bounded > self.filtered_cap:
            self.is_capped = True
            return self.filtered_cap
        return bounded

    def page(self, number):
        """Page 1 comes from the rows fetched while counting, when there are any."""
        if self._page_one_rows is not None and self.validate_number(number) == 1:
            return self._get_page(self._page_one_rows, 1, self)
        return super().page(number)


# --- the changelist of a big table ------------------------------------------------------------


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
        queryset = super().get_queryset(request, exclude_parameters)
        self.hierarchy_base_queryset = queryset
        if getattr(self, "date_hierarchy_range", None):
            queryset = queryset.filter(**self.date_hierarchy_range)
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


# --- filters ----------------------------------------------------------------------------------


class LocalDateRangeFilter(RangeDateFilter):
    """unfold's date range filter for a DateTimeField, by whole local days.

    ``from`` and ``to`` are dates in the server's time zone (settings.TIME_ZONE) and both are
    included: the filter is ``field >= start of from`` and ``field < start of the day after to``
    (half-open, so the index on the field is used and the last day is not cut at midnight).
    """

    def queryset(self, request, queryset):
        filters = {}
        value_from = self.used_parameters.get(f"{self.parameter_name}_from")
        value_to = self.used_parameters.get(f"{self.parameter_name}_to")
        try:
            if isinstance(value_from, str) and value_from:
                filters[f"{self.field_path}__gte"] = local_day_start(parse_date_str(value_from))
            if isinstance(value_to, str) and value_to:
                filters[f"{self.field_path}__lt"] = local_day_end(parse_date_str(value_to))
        except (TypeError, ValueError):
            return None
        return queryset.filter(**filters)


# --- display helpers --------------------------------------------------------------------------


def humanize_seconds(seconds: int | None) -> str:
    """A duration in seconds as ``"1h 05m"``, ``"42m 07s"`` or ``"9s"`` ("" for None)."""
    if seconds is None:
        return ""
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def mask_tail(value: str | None, keep: int = 4) -> str:
    """``"abcdef0123"`` → ``"******0123"``: enough to recognise a key, not to use it."""
    if not value:
        return ""
    return MASK + value[-keep:] if len(value) > keep * 2 else MASK


# --- secret masking ---------------------------------------------------------------------------

MASK = "********"
SECRET_KEY_PARTS = ("token", "password", "passwd", "key", "secret", "webhook", "url", "hook")


def is_secret_key(key: str) -> bool:
    """Whether a config key names a secret: it contains one of :data:`SECRET_KEY_PARTS`."""
    lowered = str(key).lower()
    return any(part in lowered for part in SECRET_KEY_PARTS)


def _is_maskable(value) -> bool:
    return value not in (None, "") and not isinstance(value, bool | dict | list)


def mask_secrets(value):
    """A copy of a JSON value with every non-empty scalar under a secret key replaced by MASK.

    Nested dicts and lists are walked; empty values stay visible, so an admin can see what is
    unset. ``{"discord_webhook": "https://…", "color": 1}`` → ``{"discord_webhook": "********",
    "color": 1}``.
    """
    if isinstance(value, dict):
        return {
            k: MASK if is_secret_key(k) and _is_maskable(v) else mask_secrets(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value


def restore_masked(new, old):
    """``new`` with every :data:`MASK` value replaced by the value at the same place in ``old``.

    This is the save side of :func:`mask_secrets`: an admin who leaves a masked value untouched
    keeps the stored secret; typing a new value replaces it. A MASK with nothing stored at its
    place becomes "".
    """
    if isinstance(new, dict):
        old = old if isinstance(old, dict) else {}
        return {
            k: (old.get(k, "") if v == MASK else restore_masked(v, old.get(k)))
            for k, v in new.items()
        }
    if isinstance(new, list):
        old = old if isinstance(old, list) else []
        return [restore_masked(v, old[i] if i < len(old) else None) for i, v in enumerate(new)]
    if new == MASK:
        return old if old is not None else ""
    return new


class MaskedSecretsJSONField(forms.JSONField):
    """A JSON form field that renders secret values masked (see :func:`mask_secrets`).

    The stored values are put back by :class:`MaskedSecretsFormMixin` on clean.
    """

    widget = UnfoldAdminTextareaWidget

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(mask_secrets(value), indent=2, ensure_ascii=False, cls=self.encoder)

    def has_changed(self, initial, data):
        try:
            data = restore_masked(self.to_python(data), initial)
        except forms.ValidationError:
            return True
        return json.dumps(initial, sort_keys=True, cls=self.encoder) != json.dumps(
            data, sort_keys=True, cls=self.encoder
        )


class MaskedSecretsFormMixin:
    """A ModelForm mixin: fields named in ``Meta.masked_json_fields`` (or all
    :class:`MaskedSecretsJSONField` fields) get their masked values restored from the instance."""

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, MaskedSecretsJSONField) and name in cleaned:
                stored = getattr(self.instance, name, None) if self.instance.pk else None
                cleaned[name] = restore_masked(cleaned[name], stored)
        return cleaned


class WriteOnlySecretsFormMixin:
    """A ModelForm mixin for write-only secrets (``write_only_fields`` on the form class).

    Each field is a password input that never renders a value (``render_value=False``). On an
    existing object a blank input keeps the stored value; typing replaces it. The help text says
    whether a value is stored, without showing it.
    """

    write_only_fields: Iterable[str] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.write_only_fields:
            if name not in self.fields:
                continue
            field = self.fields[name]
            field.required = False
            field.widget = UnfoldAdminPasswordWidget(render_value=False)
            field.initial = ""
            stored = getattr(self.instance, name, "") if self.instance.pk else ""
            field.help_text = (
                _("A value is stored. Leave blank to keep it; type a new one to replace it.")
                if stored
                else _("No value stored.")
            )

    def clean(self):
        cleaned = super().clean()
        for name in self.write_only_fields:
            if name in cleaned and not cleaned[name] and self.instance.pk:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


# --- admin mixins -----------------------------------------------------------------------------


class BigTableAdminMixin:
    """For a ModelAdmin over a table with millions of rows (history, notify log).

    No exact ``COUNT(*)`` (:class:`EstimatedCountPaginator`, ``show_full_result_count = False``,
    no facet counts), a ``date_hierarchy`` made of index seeks (:class:`BigTableChangeList`) and no
    "select all N rows" across pages (actions apply to the rows on the page).
    """

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = ShowFacets.NEVER  # facet counts would COUNT every filter choice over the table
    list_disable_select_all = True
    change_list_template = "admin/seek_date_hierarchy/change_list.html"

    def get_changelist(self, request, **kwargs):
        return BigTableChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        """The paginator is told whether the first page is asked for (it may then skip counting)."""
        return self.paginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            first_page=request.GET.get(PAGE_VAR, "1") in ("1", ""),
        )


# --- permissions ------------------------------------------------------------------------------


class ReadOnlyAdminMixin:
    """View-only admin (logs, imported records): no add, no change, no delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


__all__ = [
    "MASK",
    "BigTableAdminMixin",
    "EstimatedCountPaginator",
    "LocalDateRangeFilter",
    "MaskedSecretsFormMixin",
    "MaskedSecretsJSONField",
    "ReadOnlyAdminMixin",
    "BigTableChangeList",
    "WriteOnlySecretsFormMixin",
    "estimate_table_rows",
    "humanize_seconds",
    "is_secret_key",
    "mask_secrets",
    "mask_tail",
    "restore_masked",
]
