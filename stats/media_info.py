"""Tautulli's library media info table (``get_library_media_info``, issue 13), answered from the
inventory (:class:`libraries.models.LibraryMedia`) and its watch statistics
(:class:`stats.models.MediaWatchStats`) in SQL: counted, searched, sorted and cut in the
database, never by sorting every row in Python.

Facts from Tautulli v2.17.2 (``Libraries.get_datatables_media_info``,
``PmsConnect.get_library_children_details``), and where this differs:

* **Rows.** A section lists its items of one type: ``section_type`` (default: the library's
  type; ``movie``, ``show``, ``artist``... or a lower level such as ``episode``), as PMS's
  section listing with ``type=N``. A ``rating_key`` lists that item's children (a show's
  seasons, a season's episodes, an artist's albums, an album's tracks), as PMS's
  ``/children``. Only items present in PMS (not marked removed). ``recordsTotal`` counts the
  rows before the search, ``recordsFiltered`` after it.
* **Types** (Tautulli passes PMS's XML attributes through, so nearly everything is a string):
  ``section_id`` int; ``added_at``, ``rating_key``, ``parent_rating_key``,
  ``grandparent_rating_key``, ``year``, ``media_index``, ``parent_media_index``, ``bitrate``,
  ``audio_channels`` strings (``""`` when PMS gives none); ``file_size`` int;
  ``last_played`` (MAX ``started``, epoch seconds) and ``play_count`` (distinct plays) ints,
  both null for an item never played.
* **file_size** is the item's size rolled up (:attr:`LibraryMedia.total_file_size`: Σ every
  part of every version of the present movies/episodes/tracks under it), 0 when unknown.
  Tautulli shows that sum only once its "get file sizes" pass has run (and then counts the
  first part of the first version only); before that a movie's size is PMS's string. Here it
  is always the int.
* **Sizes of the answer.** As Tautulli computes them: ``total_file_size`` is Σ ``file_size``
  of every row that matches the search (all pages), ``filtered_file_size`` Σ of the rows of
  the page returned.
* **Order.** Rows are sorted by ``sort_title`` (the title when PMS gives no sort title),
  case-insensitively, then by the requested columns; when listing a ``rating_key``'s children
  ``sort_title`` orders by ``media_index`` (season, episode or track number). Numbers
  (``added_at``, ``bitrate``, ``file_size``, ``last_played``, ``play_count``, ``year``,
  ``media_index``...) sort as numbers, ``video_resolution`` by its lines (``4k`` = 2160,
  ``sd`` first), text case-insensitively; a missing value sorts first ascending and last
  descending (Tautulli reads it as 0).
* **Search**: case-insensitive substring of the title, sort title, container, codecs,
  resolution, frame rate, bitrate or audio channels (Tautulli's searchable columns).
* **Statistics** are the item's own (its plays, or its children's for a show, season, artist
  or album: :class:`~stats.models.MediaWatchStats`), all users, across the server's history;
  Tautulli counts the plays logged in the section only.
* ``last_refreshed``: when the inventory last read the library from PMS (epoch seconds; null
  before the first refresh), Tautulli's cache time.
"""

from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Q,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Lower, NullIf, Replace

from core.errors import InvalidInput
from core.tautulli_api.datatables import TableRequest, order_terms
from core.timeutils import to_epoch
from libraries.models import Library, LibraryMedia

from .inventory import items_with_stats

# The section types PMS's section listing takes (Tautulli's get_library_children_details).
SECTION_TYPES = (
    "movie",
    "show",
    "season",
    "episode",
    "artist",
    "album",
    "track",
    "photo",
    "photo_album",
    "picture",
    "clip",
)

_RESOLUTION = Case(
    When(video_resolution__iexact="4k", then=Value(2160)),
    When(
        video_resolution__regex=r"^[0-9]+p?$",
        then=Cast(Replace(Lower("video_resolution"), Value("p"), Value("")), IntegerField()),
    ),
    default=Value(0),
    output_field=IntegerField(),
)
_SORT_TITLE = Lower(
    Coalesce(
        NullIf("sort_title", Value(""), output_field=TextField()), "title", output_field=TextField()
    )
)

