"""get_history rows in Tautulli's exact key order and JSON types (reference 1.3, api-clients.md).

Pure functions over plain dicts (what the queries fetched), so they are easy to test:
:func:`history_row` for a (grouped) history row, :func:`session_row` for a live session, plus the
rules they apply — :func:`watched_status` (reference 3.6), :func:`human_duration` (Tautulli's
``helpers.human_duration``); platforms are shown by :func:`history.platforms.platform_display`.
"""

from __future__ import annotations

from users.models import friendly_name_or_username, user_thumb_url

from ..platforms import platform_display
from ..watched import check_watched, watched_percent_for

# Integer columns that Tautulli stores as '' for movies (and sends as "" in the API).
BLANK_WHEN_NULL = (
    "parent_rating_key",
    "grandparent_rating_key",
    "media_index",
    "parent_media_index",
)

ROW_KEYS = (
    "reference_id",
    "row_id",
    "id",
    "date",
    "started",
    "stopped",
    "duration",
    "play_duration",
    "paused_counter",
    "user_id",
    "user",
    "friendly_name",
    "user_thumb",
    "platform",
    "product",
    "player",
    "ip_address",
    "live",
    "machine_id",
    "location",
    "secure",
    "relayed",
    "media_type",
    "rating_key",
    "parent_rating_key",
    "grandparent_rating_key",
    "full_title",
    "title",
    "parent_title",
    "grandparent_title",
    "original_title",
    "year",
    "media_index",
    "parent_media_index",
    "thumb",
    "originally_available_at",
    "guid",
    "transcode_decision",
    "percent_complete",
    "watched_status",
    "group_count",
    "group_ids",
    "state",
    "session_key",
)


# The get_history keys a live-session row computes; every other key of ROW_KEYS is the session's
# own column of that name, shown as it is (see session_row).
SESSION_COMPUTED_KEYS = frozenset(
    {
        "reference_id",
        "row_id",
        "id",
        "date",
        "duration",
        "play_duration",
        "paused_counter",
        "friendly_name",
        "user_thumb",
        "platform",
        "thumb",
        "percent_complete",
        "watched_status",
        "group_count",
        "group_ids",
    }
)
SESSION_COPIED_KEYS = tuple(key for key in ROW_KEYS if key not in SESSION_COMPUTED_KEYS)


def watched_status(
    media_type, live, percent, view_offset, duration, credits_first, credits_final
) -> int | float:
    """1 if live or watched (by the shown row's offset), else 0.75/0.5/0.25/0 by quarters of the
    watched percent, compared with the group's highest ``percent`` (Tautulli's get_history)."""
    if live or check_watched(media_type, view_offset, duration, credits_first, credits_final):
        return 1
    base = watched_percent_for(media_type) / 4.0
    percent = percent or 0
    if percent >= base * 3.0:
        return 0.75
    if percent >= base * 2.0:
        return 0.50
    if percent >= base:
        return 0.25
    return 0


def percent_ratio(view_offset, duration) -> float | None:
    """The SQL :func:`history.table.expressions.percent_ratio` in Python (sessions)."""
    numerator = 0.1 if view_offset is None else float(view_offset)
    if duration is None:
        return numerator / 1.0 * 100.0
    if duration == 0:
        return None
    return numerator / float(duration) * 100.0


def _thumb(media_type, thumb, parent_thumb, grandparent_thumb):
    if media_type == "episode":
        return parent_thumb or grandparent_thumb
    return thumb


def _blank(value):
    return "" if value is None else value


def _flag(value):
    return None if value is None else int(value)


