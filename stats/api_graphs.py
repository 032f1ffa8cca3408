"""/api/v2 graph commands (reference 1.2 "Graphs", 6.2): Tautulli's twelve and get_plays_by_library.

Each command reads its window and filters (:func:`stats.api_params.graph_window_from_params`) and
answers the graph of :data:`stats.graphs.GRAPHS` — ``{"categories": [...], "series": [{"name":
..., "data": [int, ...]}]}``. The counting rules and the deliberate differences from Tautulli
are documented in :mod:`stats.graphs`; bad input (``time_range=abc``, ``y_axis=bogus``,
``after`` later than ``before``, an unknown ``server``) answers the error envelope (HTTP 400).

Beyond Tautulli, every command accepts ``after``/``before`` (a custom range of local dates),
``section_id`` and ``server``; ``get_plays_by_library`` is new (upstream Tautulli#2463).
"""

import textwrap

from core.tautulli_api import api_command

from .api_params import graph_window_from_params
from .graphs import GRAPHS

_PARAMETERS = """
    Optional parameters:
        time_range (str):       The number of {unit} of data to return (default {default}),
                                ending today
        after (str):            Only plays started on or after this local date, "YYYY-MM-DD"
        before (str):           Only plays started on or before this local date, "YYYY-MM-DD"
        y_axis (str):           "plays" or "duration" (seconds){y_axis_note}
        user_id (str):          Comma separated list of user id to filter the data
        section_id (str):       Comma separated list of library section id to filter the data
        grouping (int):         0 or 1{grouping_note}
        server (str):           Only plays of this server (id, name or machine identifier);
                                all servers when absent
"""

_MEDIA = ("TV", "Movies", "Music", "Live TV")
_DECISIONS = ("Direct Play", "Direct Stream", "Transcode")


def _doc(summary: str, categories: str, series, notes: str = "", *, months=False, raw=False):
    """Give a graph command its Tautulli-style docstring (served by the ``docs`` command).

    ``series``: the names of the series, in order.
    """
    parameters = _PARAMETERS.format(
        unit="months" if months else "days",
        default=12 if months else 30,
        y_axis_note=" (ignored)" if raw else "",
        grouping_note=" (ignored: streams are history rows)" if raw else "",
    )
    series_lines = ",\n                 ".join(
        f'{{"name": "{name}", "data": [...]}}' for name in series
    )
    notes_text = textwrap.fill(notes, width=92, initial_indent="    ", subsequent_indent="    ")

    def decorate(func):
        func.__doc__ = f"""{summary}

    ```
    Required parameters:
        None
{parameters}
    Returns:
        json:
            {{"categories":
                [{categories}],
             "series":
                [{series_lines}
                 ]
             }}
    ```
{notes_text}""".rstrip()
        return func

    return decorate


def _answer(name: str, params):
    """Graph ``name`` of :data:`stats.graphs.GRAPHS` over the request's window."""
    return GRAPHS[name](graph_window_from_params(name, params))


_MEDIA_NOTE = (
    "A media series appears when a library of its type exists (Live TV: or any live TV play "
    "was logged) or when it has plays in the graph."
)


@api_command()
@_doc(
    "Get graph data by date.",
    '"YYYY-MM-DD", "YYYY-MM-DD", ...',
    (*_MEDIA, "Total"),
    _MEDIA_NOTE + " Total is the sum of the media series shown.",
)
def get_plays_by_date(request, params):
    return _answer("plays_by_date", params)


@api_command()
@_doc(
    "Get graph data by day of the week.",
    '"Sunday", "Monday", "Tuesday", ..., "Saturday"',
    _MEDIA,
    _MEDIA_NOTE + " Monday comes first when WEEK_START_MONDAY is set.",
)
def get_plays_by_dayofweek(request, params):
    return _answer("plays_by_dayofweek", params)


@api_command()
@_doc(
    "Get graph data by hour of the day.",
    '"00", "01", "02", ..., "23"',
    _MEDIA,
    _MEDIA_NOTE + " The hour is the local hour the play began.",
)
def get_plays_by_hourofday(request, params):
    return _answer("plays_by_hourofday", params)


@api_command()
@_doc(
    "Get graph data by month.",
    '"Jan 2026", "Feb 2026", ...',
    _MEDIA,
    _MEDIA_NOTE + " With grouping, a play counts once in each month it was played.",
    months=True,
)
def get_plays_per_month(request, params):
    return _answer("plays_per_month", params)


@api_command()
@_doc(
    "Get graph data by top 10 platforms.",
    '"iOS", "Android", "Chrome", ...',
    _MEDIA,
    _MEDIA_NOTE + " Plays begun in the range count; ordered by total, then name.",
)
def get_plays_by_top_10_platforms(request, params):
    return _answer("plays_by_top_10_platforms", params)


@api_command()
@_doc(
    "Get graph data by top 10 users.",
    '"Jon Snow", "DanyKhaleesi69", "A Girl", ...',
    _MEDIA,
    _MEDIA_NOTE + " Plays begun in the range count; ordered by total, then name.",
)
def get_plays_by_top_10_users(request, params):
    return _answer("plays_by_top_10_users", params)


@api_command()
@_doc("Get graph data by stream type by date.", '"YYYY-MM-DD", "YYYY-MM-DD", ...', _DECISIONS)
def get_plays_by_stream_type(request, params):
    return _answer("plays_by_stream_type", params)


@api_command()
@_doc(
    "Get graph data for concurrent streams by stream type by date.",
    '"YYYY-MM-DD", "YYYY-MM-DD", ...',
    (*_DECISIONS, "Max. Concurrent Streams"),
    "Each value is the largest number of streams playing at one instant of that local date.",
    raw=True,
)
def get_concurrent_streams_by_stream_type(request, params):
    return _answer("concurrent_streams_by_stream_type", params)


@api_command()
@_doc(
    "Get graph data by source resolution.",
    '"720", "1080", "4k", "SD", ...',
    _DECISIONS,
    "Movies and episodes only; the 10 resolutions with most plays.",
)
def get_plays_by_source_resolution(request, params):
    return _answer("plays_by_source_resolution", params)


@api_command()
@_doc(
    "Get graph data by stream resolution.",
    '"720", "1080", "4k", "SD", ...',
    _DECISIONS,
    "Movies and episodes only; the 10 resolutions with most plays.",
)
def get_plays_by_stream_resolution(request, params):
    return _answer("plays_by_stream_resolution", params)


@api_command()
@_doc(
    "Get graph data by stream type by top 10 users.",
    '"Jon Snow", "DanyKhaleesi69", "A Girl", ...',
    _DECISIONS,
)
def get_stream_type_by_top_10_users(request, params):
    return _answer("stream_type_by_top_10_users", params)


@api_command()
@_doc(
    "Get graph data by stream type by top 10 platforms.",
    '"iOS", "Android", "Chrome", ...',
    _DECISIONS,
)
def get_stream_type_by_top_10_platforms(request, params):
    return _answer("stream_type_by_top_10_platforms", params)


@api_command()
@_doc(
    "Get graph data by library by date (not in Tautulli).",
    '"YYYY-MM-DD", "YYYY-MM-DD", ...',
    ("Movies", "TV Shows", "..."),
    "One series per library with plays in the range (named by the library; a removed "
    'library is "Library <section id>"), ordered by name.',
)
def get_plays_by_library(request, params):
    return _answer("plays_by_library", params)