# Sortable columns → SQL expression (annotations of items_with_stats for the statistics).
ORDER = {
    "added_at": F("added_at"),
    "sort_title": _SORT_TITLE,
    "title": Lower("title"),
    "media_type": F("media_type"),
    "rating_key": F("rating_key"),
    "year": F("year"),
    "media_index": F("media_index"),
    "parent_media_index": F("parent_media_index"),
    "container": Lower("container"),
    "bitrate": F("bitrate"),
    "video_codec": Lower("video_codec"),
    "video_resolution": _RESOLUTION,
    "video_framerate": Lower("video_framerate"),
    "audio_codec": Lower("audio_codec"),
    "audio_channels": F("audio_channels"),
    "file_size": F("total_file_size"),
    "last_played": F("last_watched"),
    "play_count": NullIf("plays", Value(0)),
}
# Columns read from the statistics.
STATISTICS_ORDER = ("last_played", "play_count")
SEARCH_TEXT = (
    "title",
    "sort_title",
    "container",
    "video_codec",
    "video_resolution",
    "video_framerate",
    "audio_codec",
)
SEARCH_NUMBERS = ("bitrate", "audio_channels")
# What a row reads.
ROW_COLUMNS = (
    "id",
    "added_at",
    "media_type",
    "rating_key",
    "parent_rating_key",
    "grandparent_rating_key",
    "title",
    "sort_title",
    "year",
    "media_index",
    "parent_media_index",
    "thumb",
    "container",
    "bitrate",
    "video_codec",
    "video_resolution",
    "video_framerate",
    "audio_codec",
    "audio_channels",
    "total_file_size",
    "last_watched",
    "plays",
)


@dataclass(frozen=True)
class MediaInfoScope:
    """What the table lists: ``library``'s items of ``media_type`` (a section listing), or,
    when ``rating_key`` is set, that item's children."""

    library: Library
    media_type: str
    rating_key: int | None = None


def media_info_scope(
    server, *, section_id: int | None, rating_key: int | None, section_type: str | None
) -> MediaInfoScope | None:
    """The scope of a request for ``server``'s ``section_id`` or ``rating_key``.

    ``section_type``: one of :data:`SECTION_TYPES` (default: the library's type). With only a
    ``rating_key``, the library is the item's. Returns None when the library (or the item) is
    unknown (Tautulli answers an empty table then). Raises :class:`InvalidInput` when neither
    ``section_id`` nor ``rating_key`` is given or ``section_type`` is unknown.
    """
    if section_id is None and rating_key is None:
        raise InvalidInput("Parameter section_id or rating_key is required")
    if section_type is not None and section_type not in SECTION_TYPES:
        raise InvalidInput(f"Parameter section_type must be one of: {', '.join(SECTION_TYPES)}")
    if server is None:
        return None
    if section_id is None:
        section_id = (
            LibraryMedia.objects.filter(server=server, rating_key=rating_key)
            .values_list("section_id", flat=True)
            .first()
        )
        if section_id is None:
            return None
    library = Library.objects.filter(server=server, section_id=section_id).first()
    if library is None:
        return None
    return MediaInfoScope(
        library=library,
        media_type=section_type or library.section_type or "",
        rating_key=rating_key,
    )


def empty_table(draw: int = 0) -> dict:
    """Tautulli's answer for an unknown library or item: an empty table."""
    return {
        "recordsFiltered": 0,
        "recordsTotal": 0,
        "data": [],
        "draw": draw,
        "filtered_file_size": 0,
        "total_file_size": 0,
        "last_refreshed": None,
    }


def _scope_items(scope: MediaInfoScope):
    library = scope.library
    items = LibraryMedia.objects.present().filter(server_id=library.server_id)
    if scope.rating_key is not None:
        return items.filter(parent_rating_key=scope.rating_key)
    return items.filter(section_id=library.section_id, media_type=scope.media_type)


