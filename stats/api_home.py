"""/api/v2 ``get_home_stats`` (reference 1.2, 1.3, 6.3; the cards are built by
:mod:`stats.home_stats`): its parameters parsed into typed values."""

from core.tautulli_api import ApiError, EncodedJSON, Params, api_command

from .api_params import window_from_params
from .home_cache import home_stats_json
from .home_stats import HOME_STAT_IDS, StatsType

# stats_type values that mean duration: Tautulli's name, the 1 of older clients, and the
# ``stat_type`` the cards report (clients such as mcp-tautulli send it back).
DURATION_STATS_TYPES = {"duration", "1", "total_duration"}
MAX_STATS_COUNT = 1_000_000


def stats_type_param(params: Params) -> StatsType:
    """``stats_type``: ``duration`` (also 1 and ``total_duration``, any case) sorts by
    duration; every other value, or none, by plays, as Tautulli's ``get_home_stats`` does
    (api-clients.md: ``'total_duration' if stats_type == 'duration' else 'total_plays'``), so a
    client sending ``total_plays`` is answered rather than refused."""
    raw = (params.str("stats_type") or "").strip().lower()
    return StatsType.DURATION if raw in DURATION_STATS_TYPES else StatsType.PLAYS


def stat_id_param(params: Params) -> str | None:
    """``stat_id``: one card id of :data:`HOME_STAT_IDS`, or None."""
    stat_id = params.str("stat_id")
    if stat_id is None:
        return None
    stat_id = stat_id.strip()
    if stat_id not in HOME_STAT_IDS:
        raise ApiError(
            f"Parameter stat_id must be one of {', '.join(HOME_STAT_IDS)}; got {stat_id!r}"
        )
    return stat_id


@api_command()
def get_home_stats(request, params):
    """Get the homepage watch statistics.

    ```
    Required parameters:
        None

    Optional parameters:
        grouping (int):         0 or 1
        time_range (int):       The time range to calculate statistics, 30
        stats_type (str):       'plays' or 'duration' (also 0 or 1); any other value: plays
        stats_start (int)       The row number of the stat item to start at, 0
        stats_count (int):      The number of stat items to return, 10
        stat_id (str):          A single stat to return, 'top_movies', 'popular_movies',
                                'top_tv', 'popular_tv', 'top_music', 'popular_music',
                                'top_libraries', 'top_users', 'top_platforms',
                                'last_watched', 'most_concurrent'
        section_id (int):       The id of the Plex library section (comma list allowed)
        user_id (int):          The id of the Plex user (comma list allowed)
        before (str):           Stats before and including the date, "YYYY-MM-DD"
        after (str):            Stats after and including the date, "YYYY-MM-DD"
        server (str):           Only this server (id, name or machine identifier)

    Returns:
        json:
            [{"stat_id": "top_movies",
              "stat_type": "total_plays",
              "stat_title": "Most Watched Movies",
              "rows": [{...}]
              },
             {"stat_id": "popular_movies",
              "stat_title": "Most Popular Movies",
              "rows": [{...}]
              },
             {"stat_id": "top_tv",
              "stat_type": "total_plays",
              "stat_title": "Most Watched TV Shows",
              "rows":
                [{"content_rating": "TV-MA",
                  "friendly_name": "",
                  "grandparent_thumb": "/library/metadata/1219/thumb/1462175063",
                  "guid": "com.plexapp.agents.thetvdb://121361/6/1?lang=en",
                  "labels": [],
                  "last_play": 1462380698,
                  "live": 0,
                  "media_type": "episode",
                  "platform": "",
                  "rating": "",
                  "rating_key": 1219,
                  "row_id": 1116,
                  "section_id": 2,
                  "thumb": "/library/metadata/1219/thumb/1462175063",
                  "title": "Game of Thrones",
                  "total_duration": 213302,
                  "total_plays": 69,
                  "user": "",
                  "users_watched": "",
                  "year": 2011
                  },
                 {...},
                 {...}
                 ]
              },
             {"stat_id": "popular_tv", ...},
             {"stat_id": "top_music", ...},
             {"stat_id": "popular_music", ...},
             {"stat_id": "last_watched", ...},
             {"stat_id": "top_libraries", ...},
             {"stat_id": "top_users", ...},
             {"stat_id": "top_platforms", ...},
             {"stat_id": "most_concurrent",
              "stat_title": "Most Concurrent Streams",
              "rows": [{"title": "Concurrent Streams", "count": 5,
                        "started": "1782706507", "stopped": "1782707124"}, ...]
              }
             ]
    ```
    With ``stat_id`` the answer is that one card (an object, not a list).

    The window is whole local days (``TIME_ZONE``) by the date a play started: the last
    ``time_range`` days including today, or ``after``..``before`` (inclusive; Tautulli v2.17.2
    fails on these, here they work). Totals: plays begun in the window (rows without grouping)
    and ``total_duration`` in seconds; ``last_play``/``last_watch`` are epoch seconds. Without
    ``server`` every server counts. Bad values (an unknown ``stat_id`` or ``stats_type``, a
    negative ``stats_start``/``stats_count`` or one above 1,000,000, a non-numeric
    ``time_range``, ``after`` later than ``before``, an unknown ``server``) answer an error
    naming the parameter; Tautulli answered "Check the logs" or a null message.
    """
    window = window_from_params(params, default_days=30)
    stats_type = stats_type_param(params)
    stats_start = params.int("stats_start", 0, minimum=0)
    stats_count = params.int("stats_count", 10, minimum=0)
    if stats_count > MAX_STATS_COUNT or stats_start > MAX_STATS_COUNT:
        raise ApiError(f"Parameters stats_start and stats_count must be at most {MAX_STATS_COUNT}")
    stat_id = stat_id_param(params)
    cards = home_stats_json(
        window,
        stat_ids=[stat_id] if stat_id else None,
        stats_type=stats_type,
        stats_start=stats_start,
        stats_count=stats_count,
    )
    # One card: the list's only element (its text between the brackets).
    return EncodedJSON(cards[1:-1] if stat_id else cards)
