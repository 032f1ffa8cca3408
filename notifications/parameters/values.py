"""Small conversions the parameter builders share: dates, durations, percentages, sizes and
Tautulli's numbering of grouped episodes (reference 4.5-4.6).

Units follow Tautulli's ``build_media_notify_params`` (reference 4.6): minutes are whole
minutes rounded to the nearest (Python's round: half to even), seconds are truncated from ms,
percentages are rounded whole numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from itertools import groupby

import arrow
from django.conf import settings
from django.utils import timezone

from ..text import DateValue


def date_format() -> str:
    """The default date format (Arrow tokens): ``settings.NOTIFY_DATE_FORMAT``."""
    return settings.NOTIFY_DATE_FORMAT


def time_format() -> str:
    """The default time format (Arrow tokens): ``settings.NOTIFY_TIME_FORMAT``."""
    return settings.NOTIFY_TIME_FORMAT


def duration_format() -> str:
    """The time format without its am/pm tokens, for durations shown as a clock (Tautulli's
    ``momentjs_to_arrow(TIME_FORMAT, duration=True)``)."""
    return time_format().replace("A", "").replace("a", "").strip()


def local_arrow(moment: dt.datetime) -> arrow.Arrow:
    """An aware datetime as an Arrow in the server's time zone (``settings.TIME_ZONE``)."""
    return arrow.Arrow.fromdatetime(timezone.localtime(moment))


def date_value(epoch, fmt: str) -> DateValue | str:
    """Epoch seconds (int, float or numeric text) → a :class:`DateValue` in the server's time
    zone with the default format ``fmt``; ``""`` when there is no such time (None, "", 0,
    junk), as Tautulli leaves the parameter empty."""
    seconds = to_int(epoch)
    if not seconds:
        return ""
    return DateValue(local_arrow(dt.datetime.fromtimestamp(seconds, tz=dt.UTC)), fmt)


def day_value(text, fmt: str) -> DateValue | str:
    """A ``YYYY-MM-DD`` date (PMS's ``originallyAvailableAt``) → a :class:`DateValue` at
    midnight UTC, as Tautulli's ``arrow.get(text)``; ``""`` when empty or not a date."""
    if not text:
        return ""
    try:
        return DateValue(arrow.get(str(text)), fmt)
    except (arrow.parser.ParserError, ValueError, TypeError):
        return ""


def duration_value(seconds: int) -> DateValue:
    """A duration in seconds shown as a clock in :func:`duration_format` (``3725`` → ``01:02``
    with ``HH:mm``): Tautulli's ``CustomArrow(arrow.get(seconds), duration_format)``, i.e. the
    epoch instant read in UTC (so past 24 h the hours wrap)."""
    return DateValue(arrow.get(max(int(seconds), 0)), duration_format())


def to_int(value, default: int = 0) -> int:
    """``value`` as an int (numeric text and floats truncated); ``default`` when it is not a
    number."""
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return default


def ms_to_seconds(ms) -> int:
    """Milliseconds → whole seconds (truncated); 0 for junk or negatives (Tautulli's
    ``convert_milliseconds_to_seconds``)."""
    return max(to_int(ms), 0) // 1000


def seconds_to_minutes(seconds: int) -> int:
    """Seconds → whole minutes, rounded (Tautulli's ``seconds_to_minutes``)."""
    return math.trunc(round(max(seconds, 0) / 60, 0))


def percent(part, whole) -> int:
    """``part`` as a whole percentage of ``whole`` (0 when either is 0): Tautulli's
    ``get_percent``."""
    try:
        part, whole = float(part or 0), float(whole or 0)
    except (TypeError, ValueError):
        return 0
    if not part or not whole:
        return 0
    return math.trunc(round(part / whole * 100, 0))


def human_size(size) -> str:
    """Bytes → ``"1.20 GB"`` (powers of 1024 shown with SI names, as Tautulli's
    ``human_file_size``); text that is not a number is returned as is, below 1024 ``"N B"``."""
    if not str(size).isdigit():
        return "" if size is None else str(size)
    value = float(size)
    if value < 1024:
        return f"{value} B"
    units = ("kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
    unit = -1
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    return f"{value:.2f} {units[unit]}"


def group_index(numbers) -> tuple[str, str]:
    """Season/episode numbers of a grouped announcement as ranges: ``[1, 2, 3, 5]`` →
    ``("1-3,5", "01-03,05")``; ``("0", "00")`` when empty (Tautulli's ``format_group_index``)."""
    ordered = sorted(set(numbers))
    short, padded = [], []
    for _, run in groupby(enumerate(ordered), lambda pair: pair[1] - pair[0]):
        values = [number for _, number in run]
        low, high = values[0], values[-1]
        if low == high:
            short.append(f"{low}")
            padded.append(f"{low:02d}")
        else:
            short.append(f"{low}-{high}")
            padded.append(f"{low:02d}-{high:02d}")
    return ",".join(short) or "0", ",".join(padded) or "00"


def joined(value) -> str:
    """A list of names as ``"a, b"`` (Tautulli joins people, genres, labels...); text as is."""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)
