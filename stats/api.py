"""REST API endpoints of the statistics app, mounted by tautulli_project.api: ``router`` under
/api/stats, ``library_router`` (library growth) under /api/libraries.

``GET /api/stats/graphs/{name}`` answers one graph of :data:`stats.graphs.GRAPHS` (the /api/v2
command name without ``get_``), in Tautulli's shape. Counting rules: :mod:`stats.graphs`.

The schemas are typed (dates, lists of ints, enums): their values go to the domain functions as
they are (:func:`stats.graphs.window_for`, :func:`stats.library_growth.growth_window`). A
malformed parameter — an unknown graph, ids beyond 64 bits — is answered 422 by the schema.
Dates outside the statistics' :data:`~core.limits.FIRST_DATE` .. :data:`~core.limits.LAST_DATE`
are moved to that range's end (``before=9999-12-31`` means no upper bound), as /api/v2 does
(:func:`core.limits.clamp_date`). A window the domain rejects (``after`` later than ``before``...) or an unknown server raises :class:`core.errors.InvalidInput`,
answered 400 ``{"detail": ...}`` by the API's handler (:mod:`tautulli_project.api`).
"""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema
from pydantic import AfterValidator

from core.freshness import fresh_reads
from core.limits import FIRST_DATE, LAST_DATE, MAX_DAYS, MAX_LIST_ITEMS, clamp_date
from core.rest_types import Int64, Text, error_responses
from servers.apiv2 import server_named

from .graphs import GRAPH_TITLES, GRAPHS, window_for
from .library_growth import growth_window, library_growth

router = Router(tags=["statistics"])
# Mounted under /api/libraries: library growth, read from the libraries' inventory.
library_router = Router(tags=["libraries"])

_NAMES = ", ".join(f"`{name}`" for name in GRAPHS)
GraphName = Literal[tuple(GRAPHS)]  # an enum in the OpenAPI schema

# A local date of a window: outside the usable range, that range's end (core.limits).
WindowDate = Annotated[dt.date, AfterValidator(clamp_date)]
_DATES = f"(earlier or later dates mean {FIRST_DATE} or {LAST_DATE})"
# Ids a filter may list: more than a server has users or libraries is a mistake.
MAX_IDS = MAX_LIST_ITEMS


class GraphFilters(Schema):
    """The window and filters of a graph (the /api/v2 graph parameters, typed)."""

    time_range: int | None = Field(
        None,
        ge=1,
        le=MAX_DAYS,
        description="Last N local days ending today (default 30); months for "
        "`plays_per_month` (default 12).",
    )
    after: WindowDate | None = Field(
        None, description=f"Only plays started on or after this local date (inclusive) {_DATES}."
    )
    before: WindowDate | None = Field(
        None, description=f"Only plays started on or before this local date (inclusive) {_DATES}."
    )
    user_id: list[Int64] | None = Field(
        None,
        max_length=MAX_IDS,
        description="Only these users (plex.tv user ids); repeat the parameter for several.",
    )
    section_id: list[Int64] | None = Field(
        None,
        max_length=MAX_IDS,
        description="Only these library sections; repeat the parameter for several.",
    )
    server: Text | None = Field(
        None,
        max_length=255,
        description="Only this server (id, name or machine identifier); all servers when absent.",
    )
    grouping: bool | None = Field(
        None,
        description="Count plays (continuations of one play once) rather than history rows; "
        "default: the server's GROUP_HISTORY_TABLES.",
    )
    y_axis: Literal["plays", "duration"] = Field(
        "plays", description="`plays` (counts) or `duration` (seconds)."
    )

    def window_arguments(self) -> dict:
        """The filters as the typed keyword arguments of :func:`stats.graphs.window_for`
        (the server looked up by id, name or machine identifier: an unknown one raises
        :class:`~core.errors.InvalidInput`)."""
        return {
            "time_range": self.time_range,
            "after": self.after,
            "before": self.before,
            "user_ids": tuple(self.user_id or ()),
            "section_ids": tuple(self.section_id or ()),
            "server": server_named(self.server),
            "grouping": self.grouping,
            "y_axis": self.y_axis,
        }


