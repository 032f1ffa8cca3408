"""Watch-time, per-user and per-player statistics over history (reference 1.2 and 1.3).

The plain computation over a :class:`~history.models.History` queryset the caller has narrowed
to a user, a library section or an item (and a server: ``History.objects.for_server(server)``):
one SQL aggregation per call, reading every matching row. The /api/v2 commands and the admin's
pages answer from the rollups instead (:mod:`stats.watch_stats`, :mod:`stats.item_stats`,
:mod:`stats.player_stats`), which are tested equal to these functions; these stay the
definition of the rules, and serve history that no rollup covers.

Units and rules (reference 1.3 "Watch-time stats", 3.6, 6.1):

* ``total_time`` is in **seconds**: the sum of the stored ``play_duration``
  (``stopped − started − paused_counter``) of the matching rows.
* ``total_plays`` counts plays: ``COUNT(DISTINCT reference_id)`` when grouping (continuations of
  one play count once; a row without a reference id counts as its own play), else ``COUNT(id)``.
  The adapters default ``grouping`` to ``settings.GROUP_HISTORY_TABLES``.
* A window of ``days`` covers rows with ``stopped >= now − days·86400`` (an epoch offset, not
  local calendar days); ``0`` means all time.

Tautulli reported 0 plays for a window whose time summed to 0 (a quirk of its row handling);
here plays are counted whatever their time. Rows of placeholder users (history imported for a
user Tautulli no longer had) count for their user, where Tautulli's join to ``users`` dropped
them.
"""

import datetime as dt
from collections.abc import Sequence

from django.db.models import Count, F, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from core import clock
from core.errors import InvalidInput
from core.limits import MAX_DAYS
from users.models import friendly_name_or_username, user_thumb_url

from .platforms import platform_display, platform_icon_name

# The watch-time windows when a request names none: last 24 hours, 7 days, 30 days, all time.
DEFAULT_QUERY_DAYS = (1, 7, 30, 0)

# --- expressions --------------------------------------------------------------------------


def plays_count(grouping: bool, *, prefix: str = "", filter: Q | None = None) -> Count:
    """The number of plays: distinct play groups when ``grouping``, else rows (reference 3.6).

    ``prefix`` reaches History through a relation (``"history__"`` from User).
    """
    if grouping:
        key = Coalesce(F(f"{prefix}reference_id"), F(f"{prefix}id"))
        return Count(key, distinct=True, filter=filter)
    return Count(f"{prefix}id", filter=filter)


def total_time_sum(*, prefix: str = "", filter: Q | None = None) -> Coalesce:
    """Σ ``play_duration`` in seconds; 0 (not NULL) when no row matches."""
    return Coalesce(Sum(f"{prefix}play_duration", filter=filter), Value(0))


def rating_key_q(rating_keys: list[int], *, prefix: str = "") -> Q:
    """Rows of an item at any level: its own key, or its parent's or grandparent's (season, show,
    album, artist), as Tautulli's item statistics match them.

    ``prefix`` reaches the key columns through a relation (``"metadata__"`` from History).
    """
    return (
        Q(**{f"{prefix}rating_key__in": rating_keys})
        | Q(**{f"{prefix}parent_rating_key__in": rating_keys})
        | Q(**{f"{prefix}grandparent_rating_key__in": rating_keys})
    )


# --- aggregations -------------------------------------------------------------------------


def watch_time_stats(
    history: QuerySet,
    query_days: Sequence[int] = DEFAULT_QUERY_DAYS,
    *,
    grouping: bool,
    now: dt.datetime | None = None,
) -> list[dict]:
    """``[{"query_days": d, "total_time": seconds, "total_plays": n}, ...]``, one per window of
    ``query_days`` (days, in that order; ``0`` is all time; a window of ``d`` days covers rows
    stopped since ``now − d·86400``; more than :data:`core.limits.MAX_DAYS` days reaches before
    any play, so it is all time too, without a date Python cannot hold).

    One SQL query computes every window with filtered aggregates. ``now`` defaults to the
    current time (UTC). A negative number of days raises :class:`~core.errors.InvalidInput`.
    """
    if any(days < 0 for days in query_days):
        raise InvalidInput("Parameter query_days must not be negative")
    now = now or clock.now()
    aggregates = {}
    for index, days in enumerate(query_days):
        window = Q(stopped__gte=now - dt.timedelta(days=days)) if 0 < days <= MAX_DAYS else None
        aggregates[f"time_{index}"] = total_time_sum(filter=window)
        aggregates[f"plays_{index}"] = plays_count(grouping, filter=window)
    totals = history.order_by().aggregate(**aggregates) if aggregates else {}
    return [
        {
            "query_days": days,
            "total_time": int(totals[f"time_{index}"] or 0),
            "total_plays": int(totals[f"plays_{index}"] or 0),
        }
        for index, days in enumerate(query_days)
    ]


def user_stats(history: QuerySet, *, grouping: bool) -> list[dict]:
    """Per-user plays and time over ``history``, most plays first (then most time).

    Rows: ``{friendly_name, user_id, user_thumb, username, total_plays, total_time}`` — the
    key order of Tautulli's ``get_item_user_stats`` capture. Only rows of known users count
    (Tautulli joins ``users``); ``friendly_name`` falls back to the username when blank.
    """
    rows = (
        history.filter(user__isnull=False)
        .order_by()
        .values("user__user_id")
        .annotate(
            username=F("user__username"),
            friendly=F("user__friendly_name"),
            thumb=F("user__thumb"),
            custom_thumb=F("user__custom_avatar_url"),
            total_plays=plays_count(grouping),
            total_time=total_time_sum(),
        )
        .order_by("-total_plays", "-total_time", "user__user_id")
    )
    return [
        {
            "friendly_name": friendly_name_or_username(row["friendly"], row["username"]),
            "user_id": row["user__user_id"],
            "user_thumb": user_thumb_url(row["custom_thumb"], row["thumb"]),
            "username": row["username"],
            "total_plays": row["total_plays"],
            "total_time": int(row["total_time"]),
        }
        for row in rows
    ]


def player_stats(history: QuerySet, *, grouping: bool) -> list[dict]:
    """Per-player plays and time over ``history``, most plays first (then most time).

    Rows: ``{player_name, platform, platform_name, total_plays, total_time, result_id}``;
    ``platform`` is the player's platform (overrides applied), ``platform_name`` its icon key,
    ``result_id`` the 0-based rank (Tautulli's ``get_user_player_stats``).
    """
    rows = (
        history.order_by()
        .values("player")
        .annotate(
            platform_raw=Max("platform"),
            total_plays=plays_count(grouping),
            total_time=total_time_sum(),
        )
        .order_by("-total_plays", "-total_time", "player")
    )
    result = []
    for rank, row in enumerate(rows):
        platform = platform_display(row["platform_raw"])
        result.append(
            {
                "player_name": row["player"],
                "platform": platform,
                "platform_name": platform_icon_name(platform),
                "total_plays": row["total_plays"],
                "total_time": int(row["total_time"]),
                "result_id": rank,
            }
        )
    return result
