"""/api/v2 commands that show users and libraries with their statistics: get_users_table,
get_libraries_table and get_library (its ``last_accessed``). Their numbers come from the
statistics rollup and history, so they live here rather than in the users and libraries apps.
"""

from django.conf import settings
from django.db.models import Count, F, Q, TextField
from django.db.models.functions import Cast, Lower

from core.tautulli_api import api_command
from core.tautulli_api.datatables import (
    TableRequest,
    default_order,
    order_terms,
    table_request,
    table_response,
)
from core.timeutils import to_epoch
from history.apiv2.params import grouping_param
from history.latest import last_played_thumb
from libraries.models import DEFAULT_COVER_THUMB, Library
from servers.apiv2 import server_from_params

from .libraries_table import play_totals, with_last_accessed, with_last_row, with_totals
from .totals import NO_PLAYS, PlayTotals
from .users_table import USERS_TABLE_COLUMNS, USERS_TABLE_DEFAULT_COLUMN, users_table


def _flag(value) -> int | None:
    return None if value is None else int(value)


def _library_details(library: Library | None, *, server_id: str, last_accessed) -> dict:
    """Tautulli's ``Libraries.get_details`` dict (its key order)."""
    if library is None:
        # Tautulli answers an unknown section with this placeholder rather than an error.
        return {
            "row_id": 0,
            "server_id": "",
            "section_id": 0,
            "section_name": "Local",
            "section_type": "",
            "library_thumb": DEFAULT_COVER_THUMB,
            "library_art": "",
            "count": 0,
            "parent_count": 0,
            "child_count": 0,
            "is_active": 1,
            "do_notify": 0,
            "do_notify_created": 0,
            "keep_history": 1,
            "deleted_section": 0,
            "last_accessed": None,
        }
    return {
        "row_id": library.pk,
        "server_id": server_id,
        "section_id": library.section_id,
        "section_name": library.section_name,
        "section_type": library.section_type,
        "library_thumb": library.api_thumb(),
        "library_art": library.api_art(),
        "count": library.count,
        "parent_count": library.parent_count,
        "child_count": library.child_count,
        "is_active": int(library.is_active),
        "do_notify": int(library.do_notify),
        "do_notify_created": int(library.do_notify_created),
        "keep_history": int(library.keep_history),
        "deleted_section": int(library.deleted_section),
        "last_accessed": to_epoch(last_accessed),
    }


@api_command()
def get_library(request, params):
    """Get a library's details.

    Required parameters: section_id (int): the id of the Plex library section.
    Optional parameters: include_last_accessed (bool): 1 to include ``last_accessed`` (epoch of
    the library's latest play start, else null); server (str): server id, name or machine
    identifier (default: the first).

    Returns: json: {"row_id": 1, "server_id": "ds48g4r354a8v9byrrtr697g3g79w", "section_id": 1,
    "section_name": "Movies", "section_type": "movie", "library_thumb": "/:/resources/movie.png",
    "library_art": "/:/resources/movie-fanart.jpg", "count": 887, "parent_count": null,
    "child_count": null, "is_active": 1, "do_notify": 1, "do_notify_created": 1,
    "keep_history": 1, "deleted_section": 0, "last_accessed": 1462693216}

    As in Tautulli, a section unknown on the server answers a "Local" placeholder
    (row_id 0, section_id 0).
    """
    section_id = params.int("section_id", required=True)
    include_last_accessed = params.bool("include_last_accessed", False)
    server = server_from_params(params)
    library = None
    if server is not None:
        queryset = Library.objects.filter(server=server, section_id=section_id)
        if include_last_accessed:
            queryset = with_last_accessed(queryset)
        library = queryset.first()
    return _library_details(
        library,
        server_id=(server.machine_identifier or "") if server is not None else "",
        last_accessed=getattr(library, "last_accessed", None),
    )


# get_libraries_table: sortable columns → SQL expression (text is compared case-insensitively,
# as Tautulli's COLLATE NOCASE).
TABLE_ORDER = {
    "library_thumb": F("thumb"),
    "section_name": Lower("section_name"),
    "section_type": Lower("section_type"),
    "count": F("count"),
    "parent_count": F("parent_count"),
    "child_count": F("child_count"),
    "last_accessed": F("last_accessed"),
    "last_played": Lower("last_played"),
    "plays": F("plays"),
    "duration": F("duration"),
}


