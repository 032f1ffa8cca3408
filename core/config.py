"""Settings an admin edits at runtime (:class:`core.models.MonitoringSettings`), over the defaults.

:func:`monitoring_value` answers ``monitoring_value("MOVIE_WATCHED_PERCENT")``: the admin's value
when set, else ``django.conf.settings.MOVIE_WATCHED_PERCENT`` (from the environment), else the
default given by the caller. The row is read at most every :data:`CACHE_SECONDS` per process
(the web server, the monitor and the workers each see a change within that time) and at once in
the process that saved it.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

CACHE_SECONDS = 5.0

_lock = threading.Lock()
_cached: tuple[float, dict] | None = None


def _row_values() -> dict:
    global _cached
    now = time.monotonic()
    with _lock:
        if _cached is not None and now - _cached[0] < CACHE_SECONDS:
            return _cached[1]
    from .models import MonitoringSettings

    row = MonitoringSettings.objects.filter(pk=1).values().first() or {}
    values = {name.upper(): value for name, value in row.items() if value is not None}
    with _lock:
        _cached = (now, values)
    return values


def monitoring_value(name: str, default=None):
    """The value of the monitoring setting ``name`` (upper case, e.g. ``WATCHED_MARKER``)."""
    values = _row_values()
    if name in values:
        return values[name]
    return getattr(settings, name, default)


def clear_cache() -> None:
    """Forget the cached row (after a change, and between tests)."""
    global _cached
    with _lock:
        _cached = None


@receiver(post_save, sender="core.MonitoringSettings")
@receiver(post_delete, sender="core.MonitoringSettings")
def _changed(**kwargs):
    clear_cache()
