"""/api/v2 history maintenance commands (reference 1.2): regroup_history,
delete_all_user_history, delete_all_library_history, delete_library and
update_metadata_details.

History rows are removed with :meth:`history.models.HistoryQuerySet.purge` (with their metadata
and media info) and the play groups brought up to date at once (:func:`sync_groups`); the
statistics follow the groups (``groups_changed``), as after delete_history.
"""

from django.db import transaction
from django_q.tasks import async_task

from core import clock
from core.tautulli_api import ApiError, Params, api_command
from libraries.models import Library, RatingKeyChange
from servers.apiv2 import server_from_params
from servers.models import Server
from users.models import User

from ..grouping import sync_groups
from ..models import History, HistoryMediaInfo, HistoryMetadata
from ..regroup import REGROUP_TASK

INT32_MAX = 2**31 - 1  # rating keys and section ids are 32-bit columns
# update_metadata_details: the History key column of each Tautulli media type.
KEY_COLUMNS = {
    "movie": "rating_key",
    "episode": "rating_key",
    "track": "rating_key",
    "season": "parent_rating_key",
    "album": "parent_rating_key",
    "show": "grandparent_rating_key",
    "artist": "grandparent_rating_key",
}


@api_command()
def regroup_history(request, params):
    """Regroup play history in the database.

    ```
    Required parameters:
        None

    Optional parameters:
        None

    Returns:
        None
    ```
    Every row's play (``reference_id``) is computed again by the grouping rule of new rows
    (reference 3.6, with today's watched settings), then the play groups and statistics are
    rebuilt. Queued as a django-q2 task (``history.regroup.regroup_history``; minutes on
    millions of rows), as Tautulli starts a thread; unlike Tautulli, no database backup is
    made first (take one with the backups app if wanted).
    """
    async_task(REGROUP_TASK, task_name="Regroup play history")
    return {
        "result": "success",
        "message": "Regrouping play history started. Check the logs to monitor any problems.",
    }


def _purge(queryset) -> int:
    with transaction.atomic():
        deleted = queryset.purge()
    sync_groups()  # a writer: the plays are regrouped now, not on the next read
    return deleted


@api_command()
def delete_all_user_history(request, params):
    """Delete all Tautulli history for a specific user.

    ```
    Required parameters:
        user_id (str):          The id of the Plex user

    Optional parameters:
        row_ids (str):          Comma separated row ids to delete, e.g. "2,3,8"

    Returns:
        None
    ```
    ``row_ids`` are users' ``row_id`` values (several users at once) and win over ``user_id``,
    as in Tautulli. The users stay; only their history rows (with metadata and media info) go.
    """
    row_ids = params.int_list("row_ids")
    user_id = params.int("user_id")
    if row_ids:
        user_ids = list(User.objects.filter(pk__in=row_ids).values_list("user_id", flat=True))
        if not user_ids:
            return {"result": "error", "message": "Failed to delete user(s) history."}
    elif user_id is not None:
        user_ids = [user_id]
    else:
        return {"result": "error", "message": "No user id or row ids received."}
    _purge(History.objects.filter(user_id__in=user_ids))
    return {"result": "success", "message": "Deleted user history."}


def _libraries(params: Params) -> list[tuple[Server, int]] | None:
    """(server, section_id) pairs of ``row_ids`` (Library row ids, winning) or of
    ``server_id`` (a machine identifier; default: the first server, as Tautulli's
    ``PMS_IDENTIFIER``) and ``section_id``; None when neither was given."""
    row_ids = params.int_list("row_ids")
    if row_ids:
        libraries = Library.objects.filter(pk__in=row_ids).select_related("server")
        return [(library.server, library.section_id) for library in libraries]
    section_id = params.int("section_id", maximum=INT32_MAX)
    if section_id is None:
        return None
    machine_id = params.str("server_id")
    if machine_id:
        server = Server.objects.filter(machine_identifier=machine_id).first()
        if server is None:
            raise ApiError(f"No server with server_id {machine_id}")
    else:
        server = server_from_params(params)
        if server is None:
            raise ApiError("No Plex server is configured")
    return [(server, section_id)]


def _library_history(pairs: list[tuple[Server, int]]):
    queryset = History.objects.none()
    for server, section_id in pairs:
        queryset |= History.objects.filter(server=server, section_id=section_id)
    return queryset


