"""How the admin shows a duration: one format, :func:`humanize_seconds`, on every page.

History's list and detail use it through :func:`duration_display`, the statistics pages
(``stats.dashboard``: cards, watch time, the users' and libraries' tables) directly. Not here on
purpose: ``/api/v2`` answers Tautulli's own
strings ("1 day 2 hrs 3 mins", ``history.table.serialize.human_duration``), which are part of its
contract; the Activity page shows a stream's position as a player's clock (``1:30 / 10:00``,
``plex.admin_activity.clock_text``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from django.contrib import admin


def humanize_seconds(seconds: int | None) -> str:
    """A duration in seconds as ``"3d 04h"``, ``"1h 05m"``, ``"42m 07s"`` or ``"9s"`` (the two
    largest units; "" for None)."""
    if seconds is None:
        return ""
    seconds = max(int(seconds), 0)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def duration_display(
    field: str, description: str, *, unit: Literal["s", "ms"] = "s"
) -> Callable[[object, object], str]:
    """A ModelAdmin display (for ``list_display``, ``readonly_fields`` and fieldsets) of the
    model field ``field``, a duration in seconds (``unit="s"``) or milliseconds (``"ms"``, cut to
    whole seconds), as :func:`humanize_seconds` writes it. The field's name is kept as
    ``source_field`` on the display, for code that looks at the value behind it.

    ``paused = duration_display("paused_counter", _("paused"))`` in a ModelAdmin, then
    ``"paused"`` in its fields.
    """
    per_second = 1000 if unit == "ms" else 1

    @admin.display(description=description)
    def show(model_admin, obj) -> str:
        value = getattr(obj, field)
        return humanize_seconds(None if value is None else int(value) // per_second)

    show.source_field = field
    return show
