"""/api/v2 per-library statistics: get_library_watch_time_stats, get_library_user_stats.

History refers to a library by ``section_id`` (reference section 9). Without ``server`` the
statistics cover that section id on every watched server; with it, only that server's history.
Aggregation rules are those of :mod:`history.stats`.
"""

from core.tautulli_api import Params, api_command

from ..stats import user_stats, watch_time_stats
from .params import grouping_param, history_in_scope, query_days_param


def _library_history(params: Params):
    """History rows of the library ``section_id`` (required), on ``server`` if given."""
    section_id = params.int("section_id", required=True)
    return history_in_scope(params).filter(section_id=section_id)


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
        _library_history(params), query_days_param(params), grouping=grouping_param(params)
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
    return user_stats(_library_history(params), grouping=grouping_param(params))
