"""REST API endpoints of the history app (mounted under /api/ by tautulli_project.api).

``GET /api/history`` lists ungrouped history rows newest first with keyset (cursor) pagination
(core/pagination.py); ``GET /api/history/{id}`` answers one row with all its details.
"""

from django.shortcuts import get_object_or_404
from ninja import Query, Router

from core.filtering import apply_filterset
from core.pagination import CursorParams, keyset_page_or_422
from core.rest_types import Int64, error_responses

from .filters import HistoryFilterSet
from .models import History
from .schemas import HistoryDetail, HistoryFilters, HistoryPage

router = Router(tags=["history"])

# One query fetches a whole page: the user (friendly name), metadata (titles) and media info.
RELATED = ("user", "metadata", "media_info")
# The columns a list item shows (HistoryItem): long texts (summary, actors...) stay unread.
LIST_COLUMNS = (
    *(
        "id reference_id server_id started stopped play_duration paused_counter view_offset "
        "user_id username media_type rating_key parent_rating_key grandparent_rating_key "
        "section_id player platform product ip_address location secure relayed"
    ).split(),
    "user__username",
    "user__friendly_name",
    *(
        f"metadata__{name}"
        for name in (
            "title full_title parent_title grandparent_title year media_index "
            "parent_media_index guid duration live"
        ).split()
    ),
    "media_info__transcode_decision",
)


@router.get("", response={200: HistoryPage, **error_responses()}, summary="List history")
def list_history(request, filters: Query[HistoryFilters], page: Query[CursorParams]):
    """Logged streams, newest first (`started` descending, then `id`), one row per stream
    (not grouped into plays).

    Paginated by cursor: follow `next_cursor` until it is null. Pages stay consistent while new
    streams are logged (new rows only appear before the first page).
    """
    queryset = apply_filterset(HistoryFilterSet, filters, History.objects.all())
    queryset = queryset.select_related(*RELATED).only(*LIST_COLUMNS)
    result = keyset_page_or_422(queryset, field="started", params=page)
    return {"items": result.items, "next_cursor": result.next_cursor}


@router.get(
    "/{history_id}",
    response={200: HistoryDetail, **error_responses(404)},
    summary="Get a history row",
)
def get_history(request, history_id: Int64):
    """One history row with its full metadata and media info; 404 when it does not exist."""
    return get_object_or_404(History.objects.select_related(*RELATED), pk=history_id)
