"""Stream counters of the notification parameters, from the live ``sessions`` table
(:meth:`servers.models.Session.objects.active`), as Tautulli counts its ``sessions`` rows.

One query whatever the number of streams.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Q

from servers.models import Session

from .values import to_int

# Session.transcode_decision → the counters' names.
_DECISIONS = {"direct play": "direct_plays", "copy": "direct_streams", "transcode": "transcodes"}


def stream_counts(server, user_id=None, *, exclude_session_key=None) -> dict:
    """``{streams, lan_streams, wan_streams, direct_plays, direct_streams, transcodes,
    total_bandwidth, lan_bandwidth, wan_bandwidth, user_streams, user_direct_plays,
    user_direct_streams, user_transcodes}`` (ints, bandwidths in kbps as PMS reserves them).

    The totals count ``server``'s active streams; the ``user_*`` ones the user's active streams
    on every server (as the monitor counts them for on_concurrent). ``exclude_session_key``
    leaves out the stream that just stopped on ``server`` (Tautulli does so for on_stop).
    """
    condition = Q(server=server)
    if user_id is not None:
        condition |= Q(user_id=user_id)
    rows = Session.objects.active().filter(condition)
    if exclude_session_key is not None:
        rows = rows.exclude(server=server, session_key=exclude_session_key)
    rows = list(rows.values("server_id", "user_id", "location", "bandwidth", "transcode_decision"))
    mine = [row for row in rows if row["server_id"] == server.pk]
    theirs = [row for row in rows if user_id is not None and row["user_id"] == user_id]
    lan = [row for row in mine if row["location"] == "lan"]
    lan_bandwidth = sum(to_int(row["bandwidth"]) for row in lan)
    wan_bandwidth = sum(to_int(row["bandwidth"]) for row in mine if row["location"] != "lan")
    decisions = Counter(row["transcode_decision"] for row in mine)
    user_decisions = Counter(row["transcode_decision"] for row in theirs)
    counts = {
        "streams": len(mine),
        "lan_streams": len(lan),
        "wan_streams": len(mine) - len(lan),
        "total_bandwidth": lan_bandwidth + wan_bandwidth,
        "lan_bandwidth": lan_bandwidth,
        "wan_bandwidth": wan_bandwidth,
        "user_streams": len(theirs),
    }
    for decision, name in _DECISIONS.items():
        counts[name] = decisions[decision]
        counts[f"user_{name}"] = user_decisions[decision]
    return counts
