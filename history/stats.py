"""Watch-time, per-user and per-player statistics over history (reference 1.2 and 1.3).

Shared by the user, library and item statistics commands of /api/v2. Every aggregation runs in
SQL (one query per call), over a :class:`~history.models.History` queryset the caller has
already narrowed to a user, a library section or an item.

Units and rules (reference 1.3 "Watch-time stats", 3.6, 6.1):

* ``total_time`` is in **seconds**: the sum of the stored ``play_duration``
  (``stopped − started − paused_counter``) of the matching rows.
* ``total_plays`` counts plays: ``COUNT(DISTINCT reference_id)`` when grouping (continuations of
  one play count once; a row without a reference id counts as its own play), else ``COUNT(id)``.
  ``grouping`` defaults to ``settings.GROUP_HISTORY_TABLES``.
* A window of ``days`` covers rows with ``stopped >= now − days·86400`` (an epoch offset, not
  local calendar days); ``0`` means all time.

Tautulli reported 0 plays for a window whose time summed to 0 (a quirk of its row handling);
here plays are counted whatever their time. Rows of placeholder users (history imported for a
user Tautulli no longer had) count for their user, where Tautulli's join to ``users`` dropped
them.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Count, F, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from core import clock
from core.tautulli_api import ApiError, Params
from servers.apiv2 import server_from_params
from users.models import friendly_name_or_username, user_thumb_url

from .models import History
from .platforms import platform_display, platform_icon_name

DEFAULT_QUERY_DAYS = (1, 7, 30, 0)

# --- parameters ---------------------------------------------------------------------------


def grouping_param(params: Params) -> bool:
    """``grouping`` 0/1 (also true/false); absent → ``settings.GROUP_HISTORY_TABLES``."""
    return bool(params.bool("grouping", default=settings.GROUP_HISTORY_TABLES))


def query_days_param(params: Params) -> list[int]:
    """``query_days`` as a list of non-negative ints ("1,7,30,0"); absent → 1, 7, 30, 0."""
    raw = params.str_list("query_days")
    if not raw:
        return list(DEFAULT_QUERY_DAYS)
    days = []
    for item in raw:
        try:
            value = int(item)
        except ValueError:
            raise ApiError(
                f"Parameter query_days must be comma-separated days, e.g. 1,7,30,0; got {item!r}"
            ) from None
        if value < 0:
            raise ApiError("Parameter query_days must not be negative")
        days.append(value)
    return days


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
    query_days: list[int],
    *,
    grouping: bool,
    now: dt.datetime | None = None,
) -> list[dict]:
    """``[{"query_days": d, "total_time": seconds, "total_plays": n}, ...]`` in request order.

    One SQL query computes every window with filtered aggregates. ``now`` defaults to the
    current time (UTC); a window of ``0`` days is all time.
    """
    now = now or clock.now()
    aggregates = {}
    for index, days in enumerate(query_days):
        window = Q(stopped__gte=now - dt.timedelta(days=days)) if days > 0 else None
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


# --- command bodies -----------------------------------------------------------------------
# The user, library and item statistics commands differ only in the History rows they cover.


def history_in_scope(params: Params) -> QuerySet:
    """History of the optional ``server`` parameter (id, name or machine identifier), of every
    server without it; an unknown server raises :class:`ApiError`."""
    return History.objects.for_server(server_from_params(params, default_first=False))


def watch_time_stats_for(history: QuerySet, params: Params) -> list[dict]:
    """:func:`watch_time_stats` of ``history`` for the request's ``query_days`` and ``grouping``
    (the ``get_*_watch_time_stats`` commands; ``total_time`` in seconds)."""
    return watch_time_stats(history, query_days_param(params), grouping=grouping_param(params))


def user_stats_for(history: QuerySet, params: Params) -> list[dict]:
    """:func:`user_stats` of ``history`` for the request's ``grouping`` (``get_*_user_stats``)."""
    return user_stats(history, grouping=grouping_param(params))


def player_stats_for(history: QuerySet, params: Params) -> list[dict]:
    """:func:`player_stats` of ``history`` for the request's ``grouping``."""
    return player_stats(history, grouping=grouping_param(params))
