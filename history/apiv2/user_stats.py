"""/api/v2 commands about one user's history: IP addresses, players and watch time."""

from core.tautulli_api import Params, api_command
from core.tautulli_api.datatables import table_request, table_response
from servers.apiv2 import server_from_params

from ..models import History
from ..stats import player_stats, user_watch_time_stats, watch_time_stats
from ..user_ips import USER_IPS_COLUMNS, USER_IPS_DEFAULT_COLUMN, user_ips_table
from .params import grouping_param, history_in_scope, query_days_param


def _user_history(params: Params):
    """History of the required ``user_id``, on ``server`` if given (all servers otherwise)."""
    user_id = params.int("user_id", required=True)
    return history_in_scope(params).for_user(user_id)


@api_command()
def get_user_ips(request, params):
    """Get the data on Tautulli users IP table.

    ```
    Required parameters:
        user_id (str):                  The id of the Plex user

    Optional parameters:
        order_column (str):             "last_seen", "first_seen", "ip_address", "platform",
                                        "player", "last_played", "play_count"
        order_dir (str):                "desc" or "asc"
        start (int):                    Row to start from, 0
        length (int):                   Number of items to return, 25
        search (str):                   A string to search for, "xxx.xxx.xxx.xxx"
        server (str):                   Only history of this server

    Returns:
        json:
            {"draw": 1,
             "recordsTotal": 2344,
             "recordsFiltered": 10,
             "data":
                [{"history_row_id": 1121,
                  "last_seen": 1462591869,
                  "first_seen": 1583968210,
                  "ip_address": "xxx.xxx.xxx.xxx",
                  "play_count": 149,
                  "platform": "Chrome",
                  "player": "Plex Web (Chrome)",
                  "last_played": "Game of Thrones - The Red Woman",
                  "rating_key": 153037,
                  "thumb": "/library/metadata/153036/thumb/1462175062",
                  "media_type": "episode",
                  "parent_title": "",
                  "year": 2016,
                  "media_index": 1,
                  "parent_media_index": 6,
                  "live": 0,
                  "originally_available_at": "2016-04-24",
                  "guid": "com.plexapp.agents.thetvdb://121361/6/1?lang=en",
                  "transcode_decision": "transcode",
                  "friendly_name": "Jon Snow",
                  "user_id": 133788
                  },
                 {...}
                 ]
             }
    ```
    Default order: last_seen descending. ``play_count`` counts history rows (not grouped).
    ``recordsTotal`` is the number of rows of the whole history table, as in Tautulli.
    """
    user_id = params.int("user_id", required=True)
    table = table_request(params, default_column=USER_IPS_DEFAULT_COLUMN, columns=USER_IPS_COLUMNS)
    server = server_from_params(params, default_first=False)
    page = user_ips_table(table, user_id=user_id, server=server)
    return table_response(table, total=page.total, filtered=page.filtered, rows=page.rows)


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
    return player_stats(_user_history(params), grouping=grouping_param(params))


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
    ``total_time`` is in seconds; ``query_days`` 0 means all time. Without ``server``, read
    from the per-user play totals and the windows' rows (:func:`user_watch_time_stats`).
    """
    user_id = params.int("user_id", required=True)
    query_days, grouping = query_days_param(params), grouping_param(params)
    server = server_from_params(params, default_first=False)
    if server is None:
        return user_watch_time_stats(user_id, query_days, grouping=grouping)
    history = History.objects.for_server(server).for_user(user_id)
    return watch_time_stats(history, query_days, grouping=grouping)
