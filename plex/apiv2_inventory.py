"""/api/v2 commands of the library media info table: ``get_library_media_info`` and
``delete_media_info_cache`` (reference 1.2 "Libraries").

The table is read from the inventory and its statistics (:mod:`stats.media_info`); these
commands live in the Plex app only because ``refresh=true`` asks PMS for the library again.

Decision (refresh): Tautulli re-reads the whole section from PMS inside the request; here the
refresh is **queued** as a django-q2 task (:func:`plex.tasks.refresh_library_inventory`, the
incremental refresh of :func:`plex.inventory.refresh_inventory`, seconds to minutes on a large
library) and the answer is the inventory as it stands; ``last_refreshed`` moves when the task
has run. The inventory is refreshed every 12 hours anyway.
"""

from django_q.tasks import async_task

from core.tautulli_api import ApiError, Params, api_command
from core.tautulli_api.datatables import table_request
from servers.apiv2 import server_from_params
from stats.media_info import ORDER, empty_table, media_info_scope, media_info_table

REFRESH_TASK = "plex.tasks.refresh_library_inventory"


def queue_inventory_refresh(library) -> None:
    """Queue a refresh of ``library``'s inventory (django-q2; see the module docstring)."""
    async_task(
        REFRESH_TASK,
        library.server_id,
        library.section_id,
        task_name=f"Refresh inventory of section {library.section_id}",
    )


@api_command()
def get_library_media_info(request, params):
    """Get the data on the Tautulli media info tables.

    Required parameters: section_id (str): the id of the Plex library section, OR
    rating_key (str): the grandparent or parent rating key (lists its children).
    Optional parameters: section_type (str): "movie", "show", "artist", "photo" (or a lower
    level: "season", "episode", "album", "track"; default: the library's type);
    order_column (str): "added_at", "sort_title" (default; "title" is an alias), "container",
    "bitrate", "video_codec", "video_resolution", "video_framerate", "audio_codec",
    "audio_channels", "file_size", "last_played", "play_count"; order_dir (str): "desc"
    (default, as Tautulli's, also for the default column) or "asc"; start (int): row to start from, 0; length (int): number of items to
    return, 25; search (str): a string to search for, "Thrones"; refresh (str): "true" to
    refresh the media info table (queued, see below); json_data (str): a DataTables request
    instead of the simple parameters; server (str): server id, name or machine identifier
    (default: the first).

    Returns: json: {"draw": 1, "last_refreshed": 1678734670, "recordsTotal": 82,
    "recordsFiltered": 82, "filtered_file_size": 2616760056742,
    "total_file_size": 2616760056742, "data": [{"section_id": 2, "section_type": "show",
    "added_at": "1403553078", "media_type": "show", "rating_key": "1219",
    "parent_rating_key": "", "grandparent_rating_key": "", "title": "Game of Thrones",
    "sort_title": "Game of Thrones", "year": "2011", "media_index": "1",
    "parent_media_index": "", "thumb": "/library/metadata/1219/thumb/1436265995",
    "container": "", "bitrate": "", "video_codec": "", "video_resolution": "",
    "video_framerate": "", "audio_codec": "", "audio_channels": "",
    "file_size": 253660175293, "last_played": 1462380698, "play_count": 15}, ...]}

    Answered from the library inventory and its watch statistics (sorted and paged in the
    database; rules in :mod:`stats.media_info`). ``refresh=true`` queues a refresh of the
    library's inventory from PMS and answers at once from the current inventory
    (``last_refreshed`` says when it was read). An unknown library or item answers an empty
    table, as Tautulli does.
    """
    section_id = params.int("section_id", minimum=0)
    rating_key = params.int("rating_key", minimum=0)
    section_type = (params.str("section_type") or "").strip().lower() or None
    refresh = params.bool("refresh", False)
    if params.str("order_column") == "title":  # Tautulli's alias
        params = Params({**params.as_dict(), "order_column": "sort_title"})
    table = table_request(params, default_column="sort_title", columns=set(ORDER))
    server = server_from_params(params)
    scope = media_info_scope(
        server, section_id=section_id, rating_key=rating_key, section_type=section_type
    )
    if scope is None:
        return empty_table()
    if refresh:
        queue_inventory_refresh(scope.library)
    return media_info_table(scope, table)


@api_command()
def delete_media_info_cache(request, params):
    """Delete the media info table cache for a specific library.

    Required parameters: section_id (str): the id of the Plex library section.
    Optional parameters: server (str): server id, name or machine identifier (default: the
    first).

    Returns: None (message "Deleted media info table cache for library with id 1.").

    There is no cache file here: the inventory is the table's cache, kept by the inventory
    refresh (every 12 hours). Deleting Tautulli's cache makes its next table read go to PMS, so
    this queues a refresh of the library's inventory (as ``refresh=true``) and answers
    Tautulli's message. An unknown section is an error.
    """
    from libraries.models import Library

    section_id = params.int("section_id", required=True, minimum=0)
    server = server_from_params(params)
    library = (
        None
        if server is None
        else Library.objects.filter(server=server, section_id=section_id).first()
    )
    if library is None:
        raise ApiError(f"No library with section_id {section_id}")
    queue_inventory_refresh(library)
    return {"message": f"Deleted media info table cache for library with id {section_id}."}
