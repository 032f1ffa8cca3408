"""A guest's own history: their History rows, newest first, filtered and paged in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q

from history.models import LOGGED_MEDIA_TYPES, History
from history.watched import check_watched

from .display import item_title, poster_url

PAGE_SIZE = 25
MAX_SEARCH = 200  # characters; longer searches are cut


@dataclass(frozen=True)
class HistoryRow:
    """One history row as shown: ``started`` (aware UTC), ``play_duration`` (seconds),
    ``percent_complete`` (0–100, from ``view_offset`` / ``duration``, both ms) and ``watched``
    (Tautulli's watched rule, :func:`history.watched.check_watched`). No IP address."""

    started: object
    title: str
    media_type: str
    player: str
    play_duration: int
    percent_complete: int
    watched: bool
    poster: str


def history_page(
    user_id: int,
    *,
    media_type: str = "",
    search: str = "",
    page: int | str = 1,
    per_page: int = PAGE_SIZE,
) -> Page:
    """Page ``page`` (1-based; out of range gives the last page) of the History rows of plex.tv
    user ``user_id``, newest first, as :class:`HistoryRow`. ``media_type`` one of
    :data:`history.models.LOGGED_MEDIA_TYPES` (anything else: every type); ``search`` matches
    the title (a show's name matches its episodes); ``per_page`` rows a page. Two queries: the count and the page."""
    rows = History.objects.for_user(user_id)
    if media_type in LOGGED_MEDIA_TYPES:
        rows = rows.filter(media_type=media_type)
    search = search.strip()[:MAX_SEARCH]
    if search:
        rows = rows.filter(
            Q(metadata__full_title__icontains=search) | Q(metadata__title__icontains=search)
        )
    rows = rows.select_related("metadata").order_by("-started", "-id")
    paged = Paginator(rows, per_page).get_page(page)
    paged.object_list = [_row(row) for row in paged.object_list]
    return paged


def _row(row: History) -> HistoryRow:
    item = getattr(row, "metadata", None)
    duration_ms = item.duration if item else None
    percent = min(100, round(100 * (row.view_offset or 0) / duration_ms)) if duration_ms else 0
    watched = bool(item) and check_watched(
        row.media_type,
        row.view_offset,
        duration_ms,
        item.marker_credits_first,
        item.marker_credits_final,
    )
    return HistoryRow(
        started=row.started,
        title=item_title(item) if item else "Unknown",
        media_type=row.media_type or "",
        player=row.player or row.platform or "",
        play_duration=max(row.play_duration or 0, 0),
        percent_complete=percent,
        watched=watched,
        poster=poster_url(row.server_id, item),
    )
