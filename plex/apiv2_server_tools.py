"""/api/v2 Plex server tools (reference 1.2 "Server (PMS) info", "Logs", "Sync"):
``get_server_pref``, ``get_pms_update``, ``get_plex_log``, ``download_plex_log``,
``get_synced_items`` and ``delete_synced_item``, over :mod:`plex.server_tools` (where the
decisions that differ from Tautulli are written down).

Every command takes the optional ``server`` parameter (id, name or machine identifier; default:
the first server; an unknown one is a 400 error). When PMS or plex.tv cannot be reached the read
commands answer as Tautulli does, "success" with an empty result ("", {}, {"data": []}, []), and
the reason is logged once (:func:`plex.client.log_unavailable`); ``download_plex_log`` and
``delete_synced_item`` answer an error envelope saying why.
"""

import logging
import re

from django.http import HttpResponse

from core.tautulli_api import ApiError, api_command
from servers.apiv2 import server_from_params

from . import server_tools
from .client import PlexUnavailable, log_unavailable

logger = logging.getLogger(__name__)

DEFAULT_LOG_WINDOW = 1000  # Tautulli's PMS_LOGS_LINE_CAP
MAX_LOG_WINDOW = 100_000
# A Plex client identifier or sync id: letters, digits, "-", "_", "." (what plex.tv issues).
_IDENTIFIER = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
# A log file name as PMS writes them: "Plex Media Server", "Plex Media Scanner.1"...
_LOG_NAME = re.compile(r"^[A-Za-z0-9 ._()-]{1,100}$")


def _log_name(params) -> str:
    log_type = params.str("log_type")
    logfile = params.str("logfile")
    for key, value in (("log_type", log_type), ("logfile", logfile)):
        if value is not None and (not _LOG_NAME.match(value) or ".." in value):
            raise ApiError(f"Parameter {key} is not a Plex log file name")
    return server_tools.log_file_name(logfile, log_type)


@api_command()
def get_server_pref(request, params):
    """Get a specified PMS server preference.

    Required parameters: pref (str): name of the preference, e.g. "FriendlyName".
    Optional parameters: server (str): server id, name or machine identifier (default: the first).
    Returns: string: the value as PMS writes it in ``/:/prefs``, e.g. "TestServer" (booleans
    "true"/"false", numbers as text).

    A preference PMS does not have is an error (Tautulli answers the text "None"); no server
    configured, or a PMS that cannot be reached, answers "" (as Tautulli).
    """
    pref = params.str("pref", required=True)
    server = server_from_params(params)
    if server is None:
        return ""
    try:
        value = server_tools.server_pref(server, pref)
    except PlexUnavailable as exc:
        log_unavailable(logger, server, "get_server_pref", exc)
        return ""
    if value is None:
        raise ApiError(f"The Plex Media Server has no preference named {pref!r}")
    return value


@api_command()
def get_pms_update(request, params):
    """Check for updates to the Plex Media Server.

    Optional parameters: server (str): server id, name or machine identifier (default: the first).
    Returns: json: {"update_available": true, "platform": "Linux", "release_date": "",
    "version": "1.43.3.10793-cd55560bb", "requirements": "", "extra_info": "",
    "changelog_added": "(Library) ...\\n(Network) ...", "changelog_fixed": "...", "label": "",
    "distro": "", "distro_build": "",
    "download_url": "https://downloads.plex.tv/plex-media-server-new/..."}

    Asked of PMS's own updater (it picks the release for its platform, distribution and update
    channel); ``version`` is the offered release, or the running one when none is newer
    (``update_available`` false, changelogs and URL ""). ``release_date``, ``requirements``,
    ``extra_info``, ``label``, ``distro`` and ``distro_build`` come only from plex.tv's download
    list that Tautulli reads: always "" here. No server, or PMS unreachable: {} (as Tautulli when
    plex.tv cannot be read).
    """
    server = server_from_params(params)
    if server is None:
        return {}
    try:
        return server_tools.pms_update(server)
    except PlexUnavailable as exc:
        log_unavailable(logger, server, "get_pms_update", exc)
        return {}


@api_command()
def get_plex_log(request, params):
    """Get the PMS logs.

    Optional parameters: window (int): the number of tail lines to return, 1000 (at most
    100000); logfile (str): the name of the Plex log file, "Plex Media Server" (default),
    "Plex Media Scanner"...; log_type (str): "server", "scanner"... (gives "Plex Media <Type>",
    before ``logfile``); server (str).
    Returns: json: {"data": [["Jul 04, 2026 10:29:28.406", "ERROR", "[Req#1be2f6/Transcode] ...\\n"],
    ...]} oldest first: [time as PMS writes it, level, message with its line end]; a line of
    another form is ["", "", "Unable to parse log line."].

    Read from PMS's ``/diagnostics/logs`` zip (no log folder to mount, unlike Tautulli's
    PMS_LOGS_FOLDER). A log file PMS does not have is an error; no server, or PMS unreachable:
    {"data": []}.
    """
    window = params.int("window", DEFAULT_LOG_WINDOW, minimum=1, maximum=MAX_LOG_WINDOW)
    name = _log_name(params)
    server = server_from_params(params)
    if server is None:
        return {"data": []}
    try:
        return {"data": server_tools.log_tail(server, name, window)}
    except server_tools.PlexLogNotFound as exc:
        raise ApiError(str(exc))
    except PlexUnavailable as exc:
        log_unavailable(logger, server, "get_plex_log", exc)
        return {"data": []}


