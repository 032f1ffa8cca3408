"""A guest's own statistics, from the statistics app's functions behind Tautulli's
``get_user_watch_time_stats``, ``get_user_player_stats`` and the home cards filtered to one user
(``get_home_stats`` with ``user_id``), so the numbers are the admin's and the API's."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from core.image_links import image_url
from history.models import History
from stats.home_stats import home_stats
from stats.player_stats import user_player_stats
from stats.watch_stats import Scope, watch_time_stats
from stats.window import StatsWindow

from .display import POSTER_HEIGHT, POSTER_WIDTH

QUERY_DAYS = (1, 7, 30, 0)  # 0: all time, as Tautulli's user page
MOST_WATCHED_DAYS = 30
MOST_WATCHED_CARDS = {"top_movies": "Movies", "top_tv": "TV shows", "top_music": "Artists"}
MOST_WATCHED_COUNT = 5
PLAYERS_COUNT = 5


@dataclass(frozen=True)
class MostWatched:
    """One row of a most-watched list: ``total_duration`` in seconds; ``poster`` a signed URL."""

    title: str
    total_plays: int
    total_duration: int
    poster: str


def user_statistics(user_id: int) -> dict:
    """``{"watch_time": [{query_days, total_time (s), total_plays}], "players":
    [{player_name, platform, total_plays, total_time (s)}...] (at most 5),
    "most_watched": [(card title, [MostWatched])]}`` of plex.tv user ``user_id`` (grouping as
    ``GROUP_HISTORY_TABLES``; most watched over the last 30 days, non-empty lists only)."""
    grouping = settings.GROUP_HISTORY_TABLES
    window = StatsWindow.build(time_range=MOST_WATCHED_DAYS, user_ids=[user_id])
    cards = home_stats(window, stat_ids=list(MOST_WATCHED_CARDS), stats_count=MOST_WATCHED_COUNT)
    return {
        "watch_time": watch_time_stats(Scope(user_id=user_id), QUERY_DAYS, grouping=grouping),
        "players": user_player_stats(user_id, grouping=grouping)[:PLAYERS_COUNT],
        "most_watched": _most_watched(user_id, cards),
    }


def _most_watched(user_id: int, cards: list[dict]) -> list[tuple[str, list[MostWatched]]]:
    row_ids = {row["row_id"] for card in cards for row in card["rows"]}
    # The cards name a history row per item, not its server: one query for them all, limited
    # to the guest's rows.
    servers = dict(
        History.objects.for_user(user_id).filter(id__in=row_ids).values_list("id", "server_id")
    )
    lists = []
    for card in cards:
        rows = [
            MostWatched(
                title=row["title"] or "Unknown",
                total_plays=row["total_plays"] or 0,
                total_duration=row["total_duration"] or 0,
                poster=image_url(
                    servers.get(row["row_id"]),
                    row["thumb"],
                    POSTER_WIDTH,
                    POSTER_WIDTH if card["stat_id"] == "top_music" else POSTER_HEIGHT,
                    "cover" if card["stat_id"] == "top_music" else "poster",
                ),
            )
            for row in card["rows"]
        ]
        if rows:
            lists.append((MOST_WATCHED_CARDS[card["stat_id"]], rows))
    return lists
