"""django-q2 tasks: the reconciling poll of live sessions and the check of remote access (every
minute), the 12-hour refreshes of users and libraries, and the daily check for PMS updates.

Tautulli refreshes users from plex.tv and libraries from PMS every 12 hours (reference 3.2);
the poll of ``/status/sessions`` catches what the websocket missed (and is the only source of
activity when a server's websocket cannot be opened). Data migrations of the servers app
(``0002_sync_schedules``, ``0004_poll_schedule``, ``0006_library_media_schedule``,
``0010_server_event_schedules``) create the
:class:`django_q.models.Schedule` rows of :data:`SCHEDULES` on a fresh install;
:func:`ensure_schedules` creates or corrects them. Their first run is due at once (the cluster's first tick after start-up, as Tautulli
refreshes at start-up); missed runs are not caught up (``Q_CLUSTER["catch_up"] = False``).
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

SYNC_INTERVAL_MINUTES = 12 * 60
POLL_INTERVAL_MINUTES = 1  # django-q2's finest schedule
# Remote access: Tautulli re-reads it on PMS's reachability notifications (v2.17.2) and used to
# poll it every 60 s (REMOTE_ACCESS_PING_INTERVAL); we poll every minute (see
# plex.activity.remote_access).
REMOTE_ACCESS_INTERVAL_MINUTES = 1
PMS_UPDATE_INTERVAL_MINUTES = 24 * 60  # Tautulli's PMS_UPDATE_CHECK_INTERVAL default (24 h)

# name → (dotted path of the task function, as django-q2 stores it; interval in minutes).
SCHEDULES = {
    "Refresh users from plex.tv": ("plex.tasks.refresh_users", SYNC_INTERVAL_MINUTES),
    "Refresh libraries": ("plex.tasks.refresh_libraries", SYNC_INTERVAL_MINUTES),
    "Refresh library media": ("plex.tasks.refresh_library_media", SYNC_INTERVAL_MINUTES),
    "Poll Plex sessions": ("plex.tasks.poll_sessions", POLL_INTERVAL_MINUTES),
    "Check Plex remote access": ("plex.tasks.check_remote_access", REMOTE_ACCESS_INTERVAL_MINUTES),
    "Check for Plex updates": ("plex.tasks.check_pms_updates", PMS_UPDATE_INTERVAL_MINUTES),
}


def _summary(result) -> dict:
    return {"synced": result.synced, "deactivated": result.deactivated, "errors": result.errors}


def refresh_users() -> dict:
    """Task: refresh users from plex.tv (see :func:`plex.sync.sync_users`).

    Returns ``{"synced": int, "deactivated": int, "errors": [str]}`` (stored as the task result).
    """
    from .sync import sync_users

    return _summary(sync_users())


def refresh_libraries() -> dict:
    """Task: refresh every active server's libraries (see :func:`plex.sync.sync_libraries`).

    Returns ``{"synced": int, "deactivated": int, "errors": [str]}``.
    """
    from .sync import sync_libraries

    return _summary(sync_libraries())


def refresh_library_media() -> dict:
    """Task: refresh every active server's library inventory (movies, shows, seasons, episodes,
    artists, albums, tracks; see :func:`plex.inventory.refresh_all_inventories`), read by the
    library growth graph and the inventory.

    Returns ``{"servers", "items", "written", "added", "removed", "relinked": int,
    "errors": [str]}``.
    """
    from plex.inventory import refresh_all_inventories

    return refresh_all_inventories()


def refresh_library_inventory(server_id: int, section_id: int) -> dict:
    """Task: refresh one library's inventory (queued by ``get_library_media_info`` with
    ``refresh=true`` and by ``delete_media_info_cache``; :func:`plex.inventory.refresh_inventory`).

    Returns its counts, ``{}`` when the server or library no longer exists, or
    ``{"error": str}`` when PMS cannot be read (logged; the inventory is left as it was).
    """
    from libraries.models import Library
    from plex.client import PlexUnavailable
    from plex.inventory import refresh_inventory

    library = (
        Library.objects.select_related("server")
        .filter(server_id=server_id, section_id=section_id)
        .first()
    )
    if library is None:
        return {}
    try:
        return refresh_inventory(library.server, library)
    except PlexUnavailable as exc:
        logger.warning("Inventory refresh of %s failed: %s", library, exc)
        return {"error": str(exc)}


def poll_sessions() -> dict:
    """Task: reconcile every active server's live sessions (:func:`plex.activity.reconcile.reconcile`).

    Returns ``{server name: {"started", "updated", "stopped", "retried", "error"}}``. A server that
    cannot be reached is marked down; the others are polled regardless.
    """
    from servers.models import Server

    from .activity.reconcile import reconcile

    summary = {}
    for server in Server.objects.filter(is_active=True).exclude(url=""):
        result = reconcile(server)
        summary[server.name] = {
            "started": result.started,
            "updated": result.updated,
            "stopped": result.stopped,
            "retried": result.retried,
            "error": result.error,
        }
    return summary


def _servers():
    from servers.models import Server

    return Server.objects.filter(is_active=True).exclude(url="")


def _unavailable(server, exc) -> str:
    """The error text of ``exc`` (a PlexUnavailable); a rejected token emits on_tokenexpired."""
    from .activity.reachability import note_failure

    note_failure(server, exc)
    return str(exc)


def check_remote_access() -> dict:
    """Task: check every active server's remote access (on_extdown / on_extup, see
    :func:`plex.activity.remote_access.check_remote_access`).

    Returns ``{server name: {"published": bool, "reason": str, "error": str}}``: ``published``
    False when PMS does not publish itself (remote access disabled, nothing checked); ``error``
    when PMS could not be read (the other servers are checked regardless).
    """
    from .activity.remote_access import check_remote_access as check
    from .client import PlexUnavailable

    summary = {}
    for server in _servers():
        try:
            info = check(server)
        except PlexUnavailable as exc:
            summary[server.name] = {
                "published": False,
                "reason": "",
                "error": _unavailable(server, exc),
            }
            continue
        summary[server.name] = {
            "published": info is not None,
            "reason": (info or {}).get("remote_access_reason", ""),
            "error": "",
        }
    return summary


def check_pms_updates() -> dict:
    """Task: ask every active server's PMS for an update (on_pmsupdate, see
    :func:`plex.activity.pms_update.check_pms_update`).

    Returns ``{server name: {"update": version or "", "error": str}}``.
    """
    from .activity.pms_update import check_pms_update
    from .client import PlexUnavailable

    summary = {}
    for server in _servers():
        try:
            update = check_pms_update(server)
        except PlexUnavailable as exc:
            summary[server.name] = {"update": "", "error": _unavailable(server, exc)}
            continue
        summary[server.name] = {"update": (update or {}).get("version", ""), "error": ""}
    return summary


def ensure_schedules(schedule_model=None) -> list:
    """Create or correct the schedules of :data:`SCHEDULES` (matched by name; an existing row
    keeps its ``next_run``: :func:`core.schedules.ensure_interval_schedules`)."""
    from core.schedules import ensure_interval_schedules

    return ensure_interval_schedules(SCHEDULES, schedule_model)
