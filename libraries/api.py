"""REST API endpoints of the libraries app (mounted under /api/ by tautulli_project.api)."""

from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.pagination import paginate

from core.filtering import apply_filterset
from core.pagination import BoundedLimitOffsetPagination
from core.rest_types import Int64, error_responses

from .filters import LibraryFilterSet
from .models import Library
from .schemas import LibraryFilters, LibraryOut

router = Router(tags=["libraries"])


@router.get("", response={200: list[LibraryOut], **error_responses()}, summary="List libraries")
@paginate(BoundedLimitOffsetPagination)
def list_libraries(request, filters: Query[LibraryFilters]):
    """Library sections of every server, by server then section id, as
    `{"items": [...], "count": total}`."""
    return apply_filterset(
        LibraryFilterSet, filters, Library.objects.order_by("server_id", "section_id")
    )


@router.get(
    "/{library_id}", response={200: LibraryOut, **error_responses(404)}, summary="Get a library"
)
def get_library(request, library_id: Int64):
    """One library section by its id in this API (`id`, not Plex's `section_id`, which is only
    unique per server); 404 when unknown."""
    return get_object_or_404(Library, pk=library_id)