def _table_search(search: str) -> Q:
    """Tautulli's table search: a substring of section name or type, of the last played title,
    or of a count (the searchable columns of its libraries table)."""
    condition = (
        Q(section_name__icontains=search)
        | Q(section_type__icontains=search)
        | Q(last_played__icontains=search)
    )
    if search.isdigit():
        for column in ("count", "parent_count", "child_count"):
            condition |= Q(**{f"{column}_text__contains": search})
    return condition


def _table_row(library: Library, totals: PlayTotals) -> dict:
    """One row of get_libraries_table, in Tautulli's key order and JSON types.

    ``library`` carries :func:`~stats.libraries_table.with_last_row`'s annotations."""
    last = library.last_row or {}
    media_type = last.get("metadata__media_type")
    thumb = last_played_thumb(last)
    labels = last.get("metadata__labels")
    return {
        "row_id": library.pk,
        "server_id": library.server.machine_identifier or "",
        "section_id": library.section_id,
        "section_name": library.section_name,
        "section_type": library.section_type,
        "count": library.count,
        "parent_count": library.parent_count,
        "child_count": library.child_count,
        "library_thumb": library.api_thumb(),
        "library_art": library.api_art(),
        "plays": totals.plays,
        "duration": totals.duration,
        "last_accessed": to_epoch(library.last_accessed),
        "history_row_id": last.get("id"),
        "last_played": last.get("metadata__full_title"),
        "rating_key": last.get("rating_key"),
        "media_type": media_type,
        "thumb": thumb,
        "parent_title": last.get("metadata__parent_title"),
        "year": last.get("metadata__year"),
        "media_index": last.get("metadata__media_index"),
        "parent_media_index": last.get("metadata__parent_media_index"),
        "content_rating": last.get("metadata__content_rating"),
        "labels": labels.split(";") if labels else [],
        "live": _flag(last.get("metadata__live")),
        "originally_available_at": last.get("metadata__originally_available_at"),
        "guid": last.get("metadata__guid"),
        "do_notify": int(library.do_notify),
        "do_notify_created": int(library.do_notify_created),
        "keep_history": int(library.keep_history),
        "is_active": int(library.is_active),
    }


@api_command()
def get_libraries_table(request, params):
    """Get the data on the Tautulli libraries table.

    Optional parameters: grouping (int): 0 or 1 (default: GROUP_HISTORY_TABLES) — count a
    resumed play once; order_column (str): "library_thumb", "section_name" (default),
    "section_type", "count", "parent_count", "child_count", "last_accessed", "last_played",
    "plays", "duration"; order_dir (str): "desc" (default, as in Tautulli, also for the default
    column) or "asc"; start (int): row to start from, 0;
    length (int): number of items to return, 25; search (str): a string to search for,
    "Movies"; json_data (str): a DataTables request instead of the simple parameters;
    server (str): only this server's libraries (default: every server).

    Returns: json: {"draw": 1, "recordsTotal": 10, "recordsFiltered": 10,
    "data": [{"row_id": 1, "server_id": "ds48g4r354a8v9byrrtr697g3g79w", "section_id": 2,
    "section_name": "TV Shows", "section_type": "show", "count": 62, "parent_count": 240,
    "child_count": 3745, "library_thumb": "/:/resources/show.png",
    "library_art": "/:/resources/show-fanart.jpg", "plays": 772, "duration": 1578037,
    "last_accessed": 1462693216, "history_row_id": 1128,
    "last_played": "Game of Thrones - The Red Woman", "rating_key": 153037,
    "media_type": "episode", "thumb": "/library/metadata/153036/thumb/1462175062",
    "parent_title": "", "year": 2016, "media_index": 1, "parent_media_index": 6,
    "content_rating": "TV-MA", "labels": [], "live": 0, "originally_available_at": "2016-04-24",
    "guid": "com.plexapp.agents.thetvdb://121361/6/1?lang=en", "do_notify": 1,
    "do_notify_created": 1, "keep_history": 1, "is_active": 1}, ...]}

    ``plays`` counts plays (grouped or rows), ``duration`` is seconds watched (paused time
    excluded), ``last_accessed`` the epoch of the latest play start; the "last played" fields
    describe the library's most recent history row.

    The totals are read from the statistics rollup (:func:`stats.libraries_table.play_totals`).
    Unlike Tautulli, a play whose rows are in several libraries counts once, for the library of
    its latest row on the day it began, and rows without a start time are not counted.
    """
    grouping = params.bool("grouping", settings.GROUP_HISTORY_TABLES)
    table = TableRequest.from_params(
        params, default_order=default_order(params, "section_name"), columns=set(TABLE_ORDER)
    )
    server = server_from_params(params, default_first=False)
    totals = play_totals(server, grouping=grouping)
    ordered_by = {column for column, _ in table.order}
    libraries = with_last_row(
        Library.objects.in_scope(server),
        title=bool(table.search) or "last_played" in ordered_by,
    )
    libraries = with_totals(libraries, totals, *(ordered_by & {"plays", "duration"}))
    if table.search:
        libraries = libraries.annotate(
            count_text=Cast("count", output_field=TextField()),
            parent_count_text=Cast("parent_count", output_field=TextField()),
            child_count_text=Cast("child_count", output_field=TextField()),
        )
        counts = libraries.aggregate(
            total=Count("pk"), filtered=Count("pk", filter=_table_search(table.search))
        )
        total, filtered = counts["total"], counts["filtered"]
        libraries = libraries.filter(_table_search(table.search))
    else:
        total = filtered = libraries.count()
    page = libraries.order_by(*order_terms(table.order, TABLE_ORDER), "server_id", "section_id")
    rows = [
        _table_row(library, totals.get((library.server_id, library.section_id), NO_PLAYS))
        for library in page[table.start : table.start + table.length]
    ]
    return table_response(table, total=total, filtered=filtered, rows=rows)


