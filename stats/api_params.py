"""The statistics' /api/v2 parameters, parsed into the typed values domain code takes.

Every graph, ``get_home_stats`` and ``get_library_growth`` read the same window parameters
(Tautulli's strings): ``time_range`` (int ≥ 1), ``after`` / ``before`` (``YYYY-MM-DD``, local,
inclusive), ``user_id`` and ``section_id`` (comma-separated ints), ``server`` (id, name or
machine identifier), ``grouping`` (0/1) and ``y_axis`` (``plays`` | ``duration``).
:func:`window_from_params` turns them into a :class:`~stats.window.StatsWindow`. The admin
dashboard reads its query string through it too (the same parameters as the API).

A malformed value raises :class:`~core.tautulli_api.ApiError` naming the parameter; a window that
makes no sense (``after`` later than ``before``, a range too long, dates out of bounds), or an
unknown server, :class:`~core.errors.InvalidInput` from the domain. Both answer HTTP 400.
"""

from django.conf import settings

from core.tautulli_api import ApiError, Params
from servers.apiv2 import server_from_params

from .graphs import window_span
from .window import DEFAULT_DAYS, StatsWindow, YAxis


def y_axis_param(params: Params) -> YAxis:
    """``y_axis``: ``plays`` (default) or ``duration``, any case."""
    value = (params.str("y_axis") or YAxis.PLAYS).strip().lower()
    if value not in YAxis.values:
        raise ApiError("Parameter y_axis must be plays or duration")
    return YAxis(value)


def window_from_params(
    params: Params, *, default_days: int = DEFAULT_DAYS, months: bool = False
) -> StatsWindow:
    """The window and filters of ``params`` (see the module docstring); ``default_days`` and
    ``months`` as :meth:`StatsWindow.build` takes them.

    The range is checked before the filters are read, so a request with several bad values
    is answered about its dates first.
    """
    time_range = params.int("time_range", minimum=1)
    after, before = params.date("after"), params.date("before")
    first_day, last_day = StatsWindow.day_range(
        time_range=time_range,
        after=after,
        before=before,
        default_days=default_days,
        months=months,
    )
    y_axis = y_axis_param(params)
    server = server_from_params(params, default_first=False)
    return StatsWindow.build(
        after=first_day,
        before=last_day,
        user_ids=params.int_list("user_id"),
        section_ids=params.int_list("section_id"),
        server=server,
        grouping=params.bool("grouping", default=settings.GROUP_HISTORY_TABLES),
        y_axis=y_axis,
    )


def graph_window_from_params(name: str, params: Params) -> StatsWindow:
    """The window of graph ``name`` (:data:`stats.graphs.GRAPHS`): :func:`window_from_params`
    with the graph's span (months for ``plays_per_month``, see :func:`stats.graphs.window_span`)."""
    return window_from_params(params, **window_span(name))
