"""Whether each server answers, and the on_intdown / on_intup events (reference 3.2).

:func:`mark_up` and :func:`mark_down` are called by the monitor and the reconciling poll after
each attempt to reach a server. The state lives on the :class:`~servers.models.Server` row
(``connected``, ``connected_changed_at``, ``last_error``, ``down_notified``) and is written with
``UPDATE`` so an admin editing the server at the same time loses nothing. One log line is written
per change of state, not per failed attempt. on_intdown is emitted once the server has been down
for :data:`DOWN_THRESHOLD` seconds; on_intup only after an on_intdown.

:func:`token_rejected` is called where PMS answered HTTP 401 (``plex.client.PlexUnauthorized``)
in the monitor, the reconciling poll and the library/user refreshes: it emits on_tokenexpired
once per token (the server row keeps the token's :func:`token_tag`).
"""

from __future__ import annotations

import hashlib
import logging

from core.events import Action
from core.timeutils import from_epoch
from plex.client import PlexUnauthorized
from servers.models import Server

from .events import emit

logger = logging.getLogger(__name__)

DOWN_THRESHOLD = 60  # s (Tautulli's NOTIFY_SERVER_CONNECTION_THRESHOLD)


def mark_up(server: Server, now: int) -> None:
    """``server`` answered at ``now`` (epoch s)."""
    server.refresh_from_db(fields=["connected", "down_notified"])
    changes = {"last_contact_at": from_epoch(now)}
    if server.connected is not True:
        logger.info("%s: Plex Media Server is reachable.", server.name)
        changes.update(connected=True, connected_changed_at=from_epoch(now), last_error="")
    if server.down_notified:
        changes["down_notified"] = False
        emit(server, Action.INTUP)
    Server.objects.filter(pk=server.pk).update(**changes)
    for name, value in changes.items():
        setattr(server, name, value)


def mark_down(server: Server, error: str, now: int) -> None:
    """``server`` could not be reached at ``now`` (epoch s), for the reason ``error`` (one line)."""
    server.refresh_from_db(fields=["connected", "connected_changed_at", "down_notified"])
    changes: dict = {}
    if server.connected is not False:
        logger.warning("%s: Plex Media Server is unreachable: %s", server.name, error)
        changes.update(connected=False, connected_changed_at=from_epoch(now), last_error=error)
        since = now
    else:
        since = int(server.connected_changed_at.timestamp()) if server.connected_changed_at else now
        if error != server.last_error:
            changes["last_error"] = error
    if not server.down_notified and now - since >= DOWN_THRESHOLD:
        changes["down_notified"] = True
        emit(server, Action.INTDOWN)
    if changes:
        Server.objects.filter(pk=server.pk).update(**changes)
        for name, value in changes.items():
            setattr(server, name, value)


def set_websocket(server: Server, connected: bool) -> None:
    """Record whether the monitor holds ``server``'s websocket open."""
    Server.objects.filter(pk=server.pk).update(websocket_connected=connected)
    server.websocket_connected = connected


def token_tag(token: str) -> str:
    """The notify-log tag of ``token``: the first 10 hex digits of its SHA-256 (Tautulli's tag
    for on_tokenexpired, so a log imported from Tautulli dedupes the same token); never the
    token itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:10]


def token_rejected(server: Server) -> bool:
    """PMS (or plex.tv) rejected ``server``'s token with HTTP 401: emit on_tokenexpired with
    ``tag=token_tag(token)``, once per token.

    The tag is kept on the row (``token_rejected_tag``), so the same token rejected again, by
    any process or after a restart, emits nothing; a new token, rejected in its turn, emits
    again. (The notifications side also skips a tag already in the notify log, Tautulli's
    rule.) Returns whether the event was emitted.
    """
    tag = token_tag(server.token)
    updated = (
        Server.objects.filter(pk=server.pk)
        .exclude(token_rejected_tag=tag)
        # Compare with the token read now: an admin who just replaced it is not told it expired.
        .filter(token=server.token)
        .update(token_rejected_tag=tag)
    )
    server.token_rejected_tag = tag
    if not updated:
        return False
    logger.warning("%s: Plex Media Server rejected the token (HTTP 401).", server.name)
    emit(server, Action.TOKENEXPIRED, tag=tag)
    return True


def note_failure(server: Server, exc: Exception) -> None:
    """After a failed call to ``server``'s PMS: when ``exc`` says the token was rejected
    (:class:`plex.client.PlexUnauthorized`), :func:`token_rejected` (on_tokenexpired, once per
    token); any other failure says nothing about the token."""
    if isinstance(exc, PlexUnauthorized):
        token_rejected(server)
