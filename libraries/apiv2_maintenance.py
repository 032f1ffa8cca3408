"""/api/v2 library maintenance commands (reference 1.2): undelete_library and
delete_recently_added. delete_library and delete_all_library_history remove history, so they
are history's commands (:mod:`history.apiv2.maintenance`)."""

from django.db import transaction

from core.tautulli_api import api_command

from .models import Library, RecentlyAdded


@api_command()
def undelete_library(request, params):
    """Restore a deleted library section to Tautulli.

    ```
    Required parameters:
        section_id (str):       The id of the Plex library section
        section_name (str):     The name of the Plex library section

    Optional parameters:
        None

    Returns:
        None
    ```
    As Tautulli: every library row with that ``section_id`` (or, without it, that exact
    ``section_name``), of any server, gets ``deleted_section=0``, ``keep_history=1``,
    ``do_notify=1`` and ``do_notify_created=1``. The history deleted with it does not come back.
    """
    section_id = params.int("section_id", maximum=2**31 - 1)
    section_name = params.str("section_name")
    if section_id is not None:
        libraries, named = Library.objects.filter(section_id=section_id), f"section_id {section_id}"
    elif section_name:
        libraries = Library.objects.filter(section_name=section_name)
        named = f"section_name {section_name}"
    else:
        libraries = Library.objects.none()
    if not libraries.exists():
        return {
            "result": "error",
            "message": "Unable to re-add library. Invalid section_id or section_name.",
        }
    libraries.update(
        deleted_section=False, keep_history=True, do_notify=True, do_notify_created=True
    )
    return {"result": "success", "message": f"Re-added library with {named}."}


@api_command()
def delete_recently_added(request, params):
    """Flush out all of the recently added items in the database.

    ```
    Required parameters:
        None

    Optional parameters:
        None

    Returns:
        None
    ```
    Empties the record of items already announced by ``on_created``
    (:class:`~libraries.models.RecentlyAdded`, Tautulli's ``recently_added``): items PMS lists
    as recently added may be announced again.
    """
    with transaction.atomic():
        RecentlyAdded.objects.all().delete()
    return {"result": "success", "message": "Recently added flushed."}
