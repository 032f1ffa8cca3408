"""REST API endpoints of the libraries app (mounted under /api/ by tautulli_project.api)."""

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from core.filtering import apply_filterset
from core.pagination import BoundedLimitOffsetPagination
from core.tautulli_api import ApiError, Params

from .filters import LibraryFilterSet
from .growth import growth_params, library_growth
from .models import Library
from .schemas import LibraryFilters, LibraryOut

router = Router(tags=["libraries"])


@router.get("", response=list[LibraryOut], summary="List libraries")
@paginate(BoundedLimitOffsetPagination)
def list_libraries(request, filters: Query[LibraryFilters]):
    """Library sections of every server, by server then section id, as
    `{"items": [...], "count": total}`."""
    return apply_filterset(
        LibraryFilterSet, filters, Library.objects.order_by("server_id", "section_id")
    )


class GrowthFilters(Schema):
    """The window and filters of ``GET /api/libraries/growth`` (get_library_growth's, typed)."""

    time_range: int | None = Field(
        None, ge=1, le=1200, description="Last N months, the current one included (default 12)."
    )
    after: dt.date | None = Field(
        None, description="Only items added on or after this local date (inclusive)."
    )
    before: dt.date | None = Field(
        None, description="Only items added on or before this local date (inclusive)."
    )
    section_id: list[int] | None = Field(
        None, description="Only these library sections; repeat the parameter for several."
    )
    server: str | None = Field(
        None,
        max_length=255,
        description="Only this server (id, name or machine identifier); all servers when absent.",
    )
    y_axis: Literal["count", "size"] = Field(
        "count", description="`count` (items added) or `size` (bytes added)."
    )

    def as_params(self) -> Params:
        values = {
            "time_range": self.time_range,
            "after": self.after.isoformat() if self.after else None,
            "before": self.before.isoformat() if self.before else None,
            "section_id": ",".join(map(str, self.section_id)) if self.section_id else None,
            "server": self.server,
            "y_axis": self.y_axis,
        }
        return Params({key: str(value) for key, value in values.items() if value is not None})


class GrowthSeries(Schema):
    name: str = Field(..., description='A library\'s name, or "Total" (the last series).')
    data: list[int] = Field(..., description="Items (or bytes) added, one value per month.")


class GrowthOut(Schema):
    categories: list[str] = Field(..., description='The months, oldest first: "Mon YYYY".')
    series: list[GrowthSeries]


class GrowthError(Schema):
    detail: str = Field(..., description="What is wrong.")


@router.get(
    "/growth",
    response={200: GrowthOut, 400: GrowthError},
    summary="Library growth per month",
)
def get_library_growth(request, filters: Query[GrowthFilters]):
    """Items (or bytes, `y_axis=size`) added to each library per local month, as
    `/api/v2?cmd=get_library_growth` answers it: one series per library, then "Total". Counts
    the movies, episodes and tracks Plex lists now, in the month of their `addedAt` (the
    server's time zone). 422 for a malformed parameter; 400 for `after` later than `before` or
    an unknown server."""
    try:
        window, y_axis = growth_params(filters.as_params())
    except ApiError as error:
        raise HttpError(400, error.message or "Invalid parameters") from None
    return library_growth(window, y_axis)


@router.get("/{library_id}", response=LibraryOut, summary="Get a library")
def get_library(request, library_id: int):
    """One library section by its id in this API (`id`, not Plex's `section_id`, which is only
    unique per server); 404 when unknown."""
    return get_object_or_404(Library, pk=library_id)
