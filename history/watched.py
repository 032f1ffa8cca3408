"""When a stream counts as watched: Tautulli's ``helpers.check_watched`` (reference 3.6).

Units: offsets, durations and credits markers are **milliseconds**; percents are 0–100.

Settings (``[Monitoring]`` in Tautulli), read with :func:`core.config.monitoring_value` (the
admin's "Monitoring settings", else the environment, else Tautulli's default):

* ``MOVIE_WATCHED_PERCENT`` (85), ``TV_WATCHED_PERCENT`` (85, also used for clips),
  ``MUSIC_WATCHED_PERCENT`` (85);
* ``WATCHED_MARKER`` (3): 0 = percent only; 1 = at the final credits marker; 2 = at the first
  credits marker; 3 = the earlier of the percent and the first credits marker. A marker setting
  falls back to the percent when the item has no such marker.
"""

from core.config import monitoring_value

# Tautulli's defaults (reference 3.6).
DEFAULT_WATCHED_PERCENT = 85
DEFAULT_WATCHED_MARKER = 3

MARKER_PERCENT_ONLY = 0
MARKER_CREDITS_FINAL = 1
MARKER_CREDITS_FIRST = 2
MARKER_EARLIEST = 3


def is_watched(
    media_type: str | None,
    view_offset_ms: int | None,
    duration_ms: int | None,
    credits_first_ms: int | None,
    credits_final_ms: int | None,
    *,
    watched_percent: float = DEFAULT_WATCHED_PERCENT,
    watched_marker: int = DEFAULT_WATCHED_MARKER,
) -> bool:
    """True when a play that reached ``view_offset_ms`` counts as watched (reference 3.6).

    Pure: the thresholds are arguments (see :func:`check_watched` for the configured ones).
    Only movies, episodes, clips and tracks can be watched (Tautulli returns False otherwise).
    ``None`` offsets/durations count as 0, as Tautulli's ``cast_to_int`` does; a missing or zero
    credits marker counts as absent (the percent rule applies). An item of unknown or zero length
    (or a 0 % setting) is never watched: there is no threshold to reach, and get_history's
    watched_status and the grouping rule must agree on that.
    """
    if media_type not in ("movie", "episode", "clip", "track"):
        return False
    offset = int(view_offset_ms or 0)
    percent_threshold = float(watched_percent) / 100 * int(duration_ms or 0)
    if not percent_threshold:  # no known length (or a 0 % setting): nothing to reach
        return False
    if watched_marker == MARKER_CREDITS_FINAL and credits_final_ms:
        return offset >= credits_final_ms
    if watched_marker == MARKER_CREDITS_FIRST and credits_first_ms:
        return offset >= credits_first_ms
    if watched_marker == MARKER_EARLIEST and credits_first_ms:
        return offset >= min(percent_threshold, credits_first_ms)
    return offset >= percent_threshold


def watched_percent_for(media_type: str | None) -> int:
    """The configured watched percent (0–100) of ``media_type``; 0 for types never watched."""
    if media_type == "movie":
        return monitoring_value("MOVIE_WATCHED_PERCENT", DEFAULT_WATCHED_PERCENT)
    if media_type in ("episode", "clip"):
        return monitoring_value("TV_WATCHED_PERCENT", DEFAULT_WATCHED_PERCENT)
    if media_type == "track":
        return monitoring_value("MUSIC_WATCHED_PERCENT", DEFAULT_WATCHED_PERCENT)
    return 0


def watched_marker() -> int:
    """The configured ``WATCHED_MARKER`` (0/1/2/3, see the module docstring)."""
    return monitoring_value("WATCHED_MARKER", DEFAULT_WATCHED_MARKER)


def check_watched(
    media_type: str | None,
    view_offset_ms: int | None,
    duration_ms: int | None,
    credits_first_ms: int | None = None,
    credits_final_ms: int | None = None,
) -> bool:
    """:func:`is_watched` with the configured percent of ``media_type`` and ``WATCHED_MARKER``."""
    return is_watched(
        media_type,
        view_offset_ms,
        duration_ms,
        credits_first_ms,
        credits_final_ms,
        watched_percent=watched_percent_for(media_type),
        watched_marker=watched_marker(),
    )
