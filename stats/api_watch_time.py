"""/api/v2 watch-time statistics of a user or a library, read from the watch-time rollup
(:mod:`stats.watch_stats`, :mod:`stats.item_stats`, :mod:`stats.player_stats`):
get_user_watch_time_stats, get_user_player_stats, get_library_watch_time_stats,
get_library_user_stats, get_item_watch_time_stats, get_item_user_stats (reference 1.2, 1.3).

An item is matched at any level of the Plex tree: a movie, episode or track by its own rating
key, a season or album through ``parent_rating_key``, a show or artist through
``grandparent_rating_key``. ``media_type`` collection/playlist: Tautulli expands those keys into
their children by asking Plex; children are not kept in the database, so the key itself is
matched (a collection's or playlist's own key matches no history row).

History refers to a library by ``section_id`` (reference section 9). Without ``server`` the
statistics cover every server's history; with it, only that server's.
"""

from core.tautulli_api import Params, api_command
from history.apiv2.params import grouping_param, query_days_param
from servers.apiv2 import server_from_params

from .item_stats import item_user_stats, item_watch_time_stats
from .player_stats import user_player_stats
from .watch_stats import Scope, user_stats, watch_time_stats


def _server_id(params: Params) -> int | None:
    """The pk of the optional ``server`` (id, name or machine identifier); None: every server."""
    server = server_from_params(params, default_first=False)
    return server.pk if server is not None else None


def _item(params: Params) -> tuple[int, int | None]:
    """``(rating_key, server pk or None)`` of the item commands (``rating_key`` required)."""
    params.str("media_type")  # accepted for compatibility, see the module docstring
    return params.int("rating_key", required=True), _server_id(params)


def _library_scope(params: Params) -> Scope:
    """The library ``section_id`` (required), on ``server`` if given."""
    return Scope(section_id=params.int("section_id", required=True), server_id=_server_id(params))


@api_command()
def get_user_watch_time_stats(request, params):
    """Get a user's watch time statistics.

    ```
    Required parameters:
        user_id (str):          The id of the Plex user

    Optional parameters:
        grouping (int):         0 or 1
        query_days (str):       Comma separated days, e.g. "1,7,30,0"
        server (str):           Only history of this server

    Returns:
        json:
            [{"query_days": 1, "total_time": 0, "total_plays": 0},
             {"query_days": 7, "total_time": 15694, "total_plays": 3},
             {"query_days": 30, "total_time": 63054, "total_plays": 35},
             {"query_days": 0, "total_time": 1183080, "total_plays": 508}
             ]
    ```
    ``total_time`` is in seconds; ``query_days`` 0 means all time.
    """
    scope = Scope(user_id=params.int("user_id", required=True), server_id=_server_id(params))
    return watch_time_stats(scope, query_days_param(params), grouping=grouping_param(params))


@api_command()
def get_library_watch_time_stats(request, params):
    """Get a library's watch time statistics.

    ```
    Required parameters:
        section_id (str):       The id of the Plex library section

    Optional parameters:
        grouping (int):         0 or 1
        query_days (str):       Comma separated days, e.g. "1,7,30,0"
        server (str):           Only history of this server (id, name or machine identifier)

    Returns:
        json:
            [{"query_days": 1, "total_time": 0, "total_plays": 0},
             {"query_days": 7, "total_time": 15694, "total_plays": 3},
             {"query_days": 30, "total_time": 63054, "total_plays": 35},
             {"query_days": 0, "total_time": 1183080, "total_plays": 508}
             ]
    ```
    ``total_time`` is in seconds; ``query_days`` 0 means all time.
    """
    return watch_time_stats(
        _library_scope(params), query_days_param(params), grouping=grouping_param(params)
    )


@api_command()
def get_library_user_stats(request, params):
    """Get a library's user statistics.

    ```
    Required parameters:
        section_id (str):       The id of the Plex library section

    Optional parameters:
        grouping (int):         0 or 1
        server (str):           Only history of this server (id, name or machine identifier)

    Returns:
        json:
            [{"friendly_name": "Jon Snow",
              "user_id": 133788,
              "user_thumb": "https://plex.tv/users/k10w42309cynaopq/avatar",
              "username": "LordCommanderSnow",
              "total_plays": 170,
              "total_time": 349618
              },
             {...}
             ]
    ```
    Ordered by total_plays, then total_time (seconds), descending.
    """
    return user_stats(_library_scope(params), grouping=grouping_param(params))


@api_command()
def get_user_player_stats(request, params):
    """Get a user's player statistics.

    ```
    Required parameters:
        user_id (str):          The id of the Plex user

    Optional parameters:
        grouping (int):         0 or 1
        server (str):           Only history of this server

    Returns:
        json:
            [{"player_name": "Plex Web (Chrome)",
              "platform": "Chrome",
              "platform_name": "chrome",
              "total_plays": 170,
              "total_time": 349618,
              "result_id": 0
              },
             {...}
             ]
    ```
    One row per player, most plays first; ``total_time`` in seconds; ``result_id`` is the
    0-based rank.
    """
    return user_player_stats(
        params.int("user_id", required=True),
        grouping=grouping_param(params),
        server_id=_server_id(params),
    )


@api_command()
def get_item_watch_time_stats(request, params):
    """Get the watch time stats for the media item.

    ```
    Required parameters:
        rating_key (str):       Rating key of the item (movie, episode, track, season, show,
                                album or artist)

    Optional parameters:
        media_type (str):       Media type of the item (only required for a collection)
        grouping (int):         0 or 1
        query_days (str):       Comma separated days, e.g. "1,7,30,0"
        server (str):           Only history of this server (id, name or machine identifier)

    Returns:
        json:
            [{"query_days": 1, "total_time": 0, "total_plays": 0},
             {"query_days": 7, "total_time": 6500, "total_plays": 1},
             {"query_days": 30, "total_time": 6500, "total_plays": 1},
             {"query_days": 0, "total_time": 12996, "total_plays": 2}
             ]
    ```
    ``total_time`` is in seconds; ``query_days`` 0 means all time.
    """
    rating_key, server_id = _item(params)
    return item_watch_time_stats(
        rating_key,
        query_days_param(params),
        grouping=grouping_param(params),
        server_id=server_id,
    )


@api_command()
def get_item_user_stats(request, params):
    """Get the user stats for the media item.

    ```
    Required parameters:
        rating_key (str):       Rating key of the item

    Optional parameters:
        media_type (str):       Media type of the item (only required for a collection)
        grouping (int):         0 or 1
        server (str):           Only history of this server (id, name or machine identifier)

    Returns:
        json:
            [{"friendly_name": "Jon Snow",
              "user_id": 1601089,
              "user_thumb": "",
              "username": "jsnow@thewinteriscoming.com",
              "total_plays": 6,
              "total_time": 28743
              },
             {...}
             ]
    ```
    Ordered by total_plays, then total_time (seconds), descending.
    """
    rating_key, server_id = _item(params)
    return item_user_stats(rating_key, grouping=grouping_param(params), server_id=server_id)
