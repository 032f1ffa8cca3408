"""/api/v2 commands about the Plex Media Server (reference 1.2 "Server (PMS) info").

``get_server_info`` answers from the configured :class:`servers.models.Server` (Tautulli answers
from its config, never asking Plex). ``server_status`` reports the monitor's connection state.
Both take the optional ``server`` parameter (id, name or machine identifier; default: the first).
"""

import re

from core.tautulli_api import api_command
from servers.apiv2 import server_from_params
from servers.models import Server

# A plex.direct host names its IP: "192-0-2-10.<hash>.plex.direct" is 192.0.2.10.
_PLEX_DIRECT_IPV4 = re.compile(r"^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})\.[^.]+\.plex\.direct$")


def server_ip(server: Server) -> str:
    """The address of the server: the IP a plex.direct host encodes, else the URL's host."""
    host = server.host
    match = _PLEX_DIRECT_IPV4.match(host)
    return ".".join(match.groups()) if match else host


def server_info(server: Server | None) -> dict:
    """Tautulli's ``get_server_info`` dict, keys and JSON types as the v2.17.2 capture
    (port, ssl, url_manual and plexpass are ints).

    ``pms_url_manual`` is 0 for a plex.direct URL (what Tautulli builds itself) and 1 for any
    other URL (one typed in, Tautulli's "manual connection"). Without a server every field is
    empty: "" for strings, 0 for numbers.
    """
    if server is None:
        return {
            "pms_name": "",
            "pms_version": "",
            "pms_platform": "",
            "pms_ip": "",
            "pms_port": 0,
            "pms_ssl": 0,
            "pms_url": "",
            "pms_url_manual": 0,
            "pms_identifier": "",
            "pms_plexpass": 0,
        }
    return {
        "pms_name": server.name,
        "pms_version": server.version,
        "pms_platform": server.platform,
        "pms_ip": server_ip(server),
        "pms_port": server.port,
        "pms_ssl": int(server.ssl),
        "pms_url": server.url,
        "pms_url_manual": 0 if server.host.endswith(".plex.direct") else int(bool(server.url)),
        "pms_identifier": server.machine_identifier or "",
        "pms_plexpass": int(server.plexpass),
    }


@api_command()
def get_server_info(request, params):
    """Get the PMS server information.

    Optional parameters: server (str): server id, name or machine identifier (default: the first).
    Returns: json: {"pms_name": "TestServer", "pms_version": "1.43.3.10793-cd55560bb",
    "pms_platform": "Linux", "pms_ip": "192.0.2.10", "pms_port": 32400, "pms_ssl": 1,
    "pms_url": "https://192-0-2-10.0123abcd.plex.direct:32400", "pms_url_manual": 0,
    "pms_identifier": "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee09", "pms_plexpass": 1}

    With no server configured every value is empty ("" or 0) rather than an error.
    """
    return server_info(server_from_params(params))


def connection_state(server: Server | None) -> bool | None:
    """The last known reachability of ``server`` as the monitor and the poll saw it
    (:mod:`plex.activity.reachability`); None when unknown (no server, or never checked)."""
    if server is None:
        return None
    return server.connected


@api_command()
def server_status(request, params):
    """Get the current status of Tautulli's connection to the Plex server.

    Optional parameters: server (str): server id, name or machine identifier (default: the first).
    Returns: json: {"connected": true} — true/false as the monitor or the reconciling poll last
    found the server, null while unknown (no server configured, or never checked yet).
    """
    server = server_from_params(params)
    return {"result": "success", "connected": connection_state(server)}


@api_command()
def refresh_users_list(request, params):
    """Refresh the Tautulli users list.

    Re-reads users from plex.tv with every active server's token now (also done every 12 h),
    see :func:`plex.sync.sync_users`.
    Returns: true (message null), as Tautulli answers; when plex.tv cannot be read: an error
    with a null message (HTTP 400), as Tautulli's false.
    """
    from .sync import sync_users

    return sync_users().ok


@api_command()
def refresh_libraries_list(request, params):
    """Refresh the Tautulli libraries list.

    Re-reads ``/library/sections`` (with counts) of every active server now (also done every
    12 h), see :func:`plex.sync.sync_libraries`.
    Returns: true (message null), as Tautulli answers; when a server cannot be read: an error
    with a null message (HTTP 400, Tautulli's false; the servers that answered are still
    refreshed).
    """
    from .sync import sync_libraries

    return sync_libraries().ok


@api_command()
def delete_temp_sessions(request, params):
    """Flush out all of the temporary sessions in the database.

    Removes every live session row (all servers, or only the optional ``server``'s): streams
    being watched are picked up again by the monitor's next poll; plays that ended and were not
    written yet are lost, as in Tautulli (this is the manual fix for stuck sessions).
    Returns: json: {"result": "success", "message": "Temporary sessions flushed."}
    """
    from servers.models import Session

    server = server_from_params(params, default_first=False)
    rows = Session.objects.all() if server is None else Session.objects.filter(server=server)
    rows.delete()
    return {"result": "success", "message": "Temporary sessions flushed."}


# Commands living in their own modules (not autodiscovered: only apiv2.py is).
# apiv2_inventory: get_library_media_info, delete_media_info_cache; apiv2_media: metadata,
# children, recently added, search, images
from . import (  # noqa: E402,F401
    apiv2_inventory,
    apiv2_media,
    apiv2_server_tools,  # noqa: E402,F401  server prefs, PMS update, Plex logs, synced items
    metadata_rekey,  # noqa: E402,F401  update_metadata_details
)
from .activity import apiv2_activity  # noqa: E402,F401  get_activity, get_stream_data, terminate_session
