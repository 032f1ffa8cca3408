"""Plex server tools read live from PMS or plex.tv: a server preference, the PMS update on
offer, PMS's own log files, and plex.tv's synced items (Tautulli's ``get_server_pref``,
``get_pms_update``, ``get_plex_log`` / ``download_plex_log``, ``get_synced_items`` /
``delete_synced_item``; the /api/v2 adapters are in :mod:`plex.apiv2_server_tools`).

Every function raises :class:`plex.client.PlexUnavailable` (one readable line, never the token)
when PMS or plex.tv cannot be read, rejects the token or answers junk.

Decisions (where this differs from Tautulli v2.17.2):

* **Updates** come from PMS's own updater (``GET /updater/status`` after ``PUT /updater/check``,
  plexapi's ``checkForUpdate``), as the on_pmsupdate check does (:mod:`plex.activity.pms_update`):
  PMS picks the release for its platform, distribution and update channel. Tautulli reads
  plex.tv's download list (``/api/downloads/5.json``) and matches its own distro settings; the
  values only that list has (release date, requirements, extra info, label, distro, build) are
  "" here.
* **Plex logs** are read through PMS's ``GET /diagnostics/logs`` (the zip of its log folder that
  Plex Web's "Download logs" and plexapi's ``downloadLogs`` fetch; owner token): this works
  wherever PMS runs, where Tautulli needs the log folder mounted locally (``PMS_LOGS_FOLDER``).
  The zip is read into a temporary file (at most :data:`MAX_LOG_ZIP_BYTES`) on each call.
* **Synced items**: plex.tv's ``/servers/<machine id>/sync_lists`` with the server's token, as
  Tautulli; a playlist's ``rating_key`` (Tautulli looks it up among the user's playlists with
  that user's token) is left null.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections import deque
from itertools import pairwise
from pathlib import PurePosixPath
from urllib.parse import unquote
from xml.etree import ElementTree as ET

import requests

from .client import DEFAULT_TIMEOUT, PlexUnavailable, call_pms, describe_error

LOG_ZIP_PATH = "/diagnostics/logs"
MAX_LOG_ZIP_BYTES = 512 * 1024 * 1024  # a PMS log folder zip larger than this is refused
DEFAULT_LOG = "Plex Media Server"  # Tautulli's default log file (without ".log")
# "Jul 04, 2026 10:29:28.406 [140097] ERROR - message": Tautulli's split of a PMS log line.
_LOG_LINE = re.compile(r"^(?P<time>.*?) \[[^\]]*\] (?P<level>.*?) - (?P<message>.*)$", re.DOTALL)
UNPARSED_LINE = ["", "", "Unable to parse log line."]


class PlexLogNotFound(Exception):
    """PMS answered, but has no log file of that name (the request's fault)."""


# --- preferences ---------------------------------------------------------------------------------


def server_pref(server, pref: str, *, timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """The value of PMS setting ``pref`` (``/:/prefs``, ``<Setting id=.. value=..>``) as PMS
    writes it (a string: ``"true"``/``"false"`` for booleans), or None when PMS has no such
    setting. Raises PlexUnavailable."""
    data = call_pms(server, timeout=timeout, call=lambda plex: plex.query("/:/prefs"))
    for setting in data if data is not None else []:
        if setting.tag == "Setting" and setting.attrib.get("id") == pref:
            return setting.attrib.get("value", "")
    return None


# --- updates -------------------------------------------------------------------------------------


def pms_update(server, *, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Tautulli's ``get_pms_update`` dict from PMS's updater (see the module doc):
    ``update_available`` (bool: the offered version is newer, Tautulli's four-number rule),
    ``platform`` (PMS's), ``version`` (the offered one, else PMS's own), ``changelog_added`` /
    ``changelog_fixed`` (PMS's text, one change a line), ``download_url``; ``release_date``,
    ``requirements``, ``extra_info``, ``label``, ``distro``, ``distro_build``: "" (not reported
    by PMS). Raises PlexUnavailable."""
    from .activity.pms_update import version_key

    def read(plex):
        release = plex.checkForUpdate(force=True, download=False)
        return plex.version or "", plex.platform or "", release

    current, platform, release = call_pms(server, read, timeout=timeout)
    offered = release.version if release is not None and release.version else ""
    available = bool(offered) and version_key(offered) > version_key(current)
    return {
        "update_available": available,
        "platform": platform,
        "release_date": "",
        "version": offered or current,
        "requirements": "",
        "extra_info": "",
        "changelog_added": (release.added or "") if offered else "",
        "changelog_fixed": (release.fixed or "") if offered else "",
        "label": "",
        "distro": "",
        "distro_build": "",
        "download_url": (release.downloadURL or "") if offered else "",
    }


# --- logs ----------------------------------------------------------------------------------------


def log_file_name(logfile: str | None = None, log_type: str | None = None) -> str:
    """The log file Tautulli's parameters name: ``log_type`` ("server", "scanner"...) gives
    ``"Plex Media <Type>"``, else ``logfile`` ("Plex Media Scanner"), else "Plex Media Server";
    with ".log" added."""
    if log_type:
        logfile = "Plex Media " + log_type.capitalize()
    return (logfile or DEFAULT_LOG) + ".log"


def _download_logs(server, timeout: float):
    """PMS's log zip (``/diagnostics/logs``) in a temporary file (the caller closes it)."""
    if not server.url:
        raise PlexUnavailable(f"No URL is set for server {server.name!r}.")
    headers = {"X-Plex-Token": server.token} if server.token else {}
    url = server.url.rstrip("/") + LOG_ZIP_PATH
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    try:
        with requests.get(url, headers=headers, timeout=timeout, stream=True) as response:
            if response.status_code == 401:
                raise PlexUnavailable(f"Unauthorized: {server.url} rejected the token (HTTP 401).")
            if response.status_code != 200:
                raise PlexUnavailable(
                    f"HTTP error {response.status_code} from {server.url}{LOG_ZIP_PATH}."
                )
            size = 0
            for chunk in response.iter_content(1024 * 1024):
                size += len(chunk)
                if size > MAX_LOG_ZIP_BYTES:
                    raise PlexUnavailable(
                        f"The log zip of {server.url} is larger than {MAX_LOG_ZIP_BYTES} bytes."
                    )
                spool.write(chunk)
    except requests.exceptions.RequestException as exc:
        spool.close()
        raise PlexUnavailable(describe_error(exc, server.url, timeout)) from None
    except PlexUnavailable:
        spool.close()
        raise
    spool.seek(0)
    return spool


def _log_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The zip's ``.log`` files by their base name (PMS may nest them in a folder)."""
    members = {}
    for info in archive.infolist():
        name = PurePosixPath(info.filename).name
        if not info.is_dir() and name.endswith(".log"):
            members.setdefault(name, info)
    return members


def _open_log(server, name: str, timeout: float, read):
    """``read(binary file)`` on log file ``name`` of PMS's log zip. Raises PlexLogNotFound,
    PlexUnavailable."""
    with _download_logs(server, timeout) as spool:
        try:
            archive = zipfile.ZipFile(spool)
        except zipfile.BadZipFile:
            raise PlexUnavailable(f"{server.url}{LOG_ZIP_PATH} did not answer a zip.") from None
        with archive:
            info = _log_members(archive).get(name)
            if info is None:
                raise PlexLogNotFound(f"Plex log file '{name}' not found.")
            with archive.open(info) as member:
                return read(member)


def log_files(server, *, timeout: float = DEFAULT_TIMEOUT) -> list[str]:
    """The names (without ".log") of PMS's current log files, rotated copies (``.1.log``...)
    left out, as Tautulli's log list. Raises PlexUnavailable."""
    with _download_logs(server, timeout) as spool:
        try:
            with zipfile.ZipFile(spool) as archive:
                names = list(_log_members(archive))
        except zipfile.BadZipFile:
            raise PlexUnavailable(f"{server.url}{LOG_ZIP_PATH} did not answer a zip.") from None
    stems = [name[: -len(".log")] for name in names]
    return sorted(stem for stem in stems if stem and not stem[-1].isdigit())


def parse_log_line(line: str) -> list[str]:
    """``[time, level, message]`` of a PMS log line (Tautulli's row; the message keeps its line
    end, as Tautulli's); :data:`UNPARSED_LINE` for a line of another form."""
    match = _LOG_LINE.match(line)
    if match is None:
        return list(UNPARSED_LINE)
    return [match["time"], match["level"], match["message"]]


def log_tail(server, name: str, window: int, *, timeout: float = DEFAULT_TIMEOUT) -> list[list]:
    """The last ``window`` lines of PMS log file ``name`` (e.g. "Plex Media Server.log"), each
    parsed by :func:`parse_log_line`, oldest first; blank lines skipped. Raises PlexLogNotFound,
    PlexUnavailable."""

    def tail(member):
        text = io.TextIOWrapper(member, encoding="utf-8", errors="replace", newline="")
        return deque((line for line in text), maxlen=window)

    lines = _open_log(server, name, timeout, tail)
    return [parse_log_line(line) for line in lines if line.strip()]


def log_bytes(server, name: str, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The whole of PMS log file ``name``. Raises PlexLogNotFound, PlexUnavailable."""
    return _open_log(server, name, timeout, lambda member: member.read())


# --- synced items (plex.tv) ----------------------------------------------------------------------


def _plextv_query(server, path: str, *, method: str = "GET", timeout: float = DEFAULT_TIMEOUT):
    """``method https://plex.tv<path>`` with ``server``'s token and plexapi's client headers,
    through :func:`plex.sync.plex_session` (``settings.PLEX_TV_URL``): the parsed XML, None for
    an empty answer. Raises PlexUnavailable (any answer but 2xx too)."""
    import plexapi

    from .sync import PLEX_TV, plex_session

    if not server.token:
        raise PlexUnavailable(f"No token is set for server {server.name!r}.")
    headers = {**plexapi.BASE_HEADERS, "X-Plex-Token": server.token, "Accept": "application/xml"}
    try:
        with plex_session() as session:
            response = session.request(method, PLEX_TV + path, headers=headers, timeout=timeout)
        if response.status_code == 401:
            raise PlexUnavailable("Unauthorized: plex.tv rejected the token (HTTP 401).")
        if not response.ok:
            raise PlexUnavailable(f"HTTP error {response.status_code} from plex.tv.")
        return ET.fromstring(response.content) if response.content.strip() else None
    except (requests.exceptions.RequestException, ET.ParseError) as exc:
        raise PlexUnavailable(describe_error(exc, "plex.tv", timeout)) from None


def _attr(elem, name: str) -> str:
    return elem.attrib.get(name, "") if elem is not None else ""


def _sync_rating_key(item) -> tuple[str | None, str | None]:
    """(rating key, sync media type) of a ``<SyncItem>`` from its ``<Location uri>``, as
    Tautulli reads them (``library://<id>/item/.../metadata/<key>`` or ``.../collections/<key>``;
    ``playlist://``: type "playlist", key null)."""
    rating_key = media_type = None
    for location in item.iter("Location"):
        uri = unquote(location.attrib.get("uri", ""))
        if uri.startswith("library://"):
            if "collection" in uri:
                media_type = "collection"
            parts = uri.split("/")
            rating_key = next(
                (b for a, b in pairwise(parts) if a in ("metadata", "collections")),
                None,
            )
        elif uri.startswith("playlist://"):
            media_type = "playlist"
    return rating_key, media_type


def _percent(part: str, whole: str) -> int:
    """Tautulli's ``get_percent``: part/whole in whole percent (0 when either is 0 or junk)."""
    try:
        a, b = float(part or 0), float(whole or 0)
    except ValueError:
        return 0
    return int(round(a / b * 100)) if a and b else 0


def synced_items(
    server, *, machine_id: str | None = None, user_id: str | None = None, timeout: float = 30
) -> list[dict]:
    """The items synced from a server to devices (plex.tv's
    ``/servers/<machine_id>/sync_lists``; default: ``server``'s machine identifier), Tautulli's
    ``get_synced_items`` rows (strings as plex.tv writes them; ``item_downloaded_percent_complete``
    an int; ``rating_key`` / ``sync_media_type`` null when unknown), optionally only the devices
    of Plex user ``user_id``. ``user`` / ``username`` are the friendly name / username of our user
    with the device's ``userID`` ("" when unknown). Raises PlexUnavailable."""
    from users.models import User, friendly_name_or_username

    machine = machine_id or server.machine_identifier or ""
    if not machine:
        raise PlexUnavailable(f"The machine identifier of server {server.name!r} is not known.")
    root = _plextv_query(server, f"/servers/{machine}/sync_lists", timeout=timeout)
    if root is None:
        return []
    user_names: dict[str, tuple[str, str]] = {}
    rows = []
    for sync_list in root.iter("SyncList"):
        client_id = sync_list.attrib.get("clientIdentifier", "")
        device = sync_list.find("Device")
        device_user = _attr(device, "userID")
        if user_id and device_user != str(user_id):
            continue
        if device_user not in user_names:
            user = (
                User.objects.filter(user_id=device_user).first() if device_user.isdigit() else None
            )
            user_names[device_user] = (
                ("", "")
                if user is None
                else (
                    friendly_name_or_username(user.friendly_name, user.username) or "",
                    user.username or "",
                )
            )
        friendly, username = user_names[device_user]
        for item in sync_list.iter("SyncItem"):
            rating_key, media_type = _sync_rating_key(item)
            status = item.find("Status")
            media = item.find("MediaSettings")
            rows.append(
                {
                    "device_name": _attr(device, "name"),
                    "platform": _attr(device, "platform"),
                    "user_id": device_user,
                    "user": friendly,
                    "username": username,
                    "root_title": _attr(item, "rootTitle"),
                    "sync_title": _attr(item, "title"),
                    "metadata_type": _attr(item, "metadataType"),
                    "content_type": _attr(item, "contentType"),
                    "rating_key": rating_key,
                    "state": _attr(status, "state"),
                    "item_count": _attr(status, "itemsCount"),
                    "item_complete_count": _attr(status, "itemsCompleteCount"),
                    "item_downloaded_count": _attr(status, "itemsDownloadedCount"),
                    "item_downloaded_percent_complete": _percent(
                        _attr(status, "itemsDownloadedCount"), _attr(status, "itemsCount")
                    ),
                    "video_bitrate": _attr(media, "maxVideoBitrate"),
                    "audio_bitrate": _attr(media, "musicBitrate"),
                    "photo_quality": _attr(media, "photoQuality"),
                    "video_quality": _attr(media, "videoQuality"),
                    "total_size": _attr(status, "totalSize"),
                    "failure": _attr(status, "failure"),
                    "client_id": client_id,
                    "sync_id": _attr(item, "id"),
                    "sync_media_type": media_type,
                }
            )
    return rows


def delete_synced_item(server, client_id: str, sync_id: str, *, timeout: float = 30) -> None:
    """Remove synced item ``sync_id`` from device ``client_id`` (plex.tv's ``DELETE
    /devices/<client_id>/sync_items/<sync_id>``, as Tautulli and plexapi's ``SyncItem.delete``);
    the device removes the files at its next sync. Raises PlexUnavailable (a 404 too: no such
    device or item)."""
    from urllib.parse import quote

    path = f"/devices/{quote(client_id, safe='')}/sync_items/{quote(sync_id, safe='')}"
    _plextv_query(server, path, method="DELETE", timeout=timeout)
