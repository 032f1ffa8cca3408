"""A user's players, all time (``get_user_player_stats``, reference 1.3), from
:class:`~stats.models.MonthlyPlayerTime`: equal to :func:`history.stats.player_stats` over the
user's rows (tested) without reading them.
"""

from django.db.models import Max, Q, Sum

from history.platforms import platform_display, platform_icon_name

from .models import MonthlyPlayerTime
from .watch_stats import COUNTERS, add_to, mixed_rows


def user_player_stats(user_id: int, *, grouping: bool, server_id: int | None = None) -> list[dict]:
    """``[{player_name, platform, platform_name, total_plays, total_time, result_id}]`` of the
    user's rows (on server ``server_id``, a pk, or every server): one row per player, most plays
    first, then most time (seconds), then player name; ``platform`` is the greatest platform of
    the player's rows with overrides applied, ``platform_name`` its icon key, ``result_id`` the
    0-based rank.

    Plays that mix users, servers or sections are counted from their rows (a play continued on
    another player counts for both players, as in Tautulli).
    """
    rows = Q(user_id=user_id) & (Q(server_id=server_id) if server_id is not None else Q())
    players: dict[str | None, dict] = {}
    platforms: dict[str | None, str | None] = {}
    monthly = (
        MonthlyPlayerTime.objects.filter(rows)
        .values_list("player")
        .annotate(Max("platform"), Sum("rows"), Sum("duration"), Sum("plays"))
        .order_by()
    )
    for player, platform, *counters in monthly:
        add_to(players, player, dict(zip(COUNTERS, counters, strict=True)))
        platforms[player] = platform
    if grouping:
        for _key, player in {(key, player) for key, _, _, player in mixed_rows(rows, "player")}:
            add_to(players, player, {"plays": 1})
    counter = "plays" if grouping else "rows"
    ordered = sorted(
        players.items(),
        key=lambda item: (
            -item[1][counter],
            -item[1]["duration"],
            item[0] is not None,
            item[0] or "",
        ),
    )
    result = []
    for rank, (player, totals) in enumerate(ordered):
        platform = platform_display(platforms.get(player))
        result.append(
            {
                "player_name": player,
                "platform": platform,
                "platform_name": platform_icon_name(platform),
                "total_plays": int(totals[counter]),
                "total_time": int(totals["duration"]),
                "result_id": rank,
            }
        )
    return result