def history_row(group: dict, row: dict, group_ids: str) -> dict:
    """One get_history row of history.

    ``group``: the play's aggregates — ``date``, ``started``, ``stopped`` (epoch seconds),
    ``play_duration``, ``paused_counter`` (seconds), ``group_count``, ``percent_complete`` (float).
    ``row``: the fields of the play's latest row (History values, ``metadata__*``, ``media_info__*``
    and ``user__*``). ``group_ids``: "2,3".
    """
    live = bool(row.get("metadata__live"))
    percent = group["percent_complete"]
    if live:
        percent = 100
    duration = group["play_duration"]
    values = {
        "reference_id": row["reference_id"],
        "row_id": row["id"],
        "id": row["id"],
        "date": group["date"],
        "started": group["started"],
        "stopped": group["stopped"],
        "duration": duration,
        "play_duration": duration,
        "paused_counter": group["paused_counter"],
        "user_id": row["user_id"],
        "user": row["username"],
        "friendly_name": friendly_name_or_username(
            row["user__friendly_name"], row["user__username"]
        ),
        "user_thumb": user_thumb_url(row["user__custom_avatar_url"], row["user__thumb"]),
        "platform": platform_display(row["platform"]),
        "product": row["product"],
        "player": row["player"],
        "ip_address": row["ip_address"],
        "live": int(live),
        "machine_id": row["machine_id"],
        "location": row["location"],
        "secure": _flag(row["secure"]),
        "relayed": _flag(row["relayed"]),
        "media_type": row["media_type"],
        "rating_key": row["metadata__rating_key"],
        "parent_rating_key": row["metadata__parent_rating_key"],
        "grandparent_rating_key": row["metadata__grandparent_rating_key"],
        "full_title": row["metadata__full_title"],
        "title": row["metadata__title"],
        "parent_title": row["metadata__parent_title"],
        "grandparent_title": row["metadata__grandparent_title"],
        "original_title": row["metadata__original_title"],
        "year": row["metadata__year"],
        "media_index": row["metadata__media_index"],
        "parent_media_index": row["metadata__parent_media_index"],
        "thumb": _thumb(
            row["media_type"],
            row["metadata__thumb"],
            row["metadata__parent_thumb"],
            row["metadata__grandparent_thumb"],
        ),
        "originally_available_at": row["metadata__originally_available_at"],
        "guid": row["metadata__guid"],
        "transcode_decision": row["media_info__transcode_decision"],
        "percent_complete": int(round(percent or 0)),
        "watched_status": watched_status(
            row["media_type"],
            live,
            percent,
            row["view_offset"],
            row["metadata__duration"],
            row["metadata__marker_credits_first"],
            row["metadata__marker_credits_final"],
        ),
        "group_count": group["group_count"],
        "group_ids": group_ids,
        "state": None,
        "session_key": None,
    }
    for key in BLANK_WHEN_NULL:
        values[key] = _blank(values[key])
    return {key: values[key] for key in ROW_KEYS}


def session_row(session: dict, thumbs: dict, now: int) -> dict:
    """One get_history row of live activity (Tautulli's UNION with ``sessions``).

    ``session``: Session values (times in epoch seconds, offsets in ms). ``thumbs``: user_id →
    (custom_avatar_url, thumb). ``now``: epoch seconds; a session without ``stopped`` counts up to
    it. reference_id/row_id/id and the group fields are null, ``state``/``session_key`` are set;
    the :data:`SESSION_COPIED_KEYS` are the session's own values.
    """
    started = session["started"]
    stopped = session["stopped"]
    paused = session["paused_counter"] or 0
    if stopped and stopped > 0:
        played = stopped - (started or 0)
    else:
        played = now - (started or 0)
    duration = played - paused
    live = session["live"]
    percent = percent_ratio(session["view_offset"], session["duration"])
    if live:
        percent = 100
    custom, thumb = thumbs.get(session["user_id"], (None, None))
    values = {
        **{key: session[key] for key in SESSION_COPIED_KEYS},
        "reference_id": None,
        "row_id": None,
        "id": None,
        "date": started,
        "duration": duration,
        "play_duration": duration,
        "paused_counter": paused,
        "friendly_name": friendly_name_or_username(session["friendly_name"], session["user"]),
        "user_thumb": user_thumb_url(custom, thumb),
        "platform": platform_display(session["platform"]),
        "thumb": _thumb(
            session["media_type"],
            session["thumb"],
            session["parent_thumb"],
            session["grandparent_thumb"],
        ),
        "percent_complete": int(round(percent or 0)),
        "watched_status": watched_status(
            session["media_type"],
            live,
            percent,
            session["view_offset"],
            session["duration"],
            None,
            None,
        ),
        "group_count": None,
        "group_ids": None,
    }
    for key in BLANK_WHEN_NULL:
        values[key] = _blank(values[key])
    return {key: values[key] for key in ROW_KEYS}


def human_duration(seconds: int | None) -> str:
    """Tautulli's ``helpers.human_duration(seconds, units='s')``: "1 day 2 hrs 3 mins".

    Days, hours and minutes; seconds are added when the total is under 300,000 s (Tautulli
    compares its ``return_seconds=300000`` threshold, meant as ms, with the value in seconds —
    hence "4 hrs 44 mins 42 secs" but "1766 days 3 hrs 42 mins"). Without seconds a non-zero
    minute count is rounded (≥ 30 s → +1 min, never carried into hours). Zero or less → "0".
    """
    if not seconds or seconds <= 0:
        return "0"
    show_seconds = seconds < 300_000
    days, rest = divmod(int(seconds), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if days > 0:
        parts.append(f"{days} day" + ("s" if days > 1 else ""))
    if hours > 0:
        parts.append(f"{hours} hr" + ("s" if hours > 1 else ""))
    if minutes > 0:
        if not show_seconds and secs >= 30:
            minutes += 1
        parts.append(f"{minutes} min" + ("s" if minutes > 1 else ""))
    if show_seconds and secs > 0:
        parts.append(f"{secs} sec" + ("s" if secs > 1 else ""))
    return " ".join(parts)
