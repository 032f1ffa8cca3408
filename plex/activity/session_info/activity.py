"""Tautulli's ``get_activity`` for a server: every session PMS lists now (or one), with the
stream counts and bandwidths."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from core import log_once
from plex.client import (
    DEFAULT_TIMEOUT,
    PLEX_ERRORS,
    PlexUnavailable,
    connect,
    describe_error,
    log_unavailable,
)
from plex.pms_fields import raw as _attr
from plex.pms_fields import to_int as _int

from .cache import MetadataCache
from .lookups import load_lookups
from .parse import session_info

logger = logging.getLogger(__name__)

# get_activity's counters, all ints (the v2.17.2 capture), present even without sessions.
COUNTERS = (
    "stream_count_direct_play",
    "stream_count_direct_stream",
    "stream_count_transcode",
    "total_bandwidth",
    "lan_bandwidth",
    "wan_bandwidth",
)


def _is_theme_music(item) -> bool:
    """Background theme music of a library (a ``library://`` track): not a stream to show."""
    return _attr(item, "type") == "track" and _attr(item, "guid").startswith("library://")


def find_session(items: Iterable, *, session_key=None, session_id=None):
    """The session item of ``items`` with ``session_key`` (compared as text, as Tautulli), or
    else with ``session_id`` (its ``<Session id>``); None when none matches or neither is given.
    """
    if session_key not in (None, ""):
        wanted = str(session_key).strip()
        return next((i for i in items if _attr(i, "sessionKey") == wanted), None)
    if session_id not in (None, ""):
        return next((i for i in items if session_id_of(i) == session_id), None)
    return None


def session_id_of(item) -> str:
    """PMS's ``<Session id>`` of a session item ("" when PMS gives none, e.g. DLNA)."""
    return _attr(getattr(item, "session", None), "id")


def _session_sort_key(info: dict):
    key = info["session_key"]
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def activity_data(
    server,
    *,
    session_key: str | int | None = None,
    session_id: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict:
    """Tautulli's get_activity ``data`` for ``server`` (a :class:`servers.models.Server`).

    ``{"stream_count": "N" (text), "sessions": [session dicts by session key],
    "stream_count_direct_play", "stream_count_direct_stream", "stream_count_transcode",
    "total_bandwidth", "lan_bandwidth", "wan_bandwidth"}``: counts split on each session's
    ``transcode_decision`` (transcode / copy / anything else), bandwidths in kbps summed from
    the sessions' ``bandwidth``, LAN for ``location == "lan"`` and WAN for every other location
    (cellular included); all ints, and present (0) without sessions too, as in the v2.17.2
    capture (reference 1.3 says otherwise; the capture wins).

    With ``session_key`` (or else ``session_id``): that session's dict alone, ``{}`` when it is
    not playing. PMS unreachable, or answering junk: ``{}`` (Tautulli answers success with it),
    logged once until PMS answers again (clients call this every few seconds).
    Two database queries whatever the number of sessions.
    """
    try:
        plex = connect(server, timeout=timeout)
        items = [item for item in plex.sessions() if not _is_theme_music(item)]
    except PlexUnavailable as exc:
        log_unavailable(logger, server, "get_activity", exc)
        return {}
    except PLEX_ERRORS as exc:
        log_unavailable(logger, server, "get_activity", describe_error(exc, server.url, timeout))
        return {}
    # A cached connection does not pass through connect()'s clearing: PMS answered, say so.
    log_once.clear(("pms", server.pk, "get_activity"))

    single = session_key not in (None, "") or session_id not in (None, "")
    if single:
        found = find_session(items, session_key=session_key, session_id=session_id)
        if found is None:
            return {}
        items = [found]

    library_names, users = load_lookups(server, items)
    cache = MetadataCache()
    sessions = sorted(
        (
            session_info(item, server, library_names=library_names, users=users, metadata=cache)
            for item in items
        ),
        key=_session_sort_key,
    )
    if single:
        return sessions[0]

    counts = dict.fromkeys(COUNTERS, 0)
    for info in sessions:
        decision = info["transcode_decision"]
        if decision == "transcode":
            counts["stream_count_transcode"] += 1
        elif decision == "copy":
            counts["stream_count_direct_stream"] += 1
        else:
            counts["stream_count_direct_play"] += 1
        bandwidth = _int(info["bandwidth"])
        counts["total_bandwidth"] += bandwidth
        counts["lan_bandwidth" if info["location"] == "lan" else "wan_bandwidth"] += bandwidth
    return {"stream_count": str(len(sessions)), "sessions": sessions, **counts}
