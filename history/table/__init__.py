"""The history table behind get_history (reference 1.3): filters, grouping, order, paging, rows.

:func:`history_table` answers one request. With grouping (the default) plays come from
:class:`~history.models.HistoryGroup` (:class:`.sources.GroupSource`), except the few plays that a
filter cuts in two, which are computed from their rows (:class:`.sources.RowSource`); live
sessions are merged in when ``include_activity`` (:class:`.sources.SessionSource`). Sorting,
paging and counting happen in SQL; only the page's rows are fetched and serialised.

Tautulli quirks kept on purpose (reference 9): ``recordsTotal`` counts every history row,
ungrouped and unfiltered; ``total_duration`` sums the rows that pass the filters (not the
search, no live sessions); ``filter_duration`` sums only the rows of the returned page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from core import clock
from core.tautulli_api.datatables import TableRequest, table_response

from ..grouping import SEARCH_SEPARATOR, group_state
from .filters import HistoryFilters
from .serialize import history_row, human_duration, session_row
from .sources import (
    KIND_GROUP,
    KIND_ROWS,
    KIND_SESSION,
    ORDER_COLUMNS,
    GroupSource,
    RowSource,
    SessionSource,
    order_by_terms,
    split_plays,
)

__all__ = ["ORDER_COLUMNS", "HistoryFilters", "HistoryQuery", "history_table"]


@dataclass
class HistoryQuery:
    """One get_history request.

    ``use_groups=False`` computes every play from its rows, as Tautulli does: the reference the
    groups table is tested against (slow on large tables).
    """

    filters: HistoryFilters
    table: TableRequest
    grouping: bool = True
    include_activity: bool = True
    use_groups: bool = True


def history_table(query: HistoryQuery) -> dict:
    """get_history's ``data``: ``{recordsFiltered, recordsTotal, data, draw, filter_duration,
    total_duration}`` (ints; durations as Tautulli's human strings).

    Reads the play groups (:class:`~history.models.HistoryGroup`), up to date: their manager
    syncs them first, once per read scope (:mod:`core.freshness`)."""
    state = group_state()
    filters, table = query.filters, query.table
    search = table.search
    now = int(clock.epoch())

    history_sources = []
    if (
        query.grouping
        and query.use_groups
        and filters.groups_answerable()
        and SEARCH_SEPARATOR not in search
    ):
        history_sources.append(GroupSource(filters, search, total_groups=state.groups))
        split = split_plays(filters)
        if split is not None:
            history_sources.append(RowSource(filters, search, grouped=True, candidates=split))
    else:
        history_sources.append(
            RowSource(filters, search, grouped=query.grouping, total_rows=state.rows)
        )
    sources = list(history_sources)
    if query.include_activity:
        sources.append(SessionSource(filters, search, grouped=query.grouping, now=now))

    filtered = sum(source.count() for source in sources)
    if filters.is_empty():
        total_seconds = state.play_duration
    else:
        total_seconds = sum(source.duration() for source in history_sources)

    rows = _page(sources, table, now, bounded_branches=bool(search) or not filters.is_empty())
    page_seconds = sum(row["play_duration"] or 0 for row in rows)
    return table_response(
        table,
        total=state.rows,
        filtered=filtered,
        rows=rows,
        filter_duration=human_duration(page_seconds),
        total_duration=human_duration(total_seconds),
    )


def _page(sources, table: TableRequest, now: int, *, bounded_branches: bool) -> list[dict]:
    """The rows ``[start, start + length)`` of all sources in the requested order.

    ``bounded_branches``: cut each source at ``start + length`` before merging (for filtered
    requests; unfiltered, PostgreSQL merges the sorted branches itself, which deep pages need).
    """
    terms = order_by_terms(table.order)
    end = table.start + table.length
    querysets = [source.page_queryset(table.order) for source in sources]
    if (
        len(querysets) > 1
        and bounded_branches
        and connection.features.supports_slicing_ordering_in_compound
    ):
        # Each branch sorted and cut at the page's end on its own: PostgreSQL does not see that
        # an index on (user_id, date) gives the date order of one user's rows inside a UNION,
        # so without this it would sort all of them.
        querysets = [queryset.order_by(*terms)[:end] for queryset in querysets]
    union = querysets[0].union(*querysets[1:], all=True) if len(querysets) > 1 else querysets[0]
    page = list(union.order_by(*terms)[table.start : end])

    by_kind = {source.kind: source for source in sources}
    fetched = {}
    for kind in {item["kind"] for item in page}:
        keys = [item["key"] for item in page if item["kind"] == kind]
        fetched[kind] = by_kind[kind].fetch(keys)

    rows = []
    for item in page:
        value = fetched[item["kind"]].get(item["key"])
        if value is None:  # deleted between the page query and the fetch
            continue
        if item["kind"] in (KIND_GROUP, KIND_ROWS):
            group, latest, group_ids = value
            rows.append(history_row(group, latest, group_ids))
        elif item["kind"] == KIND_SESSION:
            session, thumbs = value
            rows.append(session_row(session, thumbs, now))
    return rows
