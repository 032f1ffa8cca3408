"""/api/v2 library commands: get_libraries, get_library_names, edit_library (reference 1.2
"Libraries"). get_library and get_libraries_table show plays too: they are in
:mod:`stats.api_tables`.

Scope: ``get_libraries``, ``get_library_names``, ``get_library`` and ``edit_library`` are about one
server — the optional ``server`` parameter (id, name or machine identifier), else the first
server, as Tautulli's single ``PMS_IDENTIFIER``. ``get_libraries_table`` lists the libraries of
every server unless ``server`` is given; its rows carry ``server_id`` (the machine identifier)
to tell them apart.

Times are epoch seconds; ``duration`` is seconds.
"""

from core.tautulli_api import ApiError, api_command
from servers.apiv2 import server_from_params

from .models import Library

# Tautulli's Live TV pseudo-library (common.LIVE_TV_SECTION_ID): not a Plex section.
LIVE_TV_SECTION_ID = 999999
# Library types whose sections have parent/child items (seasons/episodes, albums/tracks,
# photo albums/photos): Tautulli's get_libraries adds parent_count/child_count for these.
TYPES_WITH_CHILDREN = ("show", "artist", "photo")


def _flag(value) -> int | None:
    return None if value is None else int(value)


@api_command()
def get_libraries(request, params):
    """Get a list of all libraries on your server.

    Optional parameters: server (str): server id, name or machine identifier (default: the first).
    Returns: json: [{"section_id": "2", "section_name": "TV Shows", "section_type": "show",
    "agent": "tv.plex.agents.series", "thumb": "/:/resources/show.png",
    "art": "/:/resources/show-fanart.jpg", "count": "62", "is_active": 1,
    "parent_count": "240", "child_count": "3745"}, ...]

    As in Tautulli, ``section_id`` and the counts are strings; ``parent_count``/``child_count``
    are present for show, artist and photo libraries. Answered from the stored libraries (not
    deleted, in section order) until the Plex monitor answers it live; Tautulli's Live TV
    pseudo-library is left out, as Plex does not list it.
    """
    server = server_from_params(params)
    if server is None:
        return []
    libraries = (
        Library.objects.in_scope(server)
        .exclude(section_id=LIVE_TV_SECTION_ID)
        .order_by("section_id")
    )
    result = []
    for library in libraries:
        item = {
            "section_id": str(library.section_id),
            "section_name": library.section_name or "",
            "section_type": library.section_type or "",
            "agent": library.agent or "",
            "thumb": library.thumb or "",
            "art": library.art or "",
            "count": str(library.count or 0),
            "is_active": int(library.is_active),
        }
        if library.section_type in TYPES_WITH_CHILDREN:
            item["parent_count"] = str(library.parent_count or 0)
            item["child_count"] = str(library.child_count or 0)
        result.append(item)
    return result


@api_command()
def get_library_names(request, params):
    """Get a list of library sections and ids on the PMS.

    Optional parameters: server (str): server id, name or machine identifier (default: the first).
    Returns: json: [{"section_id": 1, "section_name": "Movies", "section_type": "movie",
    "agent": "tv.plex.agents.movie"}, ...] (libraries not deleted, by section id).
    """
    server = server_from_params(params)
    if server is None:
        return []
    rows = (
        Library.objects.in_scope(server)
        .order_by("section_id")
        .values("section_id", "section_name", "section_type", "agent")
    )
    return list(rows)


@api_command()
def edit_library(request, params):
    """Update a library section on Tautulli.

    Required parameters: section_id (int): the id of the Plex library section.
    Optional parameters: custom_thumb (str): the URL for the custom library thumbnail ("" to
    clear); custom_art (str): the URL for the custom library background art ("" to clear);
    keep_history (int): 0 or 1; do_notify (int): 0 or 1; do_notify_created (int): 0 or 1;
    server (str): server id, name or machine identifier (default: the first).

    Returns: None (message "Successfully updated library.").

    Unlike Tautulli, which resets every omitted setting (custom art/thumb cleared, keep_history
    and notifications off), only the parameters given are changed. An unknown section answers
    an error instead of creating a library row. A URL with control characters is refused.
    """
    section_id = params.int("section_id", required=True)
    changes = {}
    for param, field in (("custom_thumb", "custom_thumb_url"), ("custom_art", "custom_art_url")):
        value = params.text(param)
        if value is not None:
            changes[field] = value
    for flag in ("keep_history", "do_notify", "do_notify_created"):
        if params.raw(flag) not in (None, ""):
            changes[flag] = params.bool(flag)
    server = server_from_params(params)
    if server is None:
        raise ApiError("No Plex server is configured")
    library = Library.objects.filter(server=server, section_id=section_id).first()
    if library is None:
        raise ApiError(f"No library with section_id {section_id} on server {server.name}")
    if changes:
        Library.objects.filter(pk=library.pk).update(**changes)
    return {"result": "success", "message": "Successfully updated library."}


from . import apiv2_maintenance  # noqa: E402, F401 - registers undelete_library, delete_recently_added
