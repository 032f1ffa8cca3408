"""Conversions between stored datetimes and Tautulli's epoch seconds and local dates."""

import datetime as dt

from django.utils import timezone


def to_epoch(value: dt.datetime | None) -> int | None:
    """Aware datetime → epoch seconds (int); None stays None."""
    return int(value.timestamp()) if value is not None else None


def from_epoch(value) -> dt.datetime | None:
    """Epoch seconds (int, float or numeric str) → aware UTC datetime; None, '' and junk → None."""
    if value is None or value == "":
        return None
    try:
        return dt.datetime.fromtimestamp(int(float(value)), tz=dt.UTC)
    except (ValueError, TypeError, OverflowError, OSError):
        return None


def local_day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the server's time zone (settings.TIME_ZONE), as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def local_day_end(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in the server's time zone (exclusive upper bound)."""
    return local_day_start(day + dt.timedelta(days=1))