@api_command()
def delete_all_library_history(request, params):
    """Delete all Tautulli history for a specific library.

    ```
    Required parameters:
        server_id (str):        The Plex server identifier of the library section
        section_id (str):       The id of the Plex library section

    Optional parameters:
        row_ids (str):          Comma separated row ids to delete, e.g. "2,3,8"

    Returns:
        None
    ```
    ``row_ids`` are libraries' ``row_id`` values and win over ``server_id``/``section_id``.
    Without ``server_id`` the first server is meant (Tautulli's own PMS); an unknown
    ``server_id`` is an error (Tautulli silently deletes nothing). The library stays.
    """
    pairs = _libraries(params)
    if pairs is None:
        return {"result": "error", "message": "No server id and section id or row ids received."}
    if not pairs:
        return {"result": "error", "message": "Failed to delete library(s) history."}
    _purge(_library_history(pairs))
    return {"result": "success", "message": "Deleted library history."}


@api_command()
def delete_library(request, params):
    """Delete a library section from Tautulli. Also erases all history for the library.

    ```
    Required parameters:
        server_id (str):        The Plex server identifier of the library section
        section_id (str):       The id of the Plex library section

    Optional parameters:
        row_ids (str):          Comma separated row ids to delete, e.g. "2,3,8"

    Returns:
        None
    ```
    As Tautulli: the library is kept, flagged deleted (``deleted_section=1``,
    ``keep_history=0``, ``do_notify=0``, ``do_notify_created=0``), and every history row of the
    section is removed. ``row_ids`` (libraries' ``row_id``) win over
    ``server_id``/``section_id``; ``undelete_library`` restores the flags, not the history.
    """
    pairs = _libraries(params)
    if pairs is None:
        return {"result": "error", "message": "No server id and section id or row ids received."}
    if not pairs:
        return {"result": "error", "message": "Failed to delete library(s)."}
    with transaction.atomic():
        for server, section_id in pairs:
            Library.objects.filter(server=server, section_id=section_id).update(
                deleted_section=True, keep_history=False, do_notify=False, do_notify_created=False
            )
        _library_history(pairs).purge()
    sync_groups()
    return {"result": "success", "message": "Deleted library."}


@api_command()
def update_metadata_details(request, params):
    """Update the metadata in the Tautulli database by matching rating keys.
    Also updates all parents or children of the media item if it is a show/season/episode
    or artist/album/track.

    ```
    Required parameters:
        old_rating_key (str):       12345
        new_rating_key (str):       54321
        media_type (str):           "movie", "show", "season", "episode", "artist", "album", "track"

    Optional parameters:
        server (str):               Server id, name or machine identifier (default: the first)

    Returns:
        None
    ```
    The history rows (with their metadata and media info) logged under ``old_rating_key`` at
    the level of ``media_type`` (a movie's,
    episode's or track's ``rating_key``, a season's or album's ``parent_rating_key``, a show's
    or artist's ``grandparent_rating_key``) take ``new_rating_key``, and the change is recorded
    as a :class:`~libraries.models.RatingKeyChange` (old → new, as the inventory records an
    item PMS re-added), so the item's statistics and the inventory's relinks count both keys
    as one item. The plays are regrouped and the statistics recomputed for both keys.

    Unlike Tautulli, which asks PMS for the new item's children and rewrites their keys and
    titles too, only the item's own key column changes here (a show's episodes keep their
    keys and are relinked by guid by the next inventory refresh). Message as Tautulli's:
    "Updated metadata in database." or "Unable to update metadata in database. No changes were
    made." when no history row has the old key.
    """
    old_key = params.int("old_rating_key", required=True, minimum=1, maximum=INT32_MAX)
    new_key = params.int("new_rating_key", required=True, minimum=1, maximum=INT32_MAX)
    media_type = params.str("media_type", required=True)
    column = KEY_COLUMNS.get(media_type)
    if column is None:
        raise ApiError(
            "Parameter media_type: one of " + ", ".join(f'"{name}"' for name in KEY_COLUMNS)
        )
    if old_key == new_key:
        raise ApiError("Parameter new_rating_key: the same as old_rating_key")
    server = server_from_params(params)
    if server is None:
        raise ApiError("No Plex server is configured")
    rows = History.objects.filter(server=server, **{column: old_key})
    with transaction.atomic():
        ids = list(rows.values_list("pk", flat=True))
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            # The three tables carry the keys, as Tautulli's session_history(_metadata/_media_info).
            HistoryMetadata.objects.filter(pk__in=chunk).update(**{column: new_key})
            if column == "rating_key":
                HistoryMediaInfo.objects.filter(pk__in=chunk).update(rating_key=new_key)
            History.objects.filter(pk__in=chunk).update(**{column: new_key})
        updated = len(ids)
        if updated:
            RatingKeyChange.objects.get_or_create(
                server=server,
                old_rating_key=old_key,
                new_rating_key=new_key,
                defaults={"media_type": media_type, "changed_at": clock.now()},
            )
    if not updated:
        return {"message": "Unable to update metadata in database. No changes were made."}
    sync_groups()
    return {"message": "Updated metadata in database."}
