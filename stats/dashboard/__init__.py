"""The admin's statistics pages: the dashboard (the admin's home) and the statistics of a user's
and a library's page.

Everything shown is computed by the same code as the API — :data:`stats.graphs.GRAPHS` for the
charts (the ``get_plays_*`` commands) and :func:`stats.home_stats.home_stats` for the cards
(``get_home_stats``), :mod:`history.stats` for watch-time, player and user statistics — over a
:class:`~stats.window.StatsWindow` read from the page's query string, exactly as the API reads
its parameters (:func:`stats.api_params.window_from_params`):

* ``time_range`` (days, default 30; the page offers 7, 30, 90 and 365), or a custom ``after`` /
  ``before`` (``YYYY-MM-DD``, local, inclusive);
* ``server`` (id, name or machine identifier; all servers without it);
* ``y_axis`` ``plays`` | ``duration``: what the charts draw and the cards rank by (the cards'
  ``stats_type``).

e.g. ``/admin/?time_range=90&server=2&y_axis=duration``. A bad value never breaks the page: it
shows the default window (the last 30 days of all servers, plays) and says what was wrong.

Units on the page: plays are counts; durations are shown in the admin's one format ("3d 04h",
"1h 05m", :func:`core.admin_kit.display.humanize_seconds`); duration charts draw **hours** (seconds / 3600, one decimal) where the API
answers seconds — the only difference between a chart's data and the API's answer.

One module per concern, their public names importable from here too:

* :mod:`.guard` — who may see statistics, and a block that fails without breaking the page;
* :mod:`.selector` — the window of a page's query string and the time-range selector;
* :mod:`.charts` — graphs as Chart.js data, and the library growth chart;
* :mod:`.cards` — the home-stat cards;
* :mod:`.pages` — the statistics sections of a user's and a library's admin page;
* :mod:`.callback` — the dashboard itself (Unfold's ``DASHBOARD_CALLBACK``).

Each page reads the derived tables (rollups, play groups) in one read scope
(:func:`core.freshness.fresh_reads`): they are brought up to date once per page.
"""

from .callback import dashboard_callback, dashboard_context
from .cards import HOME_STATS_COUNT, cards, library_links, user_links
from .charts import (
    AXIS_COLOR,
    DASHBOARD_GRAPHS,
    GROWTH_MONTHS,
    LIBRARY_GRAPHS,
    LINE_GRAPHS,
    MONTHLY_MIN_DAYS,
    PALETTE,
    SERIES_COLORS,
    UNSTACKED_GRAPHS,
    USER_GRAPHS,
    WIDE_GRAPHS,
    chart_data,
    chart_options,
    charts,
    charts_with_growth,
    graph_names,
    growth_chart,
)
from .guard import can_view_statistics, guarded
from .pages import (
    LIBRARY_COMMON_STAT_IDS,
    LIBRARY_STAT_IDS,
    USER_STAT_IDS,
    WATCH_TIME_DAYS,
    library_statistics,
    players_table,
    user_statistics,
    users_table,
    watch_time_rows,
)
from .selector import (
    DEFAULT_TIME_RANGE,
    TIME_RANGES,
    WINDOW_PARAMS,
    period_text,
    range_selector,
    window_from_request,
)

__all__ = [
    "AXIS_COLOR",
    "DASHBOARD_GRAPHS",
    "DEFAULT_TIME_RANGE",
    "GROWTH_MONTHS",
    "HOME_STATS_COUNT",
    "LIBRARY_COMMON_STAT_IDS",
    "LIBRARY_GRAPHS",
    "LIBRARY_STAT_IDS",
    "LINE_GRAPHS",
    "MONTHLY_MIN_DAYS",
    "PALETTE",
    "SERIES_COLORS",
    "TIME_RANGES",
    "UNSTACKED_GRAPHS",
    "USER_GRAPHS",
    "USER_STAT_IDS",
    "WATCH_TIME_DAYS",
    "WIDE_GRAPHS",
    "WINDOW_PARAMS",
    "can_view_statistics",
    "cards",
    "chart_data",
    "chart_options",
    "charts",
    "charts_with_growth",
    "dashboard_callback",
    "dashboard_context",
    "graph_names",
    "growth_chart",
    "guarded",
    "library_links",
    "library_statistics",
    "period_text",
    "players_table",
    "range_selector",
    "user_links",
    "user_statistics",
    "users_table",
    "watch_time_rows",
    "window_from_request",
]
