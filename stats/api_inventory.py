"""REST endpoint of the library inventory with its watch statistics (issue 13), mounted under
/api/libraries by tautulli_project.api: ``GET /api/libraries/items``.

Every movie, show, season, episode, artist, album and track of every server
(:class:`libraries.models.LibraryMedia`) with its statistics (:class:`stats.models.MediaWatchStats`,
read through :func:`stats.inventory.items_with_stats`), filtered (:class:`stats.filters.InventoryFilterSet`),
sorted and keyset-paginated in SQL (:func:`stats.inventory.inventory_page`). The users' names
are read for the page's items only, in one query (:func:`stats.inventory.user_names`).

Units: datetimes ISO 8601 UTC; sizes bytes; ``watch_time`` seconds; ``duration`` ms;
``bitrate`` kbit/s.
"""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError

from core.filtering import apply_filterset
from core.pagination import CursorParams
from core.rest_types import Int64, Text, UtcDateTime, error_responses
from core.timeutils import from_epoch
from libraries.models import INVENTORY_TYPES, Library

from .filters import InventoryFilterSet
from .inventory import (
    SORTS,
    InvalidCursor,
    inventory_page,
    items_with_stats,
    share_watched,
    user_names,
)

router = Router(tags=["libraries"])

MediaType = Literal[INVENTORY_TYPES]
SortName = Literal[tuple(SORTS)]


class InventoryFilters(Schema):
    """Filters of ``GET /api/libraries/items`` (all optional, combined with AND)."""

    library: Int64 | None = Field(None, description="Library id in this API (/api/libraries).")
    server: Int64 | None = Field(None, description="Server id (see /api/servers).")
    section_id: Int64 | None = Field(None, description="Plex library section id.")
    media_type: MediaType | None = Field(None, description="Type of item.")
    parent_rating_key: Int64 | None = Field(
        None, description="Children of this season/album (episodes, tracks) or show/artist."
    )
    grandparent_rating_key: Int64 | None = Field(
        None, description="Episodes or tracks of this show or artist."
    )
    added_after: UtcDateTime | None = Field(
        None, description="Added to Plex at or after this ISO 8601 time (UTC without offset)."
    )
    added_before: UtcDateTime | None = Field(
        None, description="Added to Plex before this ISO 8601 time."
    )
    last_watched_after: UtcDateTime | None = Field(
        None, description="Last watched (any user) at or after this time; never-watched excluded."
    )
    last_watched_before: UtcDateTime | None = Field(
        None, description="Last watched before this time; never-watched items excluded."
    )
    not_watched_since: UtcDateTime | None = Field(
        None, description="Last watched before this time, or never watched."
    )
    never_watched: bool | None = Field(
        None, description="true: never watched by anyone; false: watched at least once."
    )
    size_above: Int64 | None = Field(
        None,
        ge=0,
        description="Total size above this many bytes (a show's or season's: all its episodes).",
    )
    removed: bool = Field(
        False, description="false (default): items present in Plex; true: items removed."
    )
    search: Text | None = Field(
        None,
        max_length=200,
        description="Case-insensitive text in the title (or the show's, season's, artist's "
        "or album's title).",
    )
    current: bool = Field(
        False,
        description="Filter and sort on the statistics since the current copy was added "
        "(the `*_current` figures: a re-downloaded title does not keep its old plays).",
    )


class InventoryOrder(CursorParams):
    """Order and page of ``GET /api/libraries/items``."""

    sort: SortName = Field(
        "title",
        description="title (sort title), added_at, last_watched, plays, size (total bytes), "
        "users or watch_time.",
    )
    order: Literal["asc", "desc"] | None = Field(
        None,
        description="asc or desc; default asc for title, desc otherwise. Items without a "
        "value (never watched, size unknown) come last either way.",
    )