@api_command()
def get_users_table(request, params):
    """Get the data on Tautulli users table.

    ```
    Required parameters:
        None

    Optional parameters:
        grouping (int):                 0 or 1
        order_column (str):             "user_thumb", "friendly_name", "username", "title",
                                        "email", "last_seen", "ip_address", "platform",
                                        "player", "last_played", "plays", "duration"
        order_dir (str):                "desc" or "asc"
        start (int):                    Row to start from, 0
        length (int):                   Number of items to return, 25
        search (str):                   A string to search for, "Jon Snow"
        server (str):                   Only count history of this server

    Returns:
        json:
            {"draw": 1,
             "recordsTotal": 10,
             "recordsFiltered": 10,
             "data":
                [{"row_id": 1,
                  "user_id": 133788,
                  "username": "LordCommanderSnow",
                  "friendly_name": "Jon Snow",
                  "title": "Jon Snow",
                  "email": "Jon.Snow.1337@CastleBlack.com",
                  "user_thumb": "https://plex.tv/users/568gwwoib5t98a3a/avatar",
                  "plays": 487,
                  "duration": 2998290,
                  "last_seen": 1462591869,
                  "last_played": "Game of Thrones - The Red Woman",
                  "history_row_id": 1121,
                  "ip_address": "xxx.xxx.xxx.xxx",
                  "platform": "Chrome",
                  "player": "Plex Web (Chrome)",
                  "rating_key": 153037,
                  "media_type": "episode",
                  "thumb": "/library/metadata/153036/thumb/1462175062",
                  "parent_title": "",
                  "year": 2016,
                  "media_index": 1,
                  "parent_media_index": 6,
                  "live": 0,
                  "originally_available_at": "2016-04-24",
                  "guid": "com.plexapp.agents.thetvdb://121361/6/1?lang=en",
                  "transcode_decision": "transcode",
                  "do_notify": 1,
                  "keep_history": 1,
                  "allow_guest": 1,
                  "is_active": 1
                  },
                 {...}
                 ]
             }
    ```
    Default order: friendly_name descending (Tautulli's default). ``duration`` is in seconds;
    ``last_seen`` is epoch seconds. The last-played fields describe the user's latest play.
    The totals are read from the statistics rollup (:func:`stats.users_table.users_table`): unlike
    Tautulli, a play whose rows belong to several users counts once, for the user of its latest
    row on the day it began, and rows without a start time are not counted.
    """
    table = table_request(
        params, default_column=USERS_TABLE_DEFAULT_COLUMN, columns=USERS_TABLE_COLUMNS
    )
    server = server_from_params(params, default_first=False)
    page = users_table(table, grouping=grouping_param(params), server=server)
    return table_response(table, total=page.total, filtered=page.filtered, rows=page.rows)
