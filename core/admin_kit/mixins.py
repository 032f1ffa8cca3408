"""ModelAdmin mixins: big tables (:class:`BigTableAdminMixin`) and read-only records
(:class:`ReadOnlyAdminMixin`)."""

from __future__ import annotations

from django.contrib.admin import ShowFacets
from django.contrib.admin.views.main import PAGE_VAR

from .changelist import BigTableChangeList
from .pagination import EstimatedCountPaginator


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


class ReadOnlyAdminMixin:
    """View-only admin (logs, imported records): no add, no change, no delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
