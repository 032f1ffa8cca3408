"""/api/v2 history table commands: get_history, delete_history (reference 1.2, 1.3).

The adapter of :mod:`history.table`: get_history's parameters are parsed here into
:class:`~history.table.HistoryFilters` and a :class:`~history.table.HistoryQuery`.
"""

from django.conf import settings
from django.db import transaction

from core.tautulli_api import ApiError, Params, api_command
from core.tautulli_api.datatables import TableRequest, default_order
from servers.apiv2 import server_from_params
from servers.models import Server

from ..grouping import sync_groups
from ..models import History
from ..table import ORDER_COLUMNS, HistoryFilters, HistoryQuery, history_table
from ..table.children import collection_children


def history_filters_from_params(params: Params, *, server: Server | None = None) -> HistoryFilters:
    """get_history's filter parameters read as Tautulli's webserve.get_history does, for
    ``server`` (None: every server).

    Comma-separated lists; ``user_id`` wins over ``user``; ``media_type``/``transcode_decision``
    containing ``all`` filter nothing; a ``guid`` is cut at ``?`` and matched as a prefix
    (case-insensitive, like SQLite's LIKE); ``start_date``/``before``/``after`` are local
    ``YYYY-MM-DD`` dates, several values of one OR-ed (the latest ``before``, the earliest
    ``after``), clamped into the usable dates (:func:`core.limits.clamp_date`). Malformed or
    out-of-range numbers and malformed dates raise :class:`ApiError`.
    """
    user_ids = params.int_list("user_id")
    rating_keys = params.int_list("rating_key")
    parent_rating_keys = params.int_list("parent_rating_key")
    grandparent_rating_keys = params.int_list("grandparent_rating_key")
    section_ids = params.int_list("section_id")
    reference_ids = params.int_list("reference_id")
    users = [] if user_ids else params.str_list("user")
    media_types = params.str_list("media_type")
    decisions = params.str_list("transcode_decision")
    guid = params.raw("guid") or ""
    start_dates = params.date_list("start_date")
    befores, afters = params.date_list("before"), params.date_list("after")
    return HistoryFilters.build(
        user_ids=user_ids,
        users=users,
        rating_keys=rating_keys,
        parent_rating_keys=parent_rating_keys,
        grandparent_rating_keys=grandparent_rating_keys,
        section_ids=section_ids,
        media_types=[] if "all" in media_types else media_types,
        transcode_decisions=[] if "all" in decisions else decisions,
        guids=[g.strip() for g in guid.split("?")[0].split(",") if g.strip()],
        reference_ids=reference_ids,
        server=server,
        start_dates=start_dates,
        before=max(befores) if befores else None,
        after=min(afters) if afters else None,
    )


@api_command()
def get_history(request, params):
    """Get the Tautulli history.

    ```
    Required parameters:
        None

    Optional parameters:
        grouping (int):                 0 or 1
        include_activity (int):         0 or 1
        user (str):                     "Jon Snow"
        user_id (int):                  133788
        rating_key (int):               4348
        parent_rating_key (int):        544
        grandparent_rating_key (int):   351
        start_date (str):               History for the exact date, "YYYY-MM-DD"
        before (str):                   History before and including the date, "YYYY-MM-DD"
        after (str):                    History after and including the date, "YYYY-MM-DD"
        section_id (int):               2
        media_type (str):               "movie", "episode", "track", "live", "collection", "playlist"
        transcode_decision (str):       "direct play", "copy", "transcode",
        guid (str):                     Plex guid for an item, e.g. "com.plexapp.agents.thetvdb://121361/6/1"
        reference_id (int):             The play (group) of history rows, 1123
        server (str):                   Only this server's history (id, name or machine identifier)
        order_column (str):             "date", "friendly_name", "ip_address", "platform", "player",
                                        "product", "full_title", "started", "paused_counter",
                                        "stopped", "duration"
        order_dir (str):                "desc" or "asc"
        start (int):                    Row to start from, 0
        length (int):                   Number of items to return, 25
        search (str):                   A string to search for, "Thrones"

    Returns:
        json:
            {"draw": 1,
             "recordsTotal": 1000,
             "recordsFiltered": 250,
             "total_duration": "42 days 5 hrs 18 mins",
             "filter_duration": "10 hrs 12 mins",
             "data":
                [{"date": 1462687607,
                  "friendly_name": "Mother of Dragons",
                  "full_title": "Game of Thrones - The Red Woman",
                  "grandparent_rating_key": 351,
                  "grandparent_title": "Game of Thrones",
                  "original_title": "",
                  "group_count": 1,
                  "group_ids": "1124",
                  "guid": "com.plexapp.agents.thetvdb://121361/6/1?lang=en",
                  "ip_address": "xxx.xxx.xxx.xxx",
                  "live": 0,
                  "location": "wan",
                  "machine_id": "lmd93nkn12k29j2lnm",
                  "media_index": 17,
                  "media_type": "episode",
                  "originally_available_at": "2016-04-24",
                  "parent_media_index": 7,
                  "parent_rating_key": 544,
                  "parent_title": "",
                  "paused_counter": 0,
                  "percent_complete": 84,
                  "platform": "Windows",
                  "play_duration": 263,
                  "product": "Plex for Windows",
                  "player": "Castle-PC",
                  "rating_key": 4348,
                  "reference_id": 1123,
                  "relayed": 0,
                  "row_id": 1124,
                  "secure": 1,
                  "session_key": null,
                  "started": 1462688107,
                  "state": null,
                  "stopped": 1462688370,
                  "thumb": "/library/metadata/4348/thumb/1462414561",
                  "title": "The Red Woman",
                  "transcode_decision": "transcode",
                  "user": "DanyKhaleesi69",
                  "user_id": 8008135,
                  "watched_status": 0,
                  "year": 2016
                  },
                 {...},
                 {...}
                 ]
             }
    ```
    recordsTotal counts every history row (ungrouped, unfiltered), total_duration sums the
    filtered rows (not the search) and filter_duration only the returned page, as in Tautulli.
    """
    server = server_from_params(params, default_first=False)
    table = TableRequest.from_params(
        params, default_order=default_order(params, "date"), columns=ORDER_COLUMNS
    )
    filters = history_filters_from_params(params, server=server)
    if params.str("media_type") in {"collection", "playlist"} and filters.rating_keys:
        filters.child_rating_keys = collection_children(
            server, filters.rating_keys, params.str("media_type")
        )
        filters.rating_keys = []
        filters.media_types = []
    query = HistoryQuery(
        filters=filters,
        table=table,
        grouping=params.bool("grouping", settings.GROUP_HISTORY_TABLES),
        include_activity=params.bool("include_activity", settings.HISTORY_TABLE_ACTIVITY),
    )
    return history_table(query)


@api_command()
def delete_history(request, params):
    """Delete history rows from Tautulli.

    ```
    Required parameters:
        row_ids (str):          Comma separated row ids to delete, e.g. "65,110,2,3645"

    Optional parameters:
        None

    Returns:
        None
    ```
    The rows go with their metadata and media info; the plays they belonged to are regrouped.
    """
    row_ids = params.int_list("row_ids")
    if not row_ids:
        raise ApiError("No row ids received.")
    with transaction.atomic():
        History.objects.filter(pk__in=row_ids).delete()
    sync_groups()  # a writer: the plays are regrouped now, not on the next read
    return {"result": "success", "message": "Deleted history."}
