"""Queries that join libraries to their watch history.

History refers to a library by (server, section_id), as Tautulli's ``session_history`` does (no
foreign key), so a library's plays are the History rows with the same server and section_id.

The libraries table needs per-library aggregates over what may be millions of history rows.
They are computed in one grouped pass over history (:func:`play_stats`), then attached to the
Library queryset as SQL ``CASE`` expressions (:func:`with_play_stats`), so that ordering, search
and pagination by those values still happen in SQL. Libraries are few (tens), history is big:
one scan of history beats a correlated subquery per library and aggregate.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from history.models import History

from .models import Library

# The metadata of a library's last played row that the libraries table shows.
LAST_ROW_FIELDS = (
    "id",
    "server_id",
    "section_id",
    "started",
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


@dataclass(frozen=True)
class LibraryPlays:
    """What the history says about one library.

    ``plays``: plays (grouped by ``reference_id`` or not); ``duration``: Σ ``play_duration`` in
    **seconds**; ``last_accessed``: latest ``started`` (aware UTC datetime); ``last_row``: the
    most recent row (latest ``started``, then highest id) as a dict of :data:`LAST_ROW_FIELDS`.
    """

    plays: int
    duration: int
    last_accessed: dt.datetime | None
    last_row: dict | None

    @property
    def history_row_id(self) -> int | None:
        return self.last_row["id"] if self.last_row else None

    @property
    def last_played(self) -> str | None:
        return self.last_row["metadata__full_title"] if self.last_row else None


def libraries_in_scope(server=None) -> QuerySet:
    """Libraries not deleted (``deleted_section = 0``) of ``server``, or of every server when
    ``server`` is None; the server row is joined (its machine identifier is the ``server_id``
    that Tautulli's API shows)."""
    queryset = Library.objects.active().select_related("server")
    if server is not None:
        queryset = queryset.filter(server=server)
    return queryset


def play_stats(server=None, *, grouping: bool) -> dict[tuple[int, int], LibraryPlays]:
    """``{(server pk, section_id): LibraryPlays}`` for every library with history, in 2 queries.

    1. One grouped pass over History (``GROUP BY server_id, section_id``): ``plays`` =
       ``COUNT(DISTINCT COALESCE(reference_id, id))`` when ``grouping`` (a resumed play counts
       once, reference 3.6), else ``COUNT(id)``; ``duration`` = Σ ``play_duration`` (seconds:
       ``stopped − started − paused`` per row, reference 6.1); ``last_accessed`` =
       ``MAX(started)``, Tautulli's value.
    2. The rows that started at each library's ``last_accessed`` (an index lookup per library),
       with their metadata; on a tie the highest id is the last row.
    """
    history = History.objects.for_server(server).order_by()
    play_key = Coalesce("reference_id", "id") if grouping else "id"
    groups = list(
        history.filter(section_id__isnull=False)
        .values("server_id", "section_id")
        .annotate(
            plays=Count(play_key, distinct=grouping),
            duration=Sum("play_duration"),
            last_accessed=Max("started"),
        )
    )
    latest = Q()
    for group in groups:
        if group["last_accessed"] is not None:
            latest |= Q(
                server_id=group["server_id"],
                section_id=group["section_id"],
                started=group["last_accessed"],
            )
    last_rows: dict[tuple[int, int], dict] = {}
    if latest:
        for row in history.filter(latest).order_by("id").values(*LAST_ROW_FIELDS):
            last_rows[(row["server_id"], row["section_id"])] = row  # highest id wins
    return {
        (group["server_id"], group["section_id"]): LibraryPlays(
            plays=group["plays"],
            duration=group["duration"] or 0,
            last_accessed=group["last_accessed"],
            last_row=last_rows.get((group["server_id"], group["section_id"])),
        )
        for group in groups
    }


def _per_library(stats: dict[tuple[int, int], LibraryPlays], attribute: str, default, field):
    """A SQL ``CASE`` giving each library its ``attribute`` from ``stats`` (``default`` for a
    library without history)."""
    whens = [
        When(server_id=server_id, section_id=section_id, then=Value(getattr(entry, attribute)))
        for (server_id, section_id), entry in stats.items()
    ]
    if not whens:
        return Value(default, output_field=field)
    return Case(*whens, default=Value(default), output_field=field)


def with_play_stats(queryset: QuerySet, stats: dict[tuple[int, int], LibraryPlays]) -> QuerySet:
    """Annotate a Library queryset with ``plays``, ``duration`` (seconds), ``last_accessed``
    (datetime), ``history_row_id`` and ``last_played`` (title) from :func:`play_stats`, so it
    can be filtered, ordered and paginated by them in SQL. No history: 0, 0, None, None, None."""
    return queryset.annotate(
        plays=_per_library(stats, "plays", 0, IntegerField()),
        duration=_per_library(stats, "duration", 0, IntegerField()),
        last_accessed=_per_library(stats, "last_accessed", None, DateTimeField()),
        history_row_id=_per_library(stats, "history_row_id", None, IntegerField()),
        last_played=_per_library(stats, "last_played", None, CharField()),
    )


def with_last_accessed(queryset: QuerySet) -> QuerySet:
    """Annotate ``last_accessed``: the latest ``History.started`` of each library (aware UTC
    datetime, None without history), as Tautulli's ``MAX(session_history.started)``."""
    latest = (
        History.objects.filter(server_id=OuterRef("server_id"), section_id=OuterRef("section_id"))
        .order_by("-started")
        .values("started")[:1]
    )
    return queryset.annotate(last_accessed=Subquery(latest))
