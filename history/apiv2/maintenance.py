"""/api/v2 history maintenance commands (reference 1.2): regroup_history,
delete_all_user_history, delete_all_library_history and delete_library
(update_metadata_details asks PMS for the new keys: :mod:`plex.metadata_rekey`).

History rows are removed with :meth:`history.models.HistoryQuerySet.purge` (with their metadata
and media info) and the play groups brought up to date at once (:func:`sync_groups`); the
statistics follow the groups (``groups_changed``), as after delete_history.
"""

from django.db import transaction
from django_q.tasks import async_task

from core.tautulli_api import ApiError, Params, api_command
from libraries.models import Library
from servers.apiv2 import server_from_params
from servers.models import Server
from users.models import User

from ..grouping import sync_groups
from ..models import History
from ..regroup import REGROUP_TASK

INT32_MAX = 2**31 - 1  # rating keys and section ids are 32-bit columns


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
