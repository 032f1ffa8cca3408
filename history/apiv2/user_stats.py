"""/api/v2 commands about one user's history: IP addresses and players (watch time is
:mod:`stats.api_watch_time`'s)."""

from core.tautulli_api import api_command
from core.tautulli_api.datatables import table_request, table_response
from servers.apiv2 import server_from_params

from ..user_ips import USER_IPS_COLUMNS, USER_IPS_DEFAULT_COLUMN, user_ips_table


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
