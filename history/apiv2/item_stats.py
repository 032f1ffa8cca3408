"""/api/v2 per-item statistics: get_item_watch_time_stats, get_item_user_stats (reference 1.2).

An item is matched at any level of the Plex tree: a movie, episode or track by its own rating
key, a season or album through ``parent_rating_key``, a show or artist through
``grandparent_rating_key``. Aggregation rules are those of :mod:`history.stats`.
"""

from core.tautulli_api import Params, api_command

from ..stats import rating_key_q, user_stats, watch_time_stats
from .params import grouping_param, history_in_scope, query_days_param


def _item_history(params: Params):
    """History rows of the item named by ``rating_key`` (required), on ``server`` if given.

    ``media_type`` collection/playlist: Tautulli expands those keys into their children by
    asking Plex; children are not kept in the database, so the key itself is matched (a
    collection's or playlist's own key matches no history row).
    """
    rating_key = params.int("rating_key", required=True)
    params.str("media_type")  # accepted for compatibility, see above
    return history_in_scope(params).filter(rating_key_q([rating_key]))


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
    return watch_time_stats(
        _item_history(params), query_days_param(params), grouping=grouping_param(params)
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
    return user_stats(_item_history(params), grouping=grouping_param(params))
