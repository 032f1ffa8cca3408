"""Remote access: PMS's port mapping as it reports it, and the on_extdown / on_extup events.

Rules of Tautulli v2.17.2 (``ReachabilityHandler`` and ``PmsConnect.get_server_response``,
reference 3.7):

* nothing is checked while PMS does not publish itself on plex.tv (its
  ``PublishServerOnPlexOnlineKey`` preference is off: remote access disabled);
* ``GET /myplex/account`` gives ``mappingState``, ``mappingError`` and the public / private
  address and port; :func:`reason` says why remote access is down ("" when it is up);
* ``mappingState="waiting"`` (PMS still mapping the port) changes nothing;
* a reason marks remote access down; on_extdown is emitted once it stayed down for
  :data:`DOWN_THRESHOLD` seconds (Tautulli's NOTIFY_REMOTE_ACCESS_THRESHOLD), once per failure;
* no reason after a failure marks it up again: on_extup only if on_extdown was emitted.

Tautulli checks when PMS sends a ``reachability`` websocket notification; we also check every
minute (:func:`plex.tasks.check_remote_access`), so a change the websocket did not report is
seen too, and the monitor checks at once on that notification. Tautulli before v2.2.5 polled every
60 s (REMOTE_ACCESS_PING_INTERVAL, off unless MONITOR_REMOTE_ACCESS) and emitted on_extdown after 3
bad checks (REMOTE_ACCESS_PING_THRESHOLD); the time threshold of v2.17.2 is what applies here: with
a check a minute, on_extdown follows the second bad check.

The state lives on the :class:`~servers.models.Server` row (``remote_access_up``,
``remote_access_changed_at``, ``remote_access_mapping_state``, ``remote_access_reason``,
``remote_access_down_notified``), written with ``UPDATE`` as :mod:`.reachability` does. When
publishing is turned off the state is cleared (no event): a failure of a disabled remote access
is not announced.
"""

from __future__ import annotations

import logging

from plexapi.exceptions import NotFound
from plexapi.settings import Settings

from core.clock import epoch
from core.events import Action
from core.timeutils import from_epoch
from plex.client import call_pms
from servers.models import Server

from .events import emit

logger = logging.getLogger(__name__)

DOWN_THRESHOLD = 60  # s (Tautulli's NOTIFY_REMOTE_ACCESS_THRESHOLD)
PUBLISH_PREF = "PublishServerOnPlexOnlineKey"

# The event's keyword arguments (the notification parameters of reference 4.6) → the attribute of
# PMS's <MyPlex> element (plexapi's ``plexapi.server.Account``) they are read from.
ACCOUNT_FIELDS = {
    "remote_access_mapping_state": "mappingState",
    "remote_access_mapping_error": "mappingError",
    "remote_access_public_address": "publicAddress",
    "remote_access_public_port": "publicPort",
    "remote_access_private_address": "privateAddress",
    "remote_access_private_port": "privatePort",
}


def reason(mapping_state: str, mapping_error: str) -> str:
    """Why remote access is down given PMS's ``mappingState`` and ``mappingError``; "" when up.

    The wording is Tautulli's ``remote_access_reason`` values (a notification parameter, which
    custom conditions may compare), in its order of checks.
    """
    if mapping_state == "unknown":
        return "Plex remote access port mapping unknown"
    if mapping_state not in ("mapped", "waiting"):
        return "Plex remote access port not mapped"
    if mapping_error == "unreachable":
        return "Plex remote access port mapped, but the port is unreachable from Plex.tv"
    if mapping_error == "publisherror":
        return "Plex remote access port mapped, but failed to publish the port to Plex.tv"
    return ""


def read_remote_access(plex) -> dict | None:
    """Remote access of the plexapi ``PlexServer`` ``plex``: None when PMS does not publish
    itself (remote access disabled), else the :data:`ACCOUNT_FIELDS` keys (strings, "" when PMS
    leaves one out; ports as PMS writes them) plus ``remote_access_reason`` (:func:`reason`).

    Two requests: ``/:/prefs`` (read afresh, plexapi caches ``PlexServer.settings``) and
    ``/myplex/account``. Raises plexapi's / requests' errors (see ``plex.client.call_pms``).
    """
    prefs = Settings(plex, plex.query(Settings.key))
    try:
        published = prefs.get(PUBLISH_PREF).value
    except NotFound:  # plexapi's answer for a preference PMS does not list
        published = False
    if not published:
        return None
    account = plex.account()
    info = {key: getattr(account, attr, None) or "" for key, attr in ACCOUNT_FIELDS.items()}
    info["remote_access_reason"] = reason(
        info["remote_access_mapping_state"], info["remote_access_mapping_error"]
    )
    return info


def check_remote_access(server: Server, now: int | None = None) -> dict | None:
    """Read ``server``'s remote access and apply the rules of the module doc at ``now`` (epoch
    s, default the clock); returns what :func:`read_remote_access` read (None: not published).

    Emits on_extdown / on_extup with the keyword arguments of that dict. Raises
    :class:`plex.client.PlexUnavailable` when PMS cannot be read (nothing is changed then: an
    unreachable PMS is on_intdown's business).
    """
    now = int(epoch()) if now is None else now
    info = call_pms(server, read_remote_access)
    server.refresh_from_db(
        fields=[
            "remote_access_up",
            "remote_access_changed_at",
            "remote_access_mapping_state",
            "remote_access_down_notified",
        ]
    )
    if info is None:
        changes = {
            "remote_access_up": None,
            "remote_access_mapping_state": "",
            "remote_access_reason": "",
            "remote_access_down_notified": False,
        }
        if server.remote_access_up is not None:
            changes["remote_access_changed_at"] = from_epoch(now)
        _save(server, changes)
        return None
    why = info["remote_access_reason"]
    state = info["remote_access_mapping_state"]
    changes = {"remote_access_mapping_state": state[:32], "remote_access_reason": why}
    if state == "waiting":
        if server.remote_access_mapping_state != state:  # one line per change, not per check
            logger.info("%s: Plex remote access is waiting for the port mapping.", server.name)
    elif why:
        since = server.remote_access_changed_at
        if server.remote_access_up is not False or since is None:
            logger.warning("%s: Plex remote access is down: %s", server.name, why)
            changes.update(remote_access_up=False, remote_access_changed_at=from_epoch(now))
            since_epoch = now
        else:
            since_epoch = int(since.timestamp())
        if not server.remote_access_down_notified and now - since_epoch >= DOWN_THRESHOLD:
            changes["remote_access_down_notified"] = True
            emit(server, Action.EXTDOWN, **info)
    elif server.remote_access_up is not True:
        if server.remote_access_up is False:
            logger.info("%s: Plex remote access is back up.", server.name)
        changes.update(remote_access_up=True, remote_access_changed_at=from_epoch(now))
        if server.remote_access_down_notified:
            changes["remote_access_down_notified"] = False
            emit(server, Action.EXTUP, **info)
    _save(server, changes)
    return info


def _save(server: Server, changes: dict) -> None:
    Server.objects.filter(pk=server.pk).update(**changes)
    for name, value in changes.items():
        setattr(server, name, value)
