"""How the admin shows values: one duration format for every page (history, activity, statistics)."""

from __future__ import annotations


def humanize_seconds(seconds: int | None) -> str:
    """A duration in seconds as ``"1h 05m"``, ``"42m 07s"`` or ``"9s"`` ("" for None)."""
    if seconds is None:
        return ""
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
