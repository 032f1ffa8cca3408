"""The graphs: Tautulli's 12 graph commands (reference 1.2 "Graphs", 6.1, 6.2) and plays by library.

Every graph is a function ``graph(window: StatsWindow) -> {"categories": [str, ...],
"series": [{"name": str, "data": [int, ...]}, ...]}`` (Tautulli's shape; every ``data`` list has
one int per category). :data:`GRAPHS` maps the /api/v2 command name without ``get_`` to the
function, :data:`GRAPH_TITLES` to a human title, :func:`window_for` builds a graph's window. Each
function reads only the daily rollups (:mod:`stats.models`, whose manager brings them up to date
first), in one or two aggregate queries whatever the size of history.

Counting (the rollup's unit is the *day-play*, see :mod:`stats.models`):

* date, day-of-week and hour-of-day graphs, plays by stream type and plays by library count
  day-plays (``plays``) when grouping, History rows (``rows``) when not — Tautulli's
  ``GROUP BY <bucket>, reference_id``;
* per month counts ``month_plays`` when grouping (a play counts once per month);
* top-10 and resolution graphs count plays begun in the window (``first_plays``) when grouping,
  rows when not (:attr:`StatsWindow.window_count_field`): a play counts once however many days
  it spans;
* ``y_axis=duration`` sums seconds (Σ ``stopped − started − paused_counter`` of the rows).

Media series (reference 6.1): TV = episode and not live, Movies = movie and not live, Music =
track and not live, Live TV = live.

Deliberate differences from Tautulli v2.17.2:

* Windows are whole local days (``time_range`` days ending today, or ``after``/``before``;
  see :mod:`stats.window`), selected by the local date a play started. Tautulli selected
  ``stopped >= now − N·86400`` and drew N dates, leaving its first bar partial.
* A media series is shown when a library of its type exists (Tautulli's rule: not deleted; of
  the window's server when ``server`` is given), Live TV also when any history row is live
  (Plex has no live TV library; Tautulli added a "Live TV" pseudo library on the first live
  play, which only an import brings here), **and** whenever the graph has a value in it, so
  plays of a library since removed stay visible.
* Ungrouped (``grouping=0``) hour-of-day graphs draw every row of a day-play at the hour the play
  began that day (the rollup keeps one hour per day-play); Tautulli drew each row at its own hour.
* Top-10 platforms group by the displayed name (``PLATFORM_NAME_OVERRIDES`` applied before
  grouping, so "osx" and "macOS" make one bar); an empty platform or resolution is "Unknown".
  Categories whose total is 0 are left out. Ties are ordered by name.
* Concurrent streams count, per local date, streams still playing from the day before (see
  :mod:`stats.concurrency`).
"""

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db.models import (
    Case,
    F,
    Q,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import ExtractWeekDay, TruncMonth

from history.models import HistoryMetadata
from history.platforms import PLATFORM_NAME_OVERRIDES
from libraries.models import Library
from libraries.naming import distinct_library_names
from servers.models import Server
from users.models import User

from .concurrency import window_peaks
from .models import DailyConcurrency, DailyPlays, DailyStreams, HourlyPlays
from .window import DEFAULT_DAYS, DEFAULT_MONTHS, StatsWindow, YAxis, month_label

Graph = dict  # {"categories": list[str], "series": list[{"name": str, "data": list[int]}]}

# Media series in Tautulli's order: (name, library section_type, rollup filter).
MEDIA_SERIES = (
    ("TV", "show", Q(media_type="episode", live=False)),
    ("Movies", "movie", Q(media_type="movie", live=False)),
    ("Music", "artist", Q(media_type="track", live=False)),
    ("Live TV", "live", Q(live=True)),
)
_MEDIA_OF = {"episode": "TV", "movie": "Movies", "track": "Music"}

# Stream-type series: (name, DailyStreams.transcode_decision).
DECISION_SERIES = (
    ("Direct Play", "direct play"),
    ("Direct Stream", "copy"),
    ("Transcode", "transcode"),
)
MAX_CONCURRENT = "Max. Concurrent Streams"

DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
# "%b" in the C locale, whatever the server's locale.
UNKNOWN = "Unknown"
TOP = 10


# --- building blocks ---------------------------------------------------------------------------


def media_kind(media_type: str | None, live: bool) -> str | None:
    """The media series of a rollup row: "TV", "Movies", "Music", "Live TV" or None (other)."""
    return "Live TV" if live else _MEDIA_OF.get(media_type or "")


def _value_field(window: StatsWindow, count_field: str) -> str:
    """The rollup column a graph sums: ``duration`` (seconds) or ``count_field``."""
    return "duration" if window.y_axis == "duration" else count_field


def _library_types(window: StatsWindow) -> set[str]:
    """Section types of the libraries that exist (not deleted; of the window's server), with
    ``"live"`` also when any history row (of that server) is live TV.

    Two small queries: the libraries, and an EXISTS on the partial index of live metadata.
    """
    libraries = Library.objects.active()
    live = HistoryMetadata.objects.filter(live=True)
    if window.server_id is not None:
        libraries = libraries.filter(server_id=window.server_id)
        live = live.filter(history__server_id=window.server_id)
    types = set(libraries.values_list("section_type", flat=True).distinct())
    if "live" not in types and live.exists():
        types.add("live")
    return types


def _media_series(window: StatsWindow, data: dict[str, list[int]]) -> list[dict]:
    """The media series to show, in Tautulli's order: those with a library of their type, and
    those with a non-zero value (``data``: series name → values)."""
    types = _library_types(window)
    return [
        {"name": name, "data": data[name]}
        for name, section_type, _q in MEDIA_SERIES
        if section_type in types or any(data[name])
    ]


def _graph(categories: list[str], series: list[dict]) -> Graph:
    return {"categories": categories, "series": series}


def _bucketed_media(window: StatsWindow, rows, buckets: list) -> dict[str, list[int]]:
    """Zero-filled media series from rows of (bucket, media_type, live, value)."""
    index = {bucket: position for position, bucket in enumerate(buckets)}
    data = {name: [0] * len(buckets) for name, _t, _q in MEDIA_SERIES}
    for bucket, media_type, live, value in rows:
        kind = media_kind(media_type, live)
        if kind is not None and bucket in index:
            data[kind][index[bucket]] += int(value or 0)
    return data


def _media_by(model, window: StatsWindow, count_field: str, bucket, *, months=None):
    """Rows (bucket, media_type, live, Σ value) of ``model`` in the window, grouped in SQL by
    the ``bucket`` expression; ``months``: see :meth:`StatsWindow.rollup_q`."""
    return (
        model.objects.filter(window.rollup_q(months=months))
        .order_by()
        .annotate(bucket=bucket)
        .values_list("bucket", "media_type", "live")
        .annotate(value=Sum(_value_field(window, count_field)))
        .values_list("bucket", "media_type", "live", "value")
    )


def _media_sums(count_field: str, window: StatsWindow) -> dict:
    """Filtered sums per media series and their total, for one GROUP BY row."""
    field = _value_field(window, count_field)
    sums = {f"m{index}": Sum(field, filter=q) for index, (_n, _t, q) in enumerate(MEDIA_SERIES)}
    sums["total"] = Sum(field)
    return sums


def _decision_sums(count_field: str, window: StatsWindow) -> dict:
    """Filtered sums per transcode decision and the total of the three, for one GROUP BY row."""
    field = _value_field(window, count_field)
    sums = {
        f"d{index}": Sum(field, filter=Q(transcode_decision=decision))
        for index, (_n, decision) in enumerate(DECISION_SERIES)
    }
    sums["total"] = Sum(field, filter=Q(transcode_decision__in=[d for _n, d in DECISION_SERIES]))
    return sums


def _platform_name() -> Case:
    """SQL: the platform as displayed (Tautulli's ``PLATFORM_NAME_OVERRIDES``), "Unknown" if empty."""
    return Case(
        *(When(platform=raw, then=Value(shown)) for raw, shown in PLATFORM_NAME_OVERRIDES.items()),
        When(platform="", then=Value(UNKNOWN)),
        default=F("platform"),
        output_field=TextField(),
    )


def _unknown_if_empty(field: str) -> Case:
    return Case(
        When(**{field: ""}, then=Value(UNKNOWN)), default=F(field), output_field=TextField()
    )


def _top_users(queryset, sums: dict) -> list[dict]:
    """The ``TOP`` users by ``total`` (DESC, then friendly name ASC, then user id), each row with
    ``user_id``, ``name`` (friendly name, else username, else "Unknown") and ``sums``.

    Totals are summed per user in SQL; the names of those users (at most one row per user with
    plays in the window) are read in one more query and ranked here, so that the name lookup
    runs once per user rather than once per rollup row.
    """
    rows = list(
        queryset.order_by().values("user_id").annotate(**sums).filter(total__gt=0).order_by()
    )
    names = dict(
        User.objects.filter(user_id__in=[row["user_id"] for row in rows])
        .with_display_name()
        .values_list("user_id", "display_friendly_name")
    )
    for row in rows:
        row["name"] = names.get(row["user_id"]) or UNKNOWN
    rows.sort(
        key=lambda row: (-row["total"], row["name"], row["user_id"] is None, row["user_id"] or 0)
    )
    return rows[:TOP]


def _top(queryset, name_expression, sums: dict, *, tie: tuple = ()) -> list[dict]:
    """The ``TOP`` groups of ``name_expression`` by ``total`` (DESC, then name ASC), in SQL;
    groups whose total is 0 are left out."""
    return list(
        queryset.order_by()
        .annotate(name=name_expression)
        .values(*tie, "name")
        .annotate(**sums)
        .filter(total__gt=0)
        .order_by("-total", "name", *tie)[:TOP]
    )


def _top_media_graph(window: StatsWindow, rows: list[dict]) -> Graph:
    data = {
        name: [int(row[f"m{index}"] or 0) for row in rows]
        for index, (name, _t, _q) in enumerate(MEDIA_SERIES)
    }
    return _graph([row["name"] for row in rows], _media_series(window, data))


def _top_decision_graph(rows: list[dict]) -> Graph:
    return _graph(
        [row["name"] for row in rows],
        [
            {"name": name, "data": [int(row[f"d{index}"] or 0) for row in rows]}
            for index, (name, _d) in enumerate(DECISION_SERIES)
        ],
    )


def _dates(window: StatsWindow) -> list[str]:
    return [day.isoformat() for day in window.days()]


# --- time series by media type -----------------------------------------------------------------


def plays_by_date(window: StatsWindow) -> Graph:
    """Plays per local date (``"YYYY-MM-DD"``, every date of the window, zero-filled) × media
    series, plus "Total" (the sum of the shown series). Counts day-plays (grouping) or rows;
    ``y_axis=duration``: seconds. Reference 6.2 get_plays_by_date."""
    days = window.days()
    data = _bucketed_media(
        window, _media_by(DailyPlays, window, window.count_field, F("date")), days
    )
    series = _media_series(window, data)
    total = [sum(values) for values in zip(*(s["data"] for s in series), strict=True)]
    series.append({"name": "Total", "data": total or [0] * len(days)})
    return _graph([day.isoformat() for day in days], series)


def plays_by_dayofweek(window: StatsWindow) -> Graph:
    """Plays per day of the week (``"Sunday"``..``"Saturday"``, Monday first when
    ``settings.WEEK_START_MONDAY``) × media series, over the window's local dates. Counts
    day-plays (grouping) or rows; ``y_axis=duration``: seconds. Reference 6.2."""
    rows = _media_by(DailyPlays, window, window.count_field, ExtractWeekDay("date"))
    # ExtractWeekDay: 1 = Sunday .. 7 = Saturday on every database.
    order = list(range(1, 8))
    if getattr(settings, "WEEK_START_MONDAY", False):
        order = order[1:] + order[:1]
    data = _bucketed_media(window, rows, order)
    return _graph([DAY_NAMES[day - 1] for day in order], _media_series(window, data))


def plays_by_hourofday(window: StatsWindow) -> Graph:
    """Plays per local hour the play began that day (``"00"``..``"23"``) × media series. Counts
    day-plays (grouping) or rows — every row at its day-play's hour; ``y_axis=duration``:
    seconds. Reference 6.2; DST: an hour that occurs twice (fall back) is one bucket."""
    rows = _media_by(HourlyPlays, window, window.count_field, F("hour"))
    data = _bucketed_media(window, rows, list(range(24)))
    return _graph([f"{hour:02d}" for hour in range(24)], _media_series(window, data))


def plays_per_month(window: StatsWindow) -> Graph:
    """Plays per local month the window touches (``"Mon YYYY"``, e.g. ``"Nov 2026"``, oldest
    first, zero-filled) × media series. Counts ``month_plays`` (grouping: a play counts once
    per month, in the month it began there) or rows; ``y_axis=duration``: seconds.

    The window comes from :func:`window_for` (``time_range`` months, the current one included,
    from the 1st of the first month).
    """
    months = window.months()
    count_field = "month_plays" if window.grouping else "rows"
    # Whole months from the month rows (dated the 1st, so TruncMonth keeps them).
    rows = _media_by(DailyPlays, window, count_field, TruncMonth("date"), months="m")
    data = _bucketed_media(window, ((_as_date(m), *rest) for m, *rest in rows), months)
    categories = [month_label(month) for month in months]
    return _graph(categories, _media_series(window, data))


def _as_date(value) -> dt.date:
    """TruncMonth of a DateField: a date (a datetime or ISO string on some backends)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


# --- top 10 by media type ----------------------------------------------------------------------


def plays_by_top_10_platforms(window: StatsWindow) -> Graph:
    """The 10 platforms with most plays begun in the window (displayed names, see the module
    doc) × media series, by total DESC then name. Counts ``first_plays`` (grouping) or rows;
    ``y_axis=duration``: seconds (and ranks by them). Reference 6.2."""
    rows = _top(
        DailyStreams.objects.filter(window.rollup_q()),
        _platform_name(),
        _media_sums(window.window_count_field, window),
    )
    return _top_media_graph(window, rows)


def plays_by_top_10_users(window: StatsWindow) -> Graph:
    """The 10 users with most plays begun in the window (friendly name, else username) × media
    series, by total DESC then name. Counts ``first_plays`` (grouping) or rows;
    ``y_axis=duration``: seconds. Reference 6.2."""
    rows = _top_users(
        DailyPlays.objects.filter(window.rollup_q()),
        _media_sums(window.window_count_field, window),
    )
    return _top_media_graph(window, rows)


# --- stream types ------------------------------------------------------------------------------


def plays_by_stream_type(window: StatsWindow) -> Graph:
    """Plays per local date × "Direct Play", "Direct Stream" (``copy``), "Transcode" (the
    transcode decision of the play's latest row). Counts day-plays (grouping) or rows;
    ``y_axis=duration``: seconds. Reference 6.2."""
    days = window.days()
    index = {day: position for position, day in enumerate(days)}
    data = {decision: [0] * len(days) for _n, decision in DECISION_SERIES}
    rows = (
        DailyStreams.objects.filter(window.rollup_q())
        .filter(transcode_decision__in=list(data))
        .order_by()
        .values_list("date", "transcode_decision")
        .annotate(value=Sum(_value_field(window, window.count_field)))
        .values_list("date", "transcode_decision", "value")
    )
    for day, decision, value in rows:
        data[decision][index[day]] += int(value or 0)
    series = [{"name": name, "data": data[decision]} for name, decision in DECISION_SERIES]
    return _graph(_dates(window), series)


def concurrent_streams_by_stream_type(window: StatsWindow) -> Graph:
    """The peak number of simultaneous streams per local date × "Direct Play", "Direct
    Stream", "Transcode" (peaks among streams of that decision) and "Max. Concurrent Streams"
    (all streams). ``y_axis`` and ``grouping`` do not apply (streams are History rows).

    Without a user or section filter the peaks come from
    :class:`~stats.models.DailyConcurrency` (all servers, or the window's server). With one they
    are computed from the window's History rows of those users/sections (one query), with the
    same rule: streams still playing from the previous days count (see :mod:`stats.concurrency`).
    """
    days = window.days()
    index = {day: position for position, day in enumerate(days)}
    keys = ["", *(decision for _n, decision in DECISION_SERIES)]
    data = {key: [0] * len(days) for key in keys}
    if window.user_ids or window.section_ids:
        for (day, key), (count, _started, _stopped) in window_peaks(window).items():
            data[key][index[day]] = count
    else:
        rows = DailyConcurrency.objects.filter(
            date__gte=window.first_day,
            date__lte=window.last_day,
            transcode_decision__in=keys,
        )
        if window.server_id is None:
            rows = rows.filter(server_id__isnull=True)
        else:
            rows = rows.filter(server_id=window.server_id)
        for day, key, count in rows.values_list("date", "transcode_decision", "peak"):
            data[key][index[day]] = count
    series = [{"name": name, "data": data[decision]} for name, decision in DECISION_SERIES]
    series.append({"name": MAX_CONCURRENT, "data": data[""]})
    return _graph(_dates(window), series)


# --- resolutions and stream types by top 10 ----------------------------------------------------

_VIDEO = Q(media_type__in=("movie", "episode"))


def plays_by_source_resolution(window: StatsWindow) -> Graph:
    """The 10 source resolutions (``video_full_resolution``, e.g. "1080", "4k"; "Unknown" when
    empty) with most movie and episode plays begun in the window × stream-type series. Counts
    ``first_plays`` (grouping) or rows; ``y_axis=duration``: seconds. Reference 6.2."""
    rows = _top(
        DailyStreams.objects.filter(window.rollup_q() & _VIDEO),
        _unknown_if_empty("source_resolution"),
        _decision_sums(window.window_count_field, window),
    )
    return _top_decision_graph(rows)


def plays_by_stream_resolution(window: StatsWindow) -> Graph:
    """The 10 stream resolutions (the delivered one: PMS's stream resolution, else the
    transcode height's class for a video transcode, else the source's; see
    :data:`stats.rollup.STREAM_RESOLUTION_SQL`) with most movie and episode plays × stream-type
    series. Counts ``first_plays`` (grouping) or rows; ``y_axis=duration``: seconds."""
    rows = _top(
        DailyStreams.objects.filter(window.rollup_q() & _VIDEO),
        _unknown_if_empty("stream_resolution"),
        _decision_sums(window.window_count_field, window),
    )
    return _top_decision_graph(rows)


def stream_type_by_top_10_users(window: StatsWindow) -> Graph:
    """The 10 users with most plays begun in the window (of the three stream types) × stream-type
    series, by total DESC then name. Counts ``first_plays`` (grouping) or rows;
    ``y_axis=duration``: seconds. Reference 6.2."""
    rows = _top_users(
        DailyStreams.objects.filter(window.rollup_q()),
        _decision_sums(window.window_count_field, window),
    )
    return _top_decision_graph(rows)


def stream_type_by_top_10_platforms(window: StatsWindow) -> Graph:
    """The 10 platforms (displayed names) with most plays begun in the window × stream-type
    series, by total DESC then name. Counts ``first_plays`` (grouping) or rows;
    ``y_axis=duration``: seconds. Reference 6.2."""
    rows = _top(
        DailyStreams.objects.filter(window.rollup_q()),
        _platform_name(),
        _decision_sums(window.window_count_field, window),
    )
    return _top_decision_graph(rows)


# --- beyond Tautulli -----------------------------------------------------------------------------


def plays_by_library(window: StatsWindow) -> Graph:
    """Plays per local date (zero-filled) × one series per library with plays in the window
    (upstream Tautulli#2463). A series is named by ``Library.section_name``; history of a
    section no longer in the libraries table is "Library <section id>", without a section
    "Unknown library"; a name shared by libraries of two servers gets " (<server name>)".
    Series are ordered by name. Counts day-plays (grouping) or rows; ``y_axis=duration``:
    seconds."""
    days = window.days()
    index = {day: position for position, day in enumerate(days)}
    data: dict[tuple, list[int]] = {}
    rows = (
        DailyPlays.objects.filter(window.rollup_q())
        .order_by()
        .values_list("date", "server_id", "section_id")
        .annotate(value=Sum(_value_field(window, window.count_field)))
        .values_list("date", "server_id", "section_id", "value")
    )
    for day, server_id, section_id, value in rows:
        values = data.setdefault((server_id, section_id), [0] * len(days))
        values[index[day]] += int(value or 0)
    names = _library_names(data)
    order = sorted(data, key=lambda key: (names[key].lower(), key[0], key[1] or 0))
    series = [{"name": names[key], "data": data[key]} for key in order]
    return _graph(_dates(window), series)


def _library_names(keys) -> dict[tuple, str]:
    """{(server_id, section_id): series name} in two queries (libraries, servers if needed)."""
    keys = list(keys)
    sections = {section for _server, section in keys if section is not None}
    libraries = {
        (server_id, section_id): name
        for server_id, section_id, name in Library.objects.filter(
            section_id__in=sections
        ).values_list("server_id", "section_id", "section_name")
    }
    names = {}
    for server_id, section_id in keys:
        if section_id is None:
            names[(server_id, section_id)] = "Unknown library"
        else:
            names[(server_id, section_id)] = (
                libraries.get((server_id, section_id)) or f"Library {section_id}"
            )
    return distinct_library_names(names)


# --- registry ----------------------------------------------------------------------------------

GRAPHS: dict[str, Callable[[StatsWindow], Graph]] = {
    "plays_by_date": plays_by_date,
    "plays_by_dayofweek": plays_by_dayofweek,
    "plays_by_hourofday": plays_by_hourofday,
    "plays_per_month": plays_per_month,
    "plays_by_top_10_platforms": plays_by_top_10_platforms,
    "plays_by_top_10_users": plays_by_top_10_users,
    "plays_by_stream_type": plays_by_stream_type,
    "concurrent_streams_by_stream_type": concurrent_streams_by_stream_type,
    "plays_by_source_resolution": plays_by_source_resolution,
    "plays_by_stream_resolution": plays_by_stream_resolution,
    "stream_type_by_top_10_users": stream_type_by_top_10_users,
    "stream_type_by_top_10_platforms": stream_type_by_top_10_platforms,
    "plays_by_library": plays_by_library,
}

GRAPH_TITLES: dict[str, str] = {
    "plays_by_date": "Daily plays by media type",
    "plays_by_dayofweek": "Plays by day of week",
    "plays_by_hourofday": "Plays by hour of day",
    "plays_per_month": "Plays per month",
    "plays_by_top_10_platforms": "Plays by top 10 platforms",
    "plays_by_top_10_users": "Plays by top 10 users",
    "plays_by_stream_type": "Daily plays by stream type",
    "concurrent_streams_by_stream_type": "Daily concurrent streams by stream type",
    "plays_by_source_resolution": "Plays by source resolution",
    "plays_by_stream_resolution": "Plays by stream resolution",
    "stream_type_by_top_10_users": "Stream type by top 10 users",
    "stream_type_by_top_10_platforms": "Stream type by top 10 platforms",
    "plays_by_library": "Daily plays by library",
}

# Graphs whose window counts months (``time_range`` default 12).
MONTHLY_GRAPHS = frozenset({"plays_per_month"})


def window_span(name: str) -> dict:
    """How graph ``name`` reads ``time_range``: ``{"default_days": 12, "months": True}`` for the
    per-month graph (months, the current one included), ``{"default_days": 30, "months": False}``
    (days) for the others: the keyword arguments of :meth:`StatsWindow.build`."""
    if name in MONTHLY_GRAPHS:
        return {"default_days": DEFAULT_MONTHS, "months": True}
    return {"default_days": DEFAULT_DAYS, "months": False}


def window_for(
    name: str,
    *,
    time_range: int | None = None,
    after: dt.date | None = None,
    before: dt.date | None = None,
    user_ids: tuple[int, ...] = (),
    section_ids: tuple[int, ...] = (),
    server: Server | int | None = None,
    grouping: bool | None = None,
    y_axis: YAxis | str = YAxis.PLAYS,
) -> StatsWindow:
    """The window of graph ``name``: :meth:`StatsWindow.build` with the graph's
    :func:`window_span` (``time_range`` in months for per-month, else days; ``after``/``before``
    local dates, inclusive; ``server`` a Server, its pk or None for all). Raises
    :class:`~core.errors.InvalidInput` for a bad range."""
    return StatsWindow.build(
        time_range=time_range,
        after=after,
        before=before,
        user_ids=user_ids,
        section_ids=section_ids,
        server=server,
        grouping=grouping,
        y_axis=y_axis,
        **window_span(name),
    )
