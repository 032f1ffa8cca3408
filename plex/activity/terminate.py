"""Stopping a stream: the one service behind /api/v2 ``terminate_session`` and the Activity
page's Terminate button.

PMS is asked what it plays now (``/status/sessions``, through plexapi), the stream is found by
``session_key`` or ``session_id`` (Tautulli looked in its ``sessions`` table, which may lag),
and stopped (``/status/sessions/terminate?sessionId=..&reason=..``); the player shows the
message. PMS only stops streams for a Plex Pass owner, so a server without ``myPlexSubscription``
is refused before anything is sent (Tautulli's rule, webserve/pmsconnect ``terminate_session``).

Every stream stopped is audited: a django-auditlog entry on its ``sessions`` row (on the server
when the monitor has no row for it yet), ``state: <state> → terminated`` and
``message: → <message>``, its author the signed-in admin or the API key, as the audit
middleware and the /api/v2 hook name them (Audit log › Log entries). The message is kept in
``changes``, not ``additional_data``: the /api/v2 hook fills ``additional_data`` itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from auditlog.models import LogEntry

from plex.client import PLEX_ERRORS, PlexUnavailable, connect, describe_error
from servers.models import Server, Session

from .session_info import find_session, session_id_of

logger = logging.getLogger(__name__)

DEFAULT_STOP_MESSAGE = "The server owner has ended the stream."
MESSAGE_MAX_LENGTH = 200  # characters; players show one short line


@dataclass(frozen=True)
class TerminateResult:
    """What happened: ``ok`` and the message to show (Tautulli's wording, e.g. "Session
    terminated." or "Failed to terminate session: No Plex Pass subscription.")."""

    ok: bool
    message: str


def _failed(reason: str = "") -> TerminateResult:
    text = f"Failed to terminate session: {reason}." if reason else "Failed to terminate session."
    return TerminateResult(False, text)


def terminate_stream(
    server: Server | None,
    *,
    session_key: str | int | None = None,
    session_id: str | None = None,
    message: str | None = None,
) -> TerminateResult:
    """Stop the stream ``session_key`` (or else ``session_id``: PMS's ``<Session id>``) playing
    on ``server`` now, showing ``message`` on the player (default
    :data:`DEFAULT_STOP_MESSAGE`; cut to :data:`MESSAGE_MAX_LENGTH` characters).

    Never raises for Plex trouble: a :class:`TerminateResult` says why it failed ("No Plex
    server is configured", "No Plex Pass subscription", "Invalid session_key (K) or session_id
    (I)" when PMS does not play it, "Missing session_id", why PMS could not be reached, or
    "Failed to terminate session." when PMS refused). On success an audit entry is written (see
    the module doc).
    """
    message = (message or "").strip()[:MESSAGE_MAX_LENGTH] or DEFAULT_STOP_MESSAGE
    session_key = "" if session_key is None else str(session_key).strip()
    session_id = (session_id or "").strip()
    if server is None:
        return _failed("No Plex server is configured")
    try:
        plex = connect(server)
        if not plex.myPlexSubscription:
            return _failed("No Plex Pass subscription")
        items = plex.sessions()
    except PlexUnavailable as exc:
        return _failed(str(exc).rstrip("."))
    except PLEX_ERRORS as exc:
        return _failed(describe_error(exc, server.url).rstrip("."))

    found = find_session(items, session_key=session_key, session_id=session_id)
    if found is None:
        # Tautulli's wording: the parameters as given, "None" for both when neither was.
        shown = (session_key, session_id) if session_key or session_id else (None, None)
        return _failed("Invalid session_key ({}) or session_id ({})".format(*shown))
    if not session_id_of(found):
        return _failed("Missing session_id")

    logger.info(
        "Terminating session %s (session_id %s) on %s",
        found.sessionKey,
        session_id_of(found),
        server,
    )
    try:
        found.stop(reason=message)
    except PLEX_ERRORS as exc:
        logger.warning("terminate_session: %s", describe_error(exc, server.url))
        return _failed()
    _audit(server, str(found.sessionKey), message)
    return TerminateResult(True, "Session terminated.")


def _audit(server: Server, session_key: str, message: str) -> LogEntry:
    """The audit entry of a stream stopped: on its ``sessions`` row, else on the server."""
    row = None
    if session_key.isdigit():
        row = Session.objects.filter(server=server, session_key=int(session_key)).first()
    changes = {"message": ["", message]}
    if row is not None:
        changes = {"state": [row.state or "", "terminated"], **changes}
    else:
        changes = {"session_key": [session_key, "terminated"], **changes}
    return LogEntry.objects.log_create(
        row or server, action=LogEntry.Action.UPDATE, changes=changes
    )
