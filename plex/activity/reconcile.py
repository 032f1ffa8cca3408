"""The reconciling poll: ``/status/sessions`` against the ``sessions`` table (reference 3.2, 3.4).

Run for each server by the django-q2 schedule (every minute, :func:`plex.tasks.poll_sessions`)
and by the monitor whenever it (re)connects: streams PMS lists but we do not know are started,
known ones are refreshed (state, offset, pause accounting, decisions) and the ones PMS no longer
lists are stopped at their last known offset and time, and written to history. Stopped streams
whose history could not be written yet are retried. When the websocket cannot be opened, this is
the only way activity is seen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.clock import epoch
from plex.client import PlexUnavailable
from servers.models import Server, Session

from .handler import ActivityHandler, session_key_of
from .reachability import mark_down, mark_up, note_failure

logger = logging.getLogger(__name__)


@dataclass
class ReconcileResult:
    """What one poll did: streams ``started``, ``updated``, ``stopped`` and history ``retried``;
    ``error`` is the reason PMS could not be read (then nothing else was done)."""

    started: int = 0
    updated: int = 0
    stopped: int = 0
    retried: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def notification_for(item) -> dict:
    """The ``PlaySessionStateNotification`` PMS would send for a ``/status/sessions`` item."""
    player = (getattr(item, "players", None) or [None])[0]
    transcode = (getattr(item, "transcodeSessions", None) or [None])[0]
    notification = {
        "sessionKey": str(getattr(item, "sessionKey", "") or ""),
        "ratingKey": str(getattr(item, "ratingKey", "") or ""),
        "state": getattr(player, "state", None) or Session.State.PLAYING,
        "viewOffset": getattr(item, "viewOffset", None),
    }
    if transcode is not None and getattr(transcode, "key", None):
        notification["transcodeSession"] = str(transcode.key).rsplit("/", 1)[-1]
    return notification


def reconcile(
    server: Server, *, handler: ActivityHandler | None = None, clock=epoch
) -> ReconcileResult:
    """Bring ``server``'s sessions in line with what its PMS lists now; see the module doc.

    Never raises for PMS failures: the server is marked down (:func:`mark_down`) and the result
    carries the error; a token PMS rejects (HTTP 401) also emits on_tokenexpired, once per token
    (:func:`token_rejected`). Constant database work per session (no query per column).
    """
    handler = handler or ActivityHandler(server, clock=clock)
    result = ReconcileResult()
    try:
        items = handler.fetch_sessions(server)
    except PlexUnavailable as exc:
        result.error = str(exc)
        mark_down(server, result.error, handler.now())
        note_failure(server, exc)
        return result
    mark_up(server, handler.now())
    # Streams imported from Tautulli join the server's rows now that it answers (servers.models).
    Session.objects.confirm(server)
    live = {key: item for item in items if (key := session_key_of(item)) is not None}
    result.stopped = handler.stop_all_vanished(set(live))
    active = {
        row.session_key: row
        for row in Session.objects.active().filter(server=server, session_key__in=list(live))
    }
    with handler.lookups_for(list(live.values())):
        _apply_live(server, handler, live, active, result)
    result.retried = handler.retry_pending()
    return result


def _apply_live(server, handler, live: dict, active: dict, result: ReconcileResult) -> None:
    updates = []
    for key, item in live.items():
        notification = notification_for(item)
        row = active.get(key)
        try:
            if row is None:
                if handler.start(key, notification["state"], item=item) is not None:
                    result.started += 1
            elif not handler.same_item(row, notification):
                handler.process(notification)
                result.started += 1
            else:
                updates.append((row, notification, item))
        except PlexUnavailable as exc:  # reading an item's metadata failed: next poll
            logger.warning("%s: session %s: %s", server.name, key, exc)
    if updates:
        result.updated = handler.update_many(updates)