@api_command(raw=True)
def download_plex_log(request, params):
    """Download the Plex log file.

    Optional parameters: logfile (str): the name of the Plex log file, "Plex Media Server"
    (default), "Plex Media Scanner"...; log_type (str): "server", "scanner"...; server (str).
    Returns: download: the whole log file (``<name>.log``, application/x-download).

    Read from PMS's ``/diagnostics/logs`` zip. A log file PMS does not have, no server, or a PMS
    that cannot be reached: an error envelope (HTTP 400) saying which.
    """
    name = _log_name(params)
    server = server_from_params(params)
    if server is None:
        raise ApiError("No Plex Media Server is configured")
    try:
        body = server_tools.log_bytes(server, name)
    except server_tools.PlexLogNotFound as exc:
        raise ApiError(str(exc))
    except PlexUnavailable as exc:
        log_unavailable(logger, server, "download_plex_log", exc)
        raise ApiError(f"Unable to download the Plex log: {exc}")
    response = HttpResponse(body, content_type="application/x-download")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@api_command()
def get_synced_items(request, params):
    """Get a list of synced items on the PMS.

    Optional parameters: machine_id (str): the PMS identifier (default: the server's);
    user_id (str): the id of the Plex user; server (str).
    Returns: json: [{"audio_bitrate": "192", "client_id": "95434se643fsf24f-com-plexapp-android",
    "content_type": "video", "device_name": "Tyrion's iPad", "failure": "",
    "item_complete_count": "1", "item_count": "1", "item_downloaded_count": "1",
    "item_downloaded_percent_complete": 100, "metadata_type": "movie", "photo_quality": "74",
    "platform": "iOS", "rating_key": "154092", "root_title": "Movies", "state": "complete",
    "sync_id": "11617019", "sync_media_type": null, "sync_title": "Deadpool",
    "total_size": "560718134", "user": "DrukenDwarfMan", "user_id": "696969",
    "username": "DrukenDwarfMan", "video_bitrate": "4000", "video_quality": "100"}, ...]

    Read from plex.tv (``/servers/<machine_id>/sync_lists``, the server's token). A synced
    playlist's rating_key is null (Tautulli looks it up with the user's token). No server, or
    plex.tv unreachable: [].
    """
    machine_id = params.str("machine_id")
    if machine_id is not None and not _IDENTIFIER.match(machine_id):
        raise ApiError("Parameter machine_id is not a Plex machine identifier")
    user_id = params.int("user_id", minimum=0)
    server = server_from_params(params)
    if server is None:
        return []
    try:
        return server_tools.synced_items(
            server, machine_id=machine_id, user_id=None if user_id is None else str(user_id)
        )
    except PlexUnavailable as exc:
        log_unavailable(logger, server, "get_synced_items", exc)
        return []


@api_command()
def delete_synced_item(request, params):
    """Delete a synced item from a device.

    Required parameters: client_id (str): the client ID of the device to delete from;
    sync_id (str): the sync ID of the synced item.
    Optional parameters: server (str): whose token signs the request (default: the first).
    Returns: json: {"result": "success", "message": "Synced item deleted successfully."}; when
    plex.tv refuses or cannot be reached: {"result": "error", "message": "Failed to delete
    synced item."} (HTTP 400), as Tautulli.

    plex.tv removes the item from the device's sync list; the device deletes the files at its
    next sync.
    """
    client_id = params.str("client_id")
    sync_id = params.str("sync_id")
    if not client_id or not sync_id:
        raise ApiError("Missing client ID and sync ID.")
    if not _IDENTIFIER.match(client_id):
        raise ApiError("Parameter client_id is not a Plex client identifier")
    if not sync_id.isascii() or not sync_id.isdigit() or len(sync_id) > 20:
        raise ApiError("Parameter sync_id must be a number")
    server = server_from_params(params)
    if server is None:
        raise ApiError("No Plex Media Server is configured")
    try:
        server_tools.delete_synced_item(server, client_id, sync_id)
    except PlexUnavailable as exc:
        logger.warning("delete_synced_item: plex.tv refused or is unavailable: %s", exc)
        return {"result": "error", "message": "Failed to delete synced item."}
    logger.info("Deleted synced item %s from device %s.", sync_id, client_id)
    return {"result": "success", "message": "Synced item deleted successfully."}
