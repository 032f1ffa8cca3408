"""Formats of the guest pages."""

from django import template

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds as Tautulli writes a watch time: ``2 days 3 hrs``, ``1 hr 5 mins``, ``42 mins``,
    ``0 mins``; anything not a number reads as 0."""
    try:
        seconds = max(int(seconds), 0)
    except (TypeError, ValueError):
        seconds = 0
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [(days, "day"), (hours, "hr"), (minutes, "min")]
    shown = [f"{value} {unit}{'' if value == 1 else 's'}" for value, unit in parts if value]
    return " ".join(shown[:2]) or "0 mins"
