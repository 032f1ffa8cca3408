"""Library growth: items (or bytes) added per month, per library — Tautulli's feature request
"library statistics/growth graphs" (upstream #1403, PR #1472; reference 8 #13), which Tautulli
never shipped, so the shape follows its graph commands (reference 6.2).

Read from the inventory :class:`libraries.models.LibraryMedia` (its present movies, episodes
and tracks as PMS lists them, see :mod:`plex.inventory`), not from history: an item counts in the
month of its ``added_at`` in the server's local time zone (``settings.TIME_ZONE``). Items removed
from Plex (``removed_at`` set) are not counted in the month they were added
(the graph shows how the *current* libraries grew); items without ``added_at`` are never
counted in a month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from core.errors import InvalidInput
from libraries.models import Library, LibraryMedia
from libraries.naming import distinct_library_names
from servers.models import Server

from .window import DEFAULT_MONTHS, StatsWindow, month_label

OUTSIDE = -1  # the bucket of items not added in the window


class GrowthAxis(TextChoices):
    """What library growth counts: items added, or their size in bytes."""

    COUNT = "count"
    SIZE = "size"


Y_AXES = tuple(GrowthAxis.values)


def growth_window(
    *,
    time_range: int | None = None,
    after: dt.date | None = None,
    before: dt.date | None = None,
    section_ids: Iterable[int] = (),
    server: Server | int | None = None,
) -> StatsWindow:
    """The window of :func:`library_growth`: ``time_range`` months (default 12, the current
    month included) from the first day of the first month, or ``after``..``before`` (local
    dates, inclusive); only ``section_ids`` (library section ids) and ``server`` (a Server, its
    pk, or None for all) if given. Raises :class:`~core.errors.InvalidInput` for a bad range
    (:meth:`StatsWindow.day_range`)."""
    return StatsWindow.build(
        time_range=time_range,
        after=after,
        before=before,
        section_ids=section_ids,
        server=server,
        default_days=DEFAULT_MONTHS,
        months=True,
    )


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def growth_rows(window: StatsWindow) -> list[dict]:
    """One SQL query: per library (server, section) of the inventory matching the window's
    ``server``/``section_id`` filters and per local month of the window, ``{"server_id",
    "section_id", "bucket" (year·12 + month − 1, or -1 for the library's items added outside
    the window), "items", "size" (bytes, None when no size is known), "section_name",
    "server_name"}``.

    The ``-1`` rows make every library of the inventory appear even when nothing was added
    to it in the window.
    """
    tz = timezone.get_current_timezone()
    month = ExtractYear("added_at", tzinfo=tz) * 12 + ExtractMonth("added_at", tzinfo=tz) - 1
    bucket = Case(
        When(Q(added_at__gte=window.start, added_at__lt=window.end), then=month),
        default=Value(OUTSIDE),
        output_field=IntegerField(),
    )
    name = Library.objects.filter(
        server_id=OuterRef("server_id"), section_id=OuterRef("section_id")
    ).values("section_name")[:1]
    media = LibraryMedia.objects.present().playable()
    if window.server_id is not None:
        media = media.filter(server_id=window.server_id)
    if window.section_ids:
        media = media.filter(section_id__in=window.section_ids)
    return list(
        media.annotate(bucket=bucket)
        .values("server_id", "section_id", "bucket")
        .annotate(
            items=Count("id"),
            size=Sum("file_size"),
            section_name=Subquery(name),
            server_name=Max("server__name"),
        )
        .order_by("server_id", "section_id", "bucket")
    )


def library_growth(window: StatsWindow, y_axis: GrowthAxis | str = GrowthAxis.COUNT) -> dict:
    """Items (``y_axis="count"``) or bytes (``"size"``, Σ ``file_size``) added per local month
    of ``window``: ``{"categories": ["Dec 2025", ..., "Nov 2026"], "series": [{"name": <library
    name>, "data": [int per month]}, ..., {"name": "Total", "data": [...]}]}``.

    One series per library of the inventory (matching the ``server``/``section_id`` filters),
    ordered by server then section id, named by the library's ``section_name`` (with the
    server's name in parentheses when two servers have a library of that name; "Section N"
    when the library is unknown), zero-filled; then "Total", the sum of the libraries. The
    months are those the window touches (its first month counts from ``window.first_day``).
    Items with an unknown size add 0 bytes. The aggregation is one SQL query
    (:func:`growth_rows`). Only the window's dates, ``server_id`` and ``section_ids`` apply.
    Raises :class:`~core.errors.InvalidInput` for an unknown ``y_axis``.
    """
    if y_axis not in Y_AXES:
        raise InvalidInput(f"y_axis must be one of {Y_AXES}")
    months = window.months()  # none when `after` alone is later than today
    first = _month_index(months[0].year, months[0].month) if months else 0
    series: dict[tuple[int, int], dict] = {}
    for row in growth_rows(window):
        key = (row["server_id"], row["section_id"])
        entry = series.setdefault(
            key,
            {
                "name": row["section_name"] or f"Section {row['section_id']}",
                "server": row["server_name"] or "",
                "data": [0] * len(months),
            },
        )
        index = row["bucket"] - first
        if row["bucket"] != OUTSIDE and 0 <= index < len(months):
            entry["data"][index] += row["items"] if y_axis == "count" else int(row["size"] or 0)
    names = distinct_library_names(
        {key: entry["name"] for key, entry in series.items()},
        {key[0]: entry["server"] for key, entry in series.items()},
    )
    result = [{"name": names[key], "data": entry["data"]} for key, entry in series.items()]
    total = [sum(s["data"][index] for s in result) for index in range(len(months))]
    result.append({"name": "Total", "data": total})
    return {
        "categories": [month_label(m) for m in months],
        "series": result,
    }