class InventoryItem(Schema):
    """A library item with its watch statistics (all users; ``*_current``: only plays since
    the current copy was added)."""

    id: int = Field(description="Item id in this API.")
    server_id: int = Field(description="Server id (see /api/servers).")
    library_id: int | None = Field(description="Library id (see /api/libraries).")
    section_id: int = Field(description="Plex library section id.")
    rating_key: int
    media_type: str = Field(description="movie, show, season, episode, artist, album, track.")
    title: str
    sort_title: str
    year: int | None
    parent_rating_key: int | None = Field(description="Season of an episode, show of a season…")
    grandparent_rating_key: int | None = Field(description="Show of an episode, artist of a track.")
    parent_title: str
    grandparent_title: str
    media_index: int | None = Field(description="Episode, season or track number.")
    parent_media_index: int | None = Field(description="Season of an episode, disc of a track.")
    added_at: dt.datetime | None = Field(description="Added to Plex (UTC).")
    updated_at: dt.datetime | None = Field(description="Updated in Plex (UTC).")
    removed_at: dt.datetime | None = Field(description="Found gone from Plex (UTC); null: present.")
    guid: str
    imdb_id: str
    tmdb_id: str
    tvdb_id: str
    thumb: str = Field(description="Poster: PMS's image path (/library/metadata/…/thumb/…).")
    file_paths: list[str] = Field(description="Every part's file, every version.")
    file_size: int | None = Field(description="Bytes of this item's own files (all versions).")
    size: int | None = Field(
        description="Bytes of the present files under it (a show: all episodes)."
    )
    leaf_count: int = Field(description="Present movies/episodes/tracks under it (itself: 1).")
    video_resolution: str
    video_codec: str
    video_framerate: str
    audio_codec: str
    audio_channels: int | None
    container: str
    bitrate: int | None = Field(description="kbit/s.")
    duration: int | None = Field(description="ms.")
    plays: int = Field(description="Plays (a resumed play counts once), all users.")
    users: int = Field(description="Distinct users who watched it.")
    user_names: list[str] = Field(description="Their names (friendly name, else username).")
    watch_time: int = Field(description="Seconds watched.")
    watched_items: int = Field(description="Distinct present episodes/tracks (or itself) watched.")
    share_watched: float | None = Field(
        description="watched_items / leaf_count for a show, season, artist or album (0–1)."
    )
    first_watched: dt.datetime | None
    last_watched: dt.datetime | None
    plays_current: int
    users_current: int
    watch_time_current: int
    watched_items_current: int
    share_watched_current: float | None
    first_watched_current: dt.datetime | None
    last_watched_current: dt.datetime | None


class InventoryPageOut(Schema):
    """A page of ``GET /api/libraries/items``."""

    items: list[InventoryItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same sort and order) for the next page; null "
        "on the last page."
    )


_COPIED = (
    "id server_id section_id rating_key media_type title sort_title year parent_rating_key "
    "grandparent_rating_key parent_title grandparent_title media_index parent_media_index "
    "added_at updated_at removed_at guid imdb_id tmdb_id tvdb_id thumb file_paths file_size "
    "leaf_count video_resolution video_codec video_framerate audio_codec audio_channels "
    "container bitrate duration plays users watch_time watched_items plays_current "
    "users_current watch_time_current watched_items_current"
).split()


def _item(item, libraries: dict, names: dict) -> dict:
    row = {name: getattr(item, name) for name in _COPIED}
    row.update(
        library_id=libraries.get((item.server_id, item.section_id)),
        size=item.total_file_size,
        file_paths=[str(path) for path in item.file_paths or []],
        user_names=names.get((item.server_id, item.rating_key), []),
        share_watched=share_watched(item),
        share_watched_current=share_watched(item, current=True),
    )
    for name in ("first_watched", "last_watched", "first_watched_current", "last_watched_current"):
        row[name] = from_epoch(getattr(item, name))
    return row


@router.get(
    "/items",
    response={200: InventoryPageOut, **error_responses()},
    summary="List library items with their watch statistics",
)
def list_items(request, filters: Query[InventoryFilters], page: Query[InventoryOrder]):
    """Every movie, show, season, episode, artist, album and track of every server's
    libraries (present ones unless `removed=true`), with its watch statistics across all
    users: plays, users and their names, watch time, first and last watched, share of
    episodes watched, and the same counted only since the current copy was added.

    Sorted by `sort` and `order`, then by id. Paginated by cursor: follow `next_cursor` (with
    the same `sort` and `order`) until it is null. Example — what nobody watched for 90 days
    and takes more than 1 GB, biggest first:
    `?not_watched_since=2026-09-01T00:00:00Z&size_above=1073741824&sort=size`.
    """
    queryset = apply_filterset(InventoryFilterSet, filters, items_with_stats())
    descending = page.order == "desc" if page.order else page.sort != "title"
    try:
        result = inventory_page(
            queryset,
            sort=page.sort,
            descending=descending,
            current=filters.current,
            cursor=page.cursor,
            limit=page.limit,
        )
    except InvalidCursor:
        raise ValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ["query", "cursor"],
                    "msg": "Invalid cursor: pass the next_cursor of a previous page unchanged, "
                    "with the same sort and order.",
                }
            ]
        )
    items = result.items
    libraries = {}
    if items:
        for pk, server_id, section_id in Library.objects.filter(
            server_id__in={item.server_id for item in items},
            section_id__in={item.section_id for item in items},
        ).values_list("pk", "server_id", "section_id"):
            libraries[(server_id, section_id)] = pk
    names = user_names(items)
    return {
        "items": [_item(item, libraries, names) for item in items],
        "next_cursor": result.next_cursor,
    }