class GraphSeries(Schema):
    name: str = Field(..., description='Series name, e.g. "Movies" or "Direct Play".')
    data: list[int] = Field(
        ...,
        description="One value per category: plays, or seconds with `y_axis=duration`.",
    )


class GraphOut(Schema):
    categories: list[str] = Field(
        ...,
        description='The x axis: local dates "YYYY-MM-DD", days of the week, hours "00".."23", '
        '"Mon YYYY" months, platforms, users or resolutions, depending on the graph.',
    )
    series: list[GraphSeries]


_GRAPH_DESCRIPTION = f"""One graph, as Tautulli's graph commands answer it: `categories` and
`series` of ints (plays, or seconds with `y_axis=duration`).

`name` is one of: {_NAMES}. The window is whole local days (the server's time zone), selected by
the date a play started; `after`/`before` give a custom range. 422 for an unknown graph or a
malformed parameter; 400 for a range that makes no sense (`after` later than `before`) or an
unknown server."""


@router.get(
    "/graphs/{name}",
    response={200: GraphOut, **error_responses()},
    summary="Get a graph",
    description=_GRAPH_DESCRIPTION,
)
def get_graph(request, name: GraphName, filters: Query[GraphFilters]):
    """``GRAPHS[name]`` over the window of ``filters`` (see ``_GRAPH_DESCRIPTION``)."""
    window = window_for(name, **filters.window_arguments())
    with fresh_reads():
        return GRAPHS[name](window)


@router.get(
    "/graphs", response={200: dict[str, str], **error_responses()}, summary="List the graphs"
)
def list_graphs(request):
    """`{name: title}` of every graph `GET /api/stats/graphs/{name}` answers."""
    return GRAPH_TITLES


class GrowthFilters(Schema):
    """The window and filters of ``GET /api/libraries/growth`` (get_library_growth's, typed)."""

    time_range: int | None = Field(
        None, ge=1, le=1200, description="Last N months, the current one included (default 12)."
    )
    after: WindowDate | None = Field(
        None, description=f"Only items added on or after this local date (inclusive) {_DATES}."
    )
    before: WindowDate | None = Field(
        None, description=f"Only items added on or before this local date (inclusive) {_DATES}."
    )
    section_id: list[Int64] | None = Field(
        None,
        max_length=MAX_IDS,
        description="Only these library sections; repeat the parameter for several.",
    )
    server: Text | None = Field(
        None,
        max_length=255,
        description="Only this server (id, name or machine identifier); all servers when absent.",
    )
    y_axis: Literal["count", "size"] = Field(
        "count", description="`count` (items added) or `size` (bytes added)."
    )

    def window(self):
        """The :func:`stats.library_growth.growth_window` of these filters (the server looked up
        by id, name or machine identifier); raises :class:`~core.errors.InvalidInput` for a bad
        range or an unknown server."""
        return growth_window(
            time_range=self.time_range,
            after=self.after,
            before=self.before,
            section_ids=tuple(self.section_id or ()),
            server=server_named(self.server),
        )


class GrowthSeries(Schema):
    name: str = Field(..., description='A library\'s name, or "Total" (the last series).')
    data: list[int] = Field(..., description="Items (or bytes) added, one value per month.")


class GrowthOut(Schema):
    categories: list[str] = Field(..., description='The months, oldest first: "Mon YYYY".')
    series: list[GrowthSeries]


@library_router.get(
    "/growth",
    response={200: GrowthOut, **error_responses()},
    summary="Library growth per month",
)
def get_library_growth(request, filters: Query[GrowthFilters]):
    """Items (or bytes, `y_axis=size`) added to each library per local month, as
    `/api/v2?cmd=get_library_growth` answers it: one series per library, then "Total". Counts
    the movies, episodes and tracks Plex lists now, in the month of their `addedAt` (the
    server's time zone). 422 for a malformed parameter; 400 for `after` later than `before` or
    an unknown server."""
    return library_growth(filters.window(), filters.y_axis)
