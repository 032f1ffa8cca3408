"""Counting without ``COUNT(*)``: the paginator of big tables.

Big tables (history has millions of rows) must never be counted or scanned whole to render one
page of 25-100 rows: :class:`EstimatedCountPaginator` replaces ``COUNT(*)`` by a catalogue
estimate (:func:`estimate_table_rows`) when the list is unfiltered, and by a count capped at
:attr:`~EstimatedCountPaginator.filtered_cap` when it is filtered.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections, models
from django.utils.functional import cached_property


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
