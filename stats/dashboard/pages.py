"""The statistics sections of a user's and a library's admin page: watch time, players or users,
top items and graphs, with the dashboard's time-range selector."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from core.admin_kit.display import humanize_seconds
from core.freshness import fresh_reads
from libraries.models import Library
from servers.models import Server
from users.models import User

from ..player_stats import user_player_stats
from ..watch_stats import Scope, user_stats, watch_time_stats
from .cards import cards, user_links
from .charts import LIBRARY_GRAPHS, USER_GRAPHS, charts
from .guard import can_view_statistics, guarded
from .selector import range_selector, window_from_request

# Watch-time windows of a user's or library's page (Tautulli's: last 24 h, 7 days, 30 days, all).
WATCH_TIME_DAYS = (1, 7, 30, 0)
USER_STAT_IDS = ("top_movies", "top_tv", "top_music", "top_platforms", "last_watched")
LIBRARY_STAT_IDS = {
    "movie": ("top_movies", "popular_movies"),
    "show": ("top_tv", "popular_tv"),
    "artist": ("top_music", "popular_music"),
}
LIBRARY_COMMON_STAT_IDS = ("top_users", "top_platforms", "last_watched")


def watch_time_rows(scope: Scope) -> list[dict]:
    """Watch-time tiles of ``scope``'s history: ``{"label", "query_days",
    "total_plays", "total_time" (seconds), "time_text"}`` for the last 24 hours, 7 days, 30 days
    and all time (``get_*_watch_time_stats``: epoch windows ending now, not local days)."""
    labels = {1: _("Last 24 hours"), 7: _("Last 7 days"), 30: _("Last 30 days"), 0: _("All time")}
    rows = watch_time_stats(scope, list(WATCH_TIME_DAYS), grouping=settings.GROUP_HISTORY_TABLES)
    return [
        {
            **row,
            "label": labels[row["query_days"]],
            "time_text": humanize_seconds(row["total_time"]),
        }
        for row in rows
    ]


def players_table(scope: Scope, limit: int = 10) -> dict:
    """The players of ``scope``'s user (``get_user_player_stats``: most plays first), as a table
    of the :data:`limit` first: player, platform, plays, time."""
    rows = user_player_stats(
        scope.user_id, grouping=settings.GROUP_HISTORY_TABLES, server_id=scope.server_id
    )[:limit]
    return {
        "headers": [
            (_("Player"), "left"),
            (_("Platform"), "left"),
            (_("Plays"), "right"),
            (_("Time"), "right"),
        ],
        "rows": [
            [
                (row["player_name"] or "", "left", "", None),
                (row["platform"] or "", "left", "", None),
                (f"{row['total_plays']:,}", "right", "", row["total_plays"]),
                (humanize_seconds(row["total_time"]), "right", "", row["total_time"]),
            ]
            for row in rows
        ],
    }


def users_table(scope: Scope, limit: int = 10) -> dict:
    """The users of ``scope``'s history (``get_library_user_stats``: most plays first), as a
    table of the :data:`limit` first, each linked to the user's admin page: user, plays, time."""
    rows = user_stats(scope, grouping=settings.GROUP_HISTORY_TABLES)[:limit]
    links = user_links(row["user_id"] for row in rows)
    return {
        "headers": [(_("User"), "left"), (_("Plays"), "right"), (_("Time"), "right")],
        "rows": [
            [
                (row["friendly_name"] or "", "left", links.get(row["user_id"], ""), None),
                (f"{row['total_plays']:,}", "right", "", row["total_plays"]),
                (humanize_seconds(row["total_time"]), "right", "", row["total_time"]),
            ]
            for row in rows
        ],
    }


@fresh_reads()
def user_statistics(request, user: User) -> dict | None:
    """The statistics section of a user's admin page, or None for who may not view history.

    ``{"window", "message", "selector", "watch_time", "players", "cards", "charts", "empty"}``:
    watch time (all time windows, on the selected server), the players this user played on
    (``get_user_player_stats``), top items and the graphs over the selected window. A block
    that failed is None (see :func:`guarded`).
    """
    if not can_view_statistics(request):
        return None
    servers = list(Server.objects.order_by("name", "id").values_list("id", "name"))
    if user.user_id is None:  # never played anything: no history can refer to this user
        window, message = window_from_request(request)
        return {
            "empty": True,
            "window": window,
            "message": message,
            "selector": range_selector(request, window, servers=servers, fallback=bool(message)),
        }
    window, message = window_from_request(request, user_ids=(user.user_id,))
    scope = Scope(user_id=user.user_id, server_id=window.server_id)
    return {
        "empty": False,
        "window": window,
        "message": message,
        "selector": range_selector(request, window, servers=servers, fallback=bool(message)),
        "watch_time": guarded("watch time", watch_time_rows, scope),
        "players": guarded("player stats", players_table, scope),
        "cards": guarded("home stats", cards, window, USER_STAT_IDS),
        "charts": charts(window, USER_GRAPHS),
    }


@fresh_reads()
def library_statistics(request, library: Library) -> dict | None:
    """The statistics section of a library's admin page, or None for who may not view history.

    ``{"window", "message", "selector", "watch_time", "users", "cards", "charts"}``: watch time,
    the users who played this library (``get_library_user_stats``, top 10, with links), top
    items of the library's kind, top users / platforms, recently watched, and the graphs, all
    over the library's server and section id. A block that failed is None (see :func:`guarded`).
    """
    if not can_view_statistics(request):
        return None
    window, message = window_from_request(
        request, section_ids=(library.section_id,), server_id=library.server_id
    )
    scope = Scope(section_id=library.section_id, server_id=library.server_id)
    stat_ids = LIBRARY_STAT_IDS.get(library.section_type or "", ()) + LIBRARY_COMMON_STAT_IDS
    return {
        "empty": False,
        "window": window,
        "message": message,
        "selector": range_selector(request, window, fallback=bool(message)),
        "watch_time": guarded("watch time", watch_time_rows, scope),
        "users": guarded("user stats", users_table, scope),
        "cards": guarded("home stats", cards, window, stat_ids),
        "charts": charts(window, LIBRARY_GRAPHS),
    }
