"""Storage per library: the space and items of each library now, against the disk capacity the
owner set (:attr:`libraries.models.Library.disk_capacity`), and over the past months (issue 13,
the admin's Storage page).

* now (:func:`library_storage`): Σ ``total_file_size`` and the number of the library's present
  **top-level** items (movies, shows, artists, and whatever else has no parent in the
  inventory: a size rolled up to a show already holds its seasons and episodes, see
  :mod:`libraries.rollups`);
* over time (:func:`storage_over_time`): from the growth data (:func:`stats.library_growth.
  growth_rows`: present movies, episodes and tracks by the local month they were added), the
  bytes and items each library held at the end of each month — today's figure minus what was
  added after that month. Items removed from Plex are not in the growth data, so the past
  is the history of what is still there (the libraries as they grew into today's), not the
  space removed items once took. Items with no ``added_at`` count from the first month.
"""

from __future__ import annotations

from django.db.models import Count, Sum

from libraries.models import Library, LibraryMedia
from libraries.naming import distinct_library_names

from .library_growth import OUTSIDE, growth_rows, growth_window
from .window import month_label

# Items with no parent in the inventory: what a library's size is the sum of.
TOP_LEVEL_TYPES = ("movie", "show", "artist")


def library_storage() -> list[dict]:
    """Every library (active or not, ordered by server then section id) with the present items
    of the inventory, in two queries: ``[{"library": Library | None, "server_id",
    "section_id", "name", "server_name", "section_type", "items" (present top-level items),
    "size" (bytes, Σ total_file_size; 0 when none is known), "capacity" (bytes or None),
    "free" (capacity − size, negative when over; None without a capacity), "used_percent"
    (0–100+, one decimal, or None)}]``.

    A library of the inventory that the library list does not know (a section removed from
    Plex before the inventory was cleaned) is included with ``library`` None and the name
    "Section N"; a library deleted from Plex (``deleted_section``) only while it has items.
    """
    totals = {
        (row["server_id"], row["section_id"]): row
        for row in LibraryMedia.objects.present()
        .filter(media_type__in=TOP_LEVEL_TYPES)
        .values("server_id", "section_id")
        .annotate(items=Count("id"), size=Sum("total_file_size"))
        .order_by()
    }
    libraries = {
        (library.server_id, library.section_id): library
        for library in Library.objects.select_related("server")
    }
    keys = sorted(set(libraries) | set(totals))
    result = []
    for key in keys:
        library = libraries.get(key)
        if library is not None and library.deleted_section and key not in totals:
            continue
        row = totals.get(key, {})
        size = int(row.get("size") or 0)
        capacity = library.disk_capacity if library is not None else None
        result.append(
            {
                "library": library,
                "server_id": key[0],
                "section_id": key[1],
                "name": str(library) if library is not None else f"Section {key[1]}",
                "server_name": library.server.name if library is not None else "",
                "section_type": (library.section_type or "") if library is not None else "",
                "items": int(row.get("items") or 0),
                "size": size,
                "capacity": capacity,
                "free": capacity - size if capacity is not None else None,
                "used_percent": round(size / capacity * 100, 1) if capacity else None,
            }
        )
    return result


def storage_over_time(months: int = 12) -> dict:
    """Per library, the bytes and items (present movies, episodes, tracks) it held at the end
    of each of the last ``months`` local months (the current one included, counted to now), in
    one query (:func:`~stats.library_growth.growth_rows`)::

        {"categories": ["Jan 2026", ..., "Dec 2026"],
         "size": [{"name": <library name>, "data": [bytes per month]}, ...],
         "items": [{"name": ..., "data": [items per month]}, ...]}

    Series are ordered by server then section id; names as the growth graph gives them
    (:func:`libraries.naming.distinct_library_names`). Sizes unknown to PMS count 0 bytes.
    """
    window = growth_window(time_range=months)
    month_list = window.months()
    first = month_list[0].year * 12 + month_list[0].month - 1 if month_list else 0
    per_library: dict[tuple[int, int], dict] = {}
    for row in growth_rows(window):
        key = (row["server_id"], row["section_id"])
        entry = per_library.setdefault(
            key,
            {
                "name": row["section_name"] or f"Section {row['section_id']}",
                "server": row["server_name"] or "",
                "added_items": [0] * len(month_list),
                "added_size": [0] * len(month_list),
                "items": 0,
                "size": 0,
            },
        )
        entry["items"] += row["items"]
        entry["size"] += int(row["size"] or 0)
        index = row["bucket"] - first
        if row["bucket"] != OUTSIDE and 0 <= index < len(month_list):
            entry["added_items"][index] += row["items"]
            entry["added_size"][index] += int(row["size"] or 0)
    names = distinct_library_names(
        {key: entry["name"] for key, entry in per_library.items()},
        {key[0]: entry["server"] for key, entry in per_library.items()},
    )
    return {
        "categories": [month_label(month) for month in month_list],
        "size": [
            {"name": names[key], "data": _held(entry["size"], entry["added_size"])}
            for key, entry in per_library.items()
        ],
        "items": [
            {"name": names[key], "data": _held(entry["items"], entry["added_items"])}
            for key, entry in per_library.items()
        ],
    }


def _held(now: int, added: list[int]) -> list[int]:
    """What was held at the end of each month: ``now`` minus what was added in later months."""
    held, later = [], 0
    for value in reversed(added):
        held.append(now - later)
        later += value
    return held[::-1]