def _search(search: str) -> Q:
    condition = Q()
    for name in SEARCH_TEXT:
        condition |= Q(**{f"{name}__icontains": search})
    if search.isdigit():
        for name in SEARCH_NUMBERS:
            condition |= Q(**{f"{name}_text__contains": search})
    return condition


def media_info_table(scope: MediaInfoScope, table: TableRequest) -> dict:
    """The ``get_library_media_info`` answer for ``scope`` and the DataTables request
    ``table`` (its ``order`` columns are keys of :data:`ORDER`): Tautulli's envelope data
    (``recordsFiltered``, ``recordsTotal``, ``data``, ``draw``, ``filtered_file_size``,
    ``total_file_size``, ``last_refreshed``), rows and types as the module docstring says.

    Queries: the counts and sizes (one aggregate, two with a search), the page ordered and cut
    by the database (ordered by a statistic: joined to the statistics; otherwise the page's ids
    from the inventory alone, then those rows with their statistics)."""
    items = _scope_items(scope)
    if table.search:
        total = items.count()
        if table.search.isdigit():
            items = items.annotate(
                **{f"{name}_text": Cast(name, TextField()) for name in SEARCH_NUMBERS}
            )
        items = items.filter(_search(table.search))
    figures = items.aggregate(rows=Count("id"), size=Sum("total_file_size"))
    filtered = figures["rows"]
    if not table.search:
        total = filtered
    order = [
        (
            "media_index" if scope.rating_key is not None and column == "sort_title" else column,
            descending,
        )
        for column, descending in table.order
    ]
    base_order = F("media_index").asc(nulls_first=True) if scope.rating_key else _SORT_TITLE
    terms = (*order_terms(order, ORDER), base_order, "id")
    window = slice(table.start, table.start + table.length)
    if any(column in STATISTICS_ORDER for column, _ in order):
        page = list(items_with_stats(items).order_by(*terms).values(*ROW_COLUMNS)[window])
    else:
        # The page's ids from the inventory alone, then their statistics: only the page's
        # rows are joined.
        ids = list(items.order_by(*terms).values_list("id", flat=True)[window])
        found = {
            row["id"]: row
            for row in items_with_stats(LibraryMedia.objects.filter(id__in=ids)).values(
                *ROW_COLUMNS
            )
        }
        page = [found[pk] for pk in ids if pk in found]
    library = scope.library
    rows = [_row(library, item) for item in page]
    return {
        "recordsFiltered": filtered,
        "recordsTotal": total,
        "data": rows,
        "draw": table.draw,
        "filtered_file_size": sum(row["file_size"] for row in rows),
        "total_file_size": figures["size"] or 0,
        "last_refreshed": to_epoch(library.inventory_refreshed_at),
    }


def _text(value) -> str:
    return "" if value is None else str(value)


def _row(library: Library, item: dict) -> dict:
    """One row, in Tautulli's key order and JSON types."""
    return {
        "section_id": library.section_id,
        "section_type": library.section_type or "",
        "added_at": _text(to_epoch(item["added_at"])),
        "media_type": item["media_type"],
        "rating_key": str(item["rating_key"]),
        "parent_rating_key": _text(item["parent_rating_key"]),
        "grandparent_rating_key": _text(item["grandparent_rating_key"]),
        "title": item["title"],
        "sort_title": item["sort_title"] or item["title"],
        "year": _text(item["year"]),
        "media_index": _text(item["media_index"]),
        "parent_media_index": _text(item["parent_media_index"]),
        "thumb": item["thumb"],
        "container": item["container"],
        "bitrate": _text(item["bitrate"]),
        "video_codec": item["video_codec"],
        "video_resolution": (item["video_resolution"] or "").lower(),
        "video_framerate": item["video_framerate"],
        "audio_codec": item["audio_codec"],
        "audio_channels": _text(item["audio_channels"]),
        "file_size": item["total_file_size"] or 0,
        "last_played": item["last_watched"],
        "play_count": item["plays"] or None,
    }
