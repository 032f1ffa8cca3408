"""The libraries table (``get_libraries_table``, ``get_library``): libraries joined to their
watch history.

History refers to a library by (server, section_id), as Tautulli's ``session_history`` does (no
foreign key), so a library's plays are the History rows with the same server and section_id.

The libraries table shows per-library totals over what may be millions of history rows. They
are read from the daily rollup (:class:`stats.models.DailyPlays`, kept current by
:func:`stats.rollup.sync_rollup`) in one grouped query (:func:`play_totals`), never from history
itself (the same query as the users table's, :func:`stats.totals.rollup_totals`). A
library's latest row (``last_accessed``, the "last played" item) is an index lookup
(History index ``section_id, -started``) per library, in correlated subqueries
(:func:`with_last_row`), evaluated for the page's libraries or, when the table is searched or
sorted by those columns, for every library: libraries are few (tens).
"""

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject

from history.latest import latest_history

from .totals import PlayTotals, rollup_totals, totals_case

# The fields of a library's last played row that the libraries table shows (metadata through
# the 1:1 relation). :func:`with_last_row` reads them as one JSON object keyed by these names.
LAST_ROW_FIELDS = (
    "id",
    "rating_key",
    "metadata__full_title",
    "metadata__media_type",
    "metadata__thumb",
    "metadata__parent_thumb",
    "metadata__grandparent_thumb",
    "metadata__parent_title",
    "metadata__year",
    "metadata__media_index",
    "metadata__parent_media_index",
    "metadata__content_rating",
    "metadata__labels",
    "metadata__live",
    "metadata__originally_available_at",
    "metadata__guid",
)


def play_totals(server=None, *, grouping: bool) -> dict[tuple[int, int], PlayTotals]:
    """``{(server pk, section_id): PlayTotals}`` for every library with history, in one grouped
    query over the daily rollup (:func:`stats.totals.rollup_totals`: ``plays`` per
    ``grouping``, ``duration`` in seconds). ``server`` restricts to that server's history.

    A play counts for the library of its latest row on the day it began; Tautulli's
    ``COUNT(DISTINCT reference_id)`` per section would count a play whose rows are in several
    sections in each of them.
    """
    return rollup_totals(("server_id", "section_id"), grouping=grouping, server=server)


def with_totals(queryset: QuerySet, totals: dict[tuple[int, int], PlayTotals], *names: str):
    """Annotate a Library queryset with ``names`` (``plays``, ``duration``) from
    :func:`play_totals` as SQL ``CASE`` expressions (0 without history), to sort by them in
    SQL."""
    return queryset.annotate(
        **{name: totals_case(totals, name, ("server_id", "section_id")) for name in names}
    )


def _latest_rows() -> QuerySet:
    """History rows of the outer library (same server and section), latest start first, then
    highest id (:func:`history.latest.latest_history`, index ``section_id, -started``): the
    first is the library's "last played" row."""
    return latest_history("section_id", OuterRef("server_id"))


def with_last_row(queryset: QuerySet, *, title: bool = False) -> QuerySet:
    """Annotate a Library queryset with its latest history row (correlated subqueries):

    * ``last_accessed``: its ``started`` (aware UTC datetime; None without history), Tautulli's
      ``MAX(session_history.started)``;
    * ``last_row``: a dict of :data:`LAST_ROW_FIELDS` (None without history);
    * with ``title``: ``last_played``, its ``full_title`` — to search or sort by it in SQL.

    On PostgreSQL, subqueries that the ORDER BY does not need are evaluated after LIMIT, for
    the page's rows only.
    """
    latest = _latest_rows()
    fields = {name: F(name) for name in LAST_ROW_FIELDS}
    annotations = {
        "last_accessed": Subquery(latest.values("started")[:1]),
        "last_row": Subquery(latest.values(row=JSONObject(**fields))[:1]),
    }
    if title:
        annotations["last_played"] = Subquery(latest.values("metadata__full_title")[:1])
    return queryset.annotate(**annotations)


def with_last_accessed(queryset: QuerySet) -> QuerySet:
    """Annotate ``last_accessed``: the latest ``History.started`` of each library (aware UTC
    datetime, None without history), as Tautulli's ``MAX(session_history.started)``."""
    return queryset.annotate(last_accessed=Subquery(_latest_rows().values("started")[:1]))
