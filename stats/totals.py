"""All-time plays and duration per user or library, from the daily rollup.

The users and libraries tables sort and show these totals; reading them from the rollup's month
rows (a few thousand rows) instead of history (millions) is what keeps those tables fast.
"""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Sum, Value, When

from .models import DailyPlays


@dataclass(frozen=True)
class PlayTotals:
    """A user's (or library's) totals over all time: ``plays`` and ``duration`` (seconds)."""

    plays: int = 0
    duration: int = 0


NO_PLAYS = PlayTotals()


def rollup_totals(key_fields: tuple[str, ...], *, grouping: bool, server=None) -> dict:
    """Plays and duration per ``key_fields`` (``("user_id",)``, ``("server_id",
    "section_id")``) over all time, from the rollup :class:`stats.models.DailyPlays` (synced
    first) in one grouped query over its month rows (each the sum of its days' rows, so all
    time is all month rows): ``{key: PlayTotals}``, the key being the value of the single field
    or a tuple of the values. Keys with a NULL value are left out.

    ``plays``: Σ ``first_plays`` when ``grouping`` (each play counts once, on the day it began,
    for the user/library of its latest row that day — reference 3.6), else Σ ``rows`` (history
    rows); ``duration``: Σ ``duration``, seconds (``stopped − started − paused`` per row,
    reference 6.1). ``server`` (a :class:`servers.models.Server`) counts that server's plays only.
    The rollup leaves out rows without a ``started`` time (they have no date).
    """
    rows = DailyPlays.objects.filter(
        period=DailyPlays.MONTH, **{f"{field}__isnull": False for field in key_fields}
    )
    if server is not None:
        rows = rows.filter(server_id=server.pk)
    grouped = (
        rows.order_by()
        .values(*key_fields)
        .annotate(plays=Sum("first_plays" if grouping else "rows"), duration=Sum("duration"))
    )
    totals = {}
    for row in grouped:
        key = tuple(row[field] for field in key_fields)
        totals[key if len(key) > 1 else key[0]] = PlayTotals(
            plays=int(row["plays"] or 0), duration=int(row["duration"] or 0)
        )
    return totals


def totals_case(totals: dict, name: str, key_fields: tuple[str, ...]) -> Case | Value:
    """SQL giving each row the ``name`` total (``plays`` or ``duration``) of
    :func:`rollup_totals` for its ``key_fields`` (0 when it has none): a ``CASE`` with one
    ``WHEN`` per key, to sort by the totals in SQL. Meant for the few users or libraries."""
    whens = []
    for key, entry in totals.items():
        values = key if len(key_fields) > 1 else (key,)
        whens.append(When(**dict(zip(key_fields, values, strict=True)), then=getattr(entry, name)))
    if not whens:
        return Value(0, output_field=IntegerField())
    return Case(*whens, default=Value(0), output_field=IntegerField())
