"""Upkeep and reading of :class:`~stats.models.ItemUserLast`: per home-stats title and user, the
latest local date of a day-play, from DailyItems' ``d`` rows.

:mod:`stats.rollup` calls :func:`rebuild` after rebuilding DailyItems, and around a
recomputation of some days :func:`titles_on` (before and after) then :func:`recompute` with the
titles those days held: a title's rows are recomputed whole from its DailyItems rows (on their
``(media_type, title, …)`` index), so a deleted or moved play moves its user's date back.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Max

from .models import DailyItems, ItemUserLast, RollupBase
from .window import StatsWindow

KEY = "media_type, title, parent_title, year, user_id"
CHUNK = 500  # titles per statement (well under SQLite's variable limit)


def rebuild(using: str = DEFAULT_DB_ALIAS) -> None:
    """Recompute every row from DailyItems' day rows, in database ``using`` (a migration passes
    its own)."""
    ItemUserLast.unsynced.using(using).all().delete()
    _insert("", [], using)


def titles_on(days: Iterable[dt.date]) -> set[tuple[str, str]]:
    """The ``(media_type, title)`` of DailyItems' day rows on local ``days``."""
    return set(
        DailyItems.unsynced.filter(period=RollupBase.DAY, date__in=list(days))
        .values_list("media_type", "title")
        .distinct()
    )


def recompute(titles: set[tuple[str, str]]) -> None:
    """Replace the rows of ``titles`` (``(media_type, title)`` pairs, every parent title and
    year under them) by fresh ones from DailyItems."""
    by_type: dict[str, list[str]] = {}
    for media_type, title in titles:
        by_type.setdefault(media_type, []).append(title)
    for media_type, names in sorted(by_type.items()):
        names.sort()
        for index in range(0, len(names), CHUNK):
            chunk = names[index : index + CHUNK]
            ItemUserLast.unsynced.filter(media_type=media_type, title__in=chunk).delete()
            marks = ", ".join(["%s"] * len(chunk))
            _insert(f"AND media_type = %s AND title IN ({marks})", [media_type, *chunk])


def _insert(where: str, params: list, using: str = DEFAULT_DB_ALIAS) -> None:
    connection = connections[using]
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(ItemUserLast._meta.db_table)} ({KEY}, last_date) "
            f"SELECT {KEY}, MAX(date) FROM {q(DailyItems._meta.db_table)} "
            f"WHERE period = %s {where} GROUP BY {KEY}",
            [RollupBase.DAY, *params],
        )


def answers(window: StatsWindow) -> bool:
    """Whether :func:`users_watched` answers ``window``: no server or library filter (the
    rows do not keep them) and no history after its last day (a user's latest date in the
    window is then a day-play in it)."""
    if window.section_ids or window.server_id is not None:
        return False
    latest = DailyItems.objects.filter(period=RollupBase.DAY).aggregate(last=Max("date"))["last"]
    return latest is None or latest <= window.last_day


def users_watched(window: StatsWindow, media_type: str) -> list[tuple[str, str, int | None, int]]:
    """``[(title, parent_title, year, users), ...]`` of ``media_type``'s titles that users (of
    the window's user filter) began a play of in ``window``, most users first: Tautulli's
    ``COUNT(DISTINCT user_id)`` of the popular cards, for a window :func:`answers`."""
    rows = ItemUserLast.objects.filter(media_type=media_type, last_date__gte=window.first_day)
    if window.user_ids:
        rows = rows.filter(user_id__in=window.user_ids)
    return list(
        rows.values_list("title", "parent_title", "year")
        .annotate(users=Count("*"))
        .order_by("-users")
    )
