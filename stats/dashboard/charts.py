"""The charts of the statistics pages: graphs of :data:`stats.graphs.GRAPHS` as Chart.js data and
options, and the library growth chart."""

from __future__ import annotations

import dataclasses
import json
import logging

from django.utils.translation import gettext as _

from .. import graphs
from ..library_growth import library_growth
from ..window import StatsWindow, add_months
from .guard import guarded

logger = logging.getLogger("stats.dashboard")

# The dashboard's charts, in page order; a graph of stats.graphs not named here comes last.
DASHBOARD_GRAPHS = (
    "plays_by_date",
    "plays_by_stream_type",
    "concurrent_streams_by_stream_type",
    "plays_by_library",
    "plays_by_dayofweek",
    "plays_by_hourofday",
    "plays_per_month",
    "plays_by_top_10_platforms",
    "plays_by_top_10_users",
    "plays_by_source_resolution",
    "plays_by_stream_resolution",
    "stream_type_by_top_10_platforms",
    "stream_type_by_top_10_users",
)
USER_GRAPHS = (
    "plays_by_date",
    "plays_by_dayofweek",
    "plays_by_hourofday",
    "plays_by_top_10_platforms",
    "plays_by_stream_type",
)
LIBRARY_GRAPHS = (
    "plays_by_date",
    "plays_by_dayofweek",
    "plays_by_hourofday",
    "plays_by_top_10_users",
    "plays_by_stream_type",
)
# Drawn as lines over the window's dates (the others are stacked bars over categories).
LINE_GRAPHS = frozenset(
    {
        "plays_by_date",
        "plays_by_stream_type",
        "concurrent_streams_by_stream_type",
        "plays_by_library",
    }
)
# Series that are not parts of a whole: never stacked.
UNSTACKED_GRAPHS = frozenset({"concurrent_streams_by_stream_type"})
# Across the page's full width.
WIDE_GRAPHS = frozenset({"plays_by_date"})
# Months are only worth a chart when the window covers a few of them.
MONTHLY_MIN_DAYS = 60


SERIES_COLORS = {
    "TV": "#e5a00d",
    "Movies": "#3b82f6",
    "Music": "#ef4444",
    "Live TV": "#10b981",
    "Total": "#9ca3af",
    "Direct Play": "#22c55e",
    "Direct Stream": "#3b82f6",
    "Transcode": "#f97316",
    "Max. Concurrent Streams": "#a855f7",
}
PALETTE = (
    "#e5a00d",
    "#3b82f6",
    "#ef4444",
    "#10b981",
    "#a855f7",
    "#f97316",
    "#06b6d4",
    "#ec4899",
    "#84cc16",
    "#6366f1",
)
AXIS_COLOR = "#9ca3af"


def chart_data(graph: dict, *, y_axis: str = "plays", line: bool = False) -> dict:
    """Tautulli's graph ``{"categories": [...], "series": [{"name", "data"}]}`` as Chart.js
    ``data``: ``{"labels": categories, "datasets": [{"label", "data", colors…}]}``.

    ``y_axis`` ``duration``: the series' seconds become hours (one decimal). Colors follow the
    series name (TV, Movies, Direct Play…), else a fixed palette in series order.
    """
    datasets = []
    for index, series in enumerate(graph.get("series", [])):
        color = SERIES_COLORS.get(series["name"], PALETTE[index % len(PALETTE)])
        data = list(series["data"])
        if y_axis == "duration":
            data = [round(value / 3600, 1) for value in data]
        dataset = {
            "label": series["name"],
            "data": data,
            "borderColor": color,
            "backgroundColor": color,
        }
        if line:
            dataset.update(
                fill=False, borderWidth=2, pointRadius=0, cubicInterpolationMode="monotone"
            )
            if series["name"] == "Total":
                dataset["borderDash"] = [4, 4]
        else:
            dataset.update(borderWidth=0, borderRadius=2, maxBarThickness=28)
        datasets.append(dataset)
    return {"labels": list(graph.get("categories", [])), "datasets": datasets}


def chart_options(*, y_axis: str, stacked: bool, many_labels: bool) -> dict:
    """Chart.js options (Unfold's defaults are replaced whole when a chart gives its own)."""
    return {
        "animation": False,
        "responsive": True,
        "maintainAspectRatio": False,
        "interaction": {"mode": "index", "intersect": False},
        "plugins": {
            "legend": {
                "display": True,
                "position": "bottom",
                "labels": {
                    "boxWidth": 8,
                    "boxHeight": 8,
                    "usePointStyle": True,
                    "color": AXIS_COLOR,
                },
            },
            "tooltip": {"enabled": True},
        },
        "scales": {
            "x": {
                "stacked": stacked,
                "grid": {"display": False},
                "ticks": {
                    "color": AXIS_COLOR,
                    "autoSkip": True,
                    **({"maxTicksLimit": 12, "maxRotation": 0} if many_labels else {}),
                },
            },
            "y": {
                "stacked": stacked,
                "beginAtZero": True,
                "grid": {"display": True},
                "ticks": {"color": AXIS_COLOR, "precision": 0 if y_axis == "plays" else 1},
                "title": {
                    "display": True,
                    "text": _("plays") if y_axis == "plays" else _("hours"),
                    "color": AXIS_COLOR,
                },
            },
        },
    }


def graph_names(wanted, window: StatsWindow) -> list[str]:
    """The graphs of ``wanted`` that :data:`stats.graphs.GRAPHS` has, in order (for the dashboard,
    :data:`DASHBOARD_GRAPHS`, any other graph of GRAPHS comes last); per month only over
    windows of :data:`MONTHLY_MIN_DAYS` days or more."""
    names = [name for name in wanted if name in graphs.GRAPHS]
    if wanted is DASHBOARD_GRAPHS:
        names += [name for name in graphs.GRAPHS if name not in names]
    if (window.last_day - window.first_day).days + 1 < MONTHLY_MIN_DAYS:
        names = [name for name in names if name != "plays_per_month"]
    return names


def charts(window: StatsWindow, wanted=DASHBOARD_GRAPHS) -> list[dict]:
    """Each graph of ``wanted`` over ``window``: ``{"name", "title", "kind" (line|bar), "wide",
    "data" (Chart.js data), "data_json", "options_json", "empty"}``; a graph that failed is
    ``{"name", "title", "wide", "failed": True}`` (see :func:`guarded`)."""
    result = []
    for name in graph_names(wanted, window):
        title = graphs.GRAPH_TITLES.get(name, name.replace("_", " ").capitalize())
        graph = guarded(f"graph {name}", graphs.GRAPHS[name], window)
        if graph is None:
            result.append(
                {"name": name, "title": title, "wide": name in WIDE_GRAPHS, "failed": True}
            )
            continue
        line = name in LINE_GRAPHS
        data = chart_data(graph, y_axis=window.y_axis, line=line)
        options = chart_options(
            y_axis=window.y_axis,
            stacked=not line and name not in UNSTACKED_GRAPHS,
            many_labels=len(data["labels"]) > 14,
        )
        result.append(
            {
                "name": name,
                "title": title,
                "kind": "line" if line else "bar",
                "wide": name in WIDE_GRAPHS,
                "data": data,
                "data_json": json.dumps(data, separators=(",", ":")),
                "options_json": json.dumps(options, separators=(",", ":")),
                "empty": not any(
                    value for dataset in data["datasets"] for value in dataset["data"]
                ),
            }
        )
    return result


GROWTH_MONTHS = 12  # the library growth chart shows at least this many months


def growth_chart(window: StatsWindow) -> dict | None:
    """The "Library growth" chart (items added per month, one stacked bar per library, from
    :func:`stats.library_growth.library_growth`, one query), or None when the inventory of the
    window's server is empty (``manage.py refresh_library_media`` never ran, or no library).

    It covers the months of ``window`` but at least the :data:`GROWTH_MONTHS` months ending
    with ``window.last_day``'s (a library grows slowly: a 30-day window would show one bar).
    """
    first_day = min(window.first_day, add_months(window.last_day.replace(day=1), 1 - GROWTH_MONTHS))
    graph = library_growth(dataclasses.replace(window, first_day=first_day, section_ids=()))
    libraries = [series for series in graph["series"] if series["name"] != "Total"]
    if not libraries:
        return None
    data = chart_data({"categories": graph["categories"], "series": libraries})
    options = chart_options(y_axis="plays", stacked=True, many_labels=len(data["labels"]) > 14)
    options["scales"]["y"]["title"]["text"] = _("items added")
    return {
        "name": "library_growth",
        "title": _("Library growth"),
        "kind": "bar",
        "wide": False,
        "data": data,
        "data_json": json.dumps(data, separators=(",", ":")),
        "options_json": json.dumps(options, separators=(",", ":")),
        "empty": not any(value for series in libraries for value in series["data"]),
        "empty_text": _("nothing added"),
    }


def charts_with_growth(window: StatsWindow) -> list[dict]:
    """The dashboard's graphs (:func:`charts`), then the library growth chart when there is an
    inventory (a failure shows as that chart's "could not be computed")."""
    result = charts(window, DASHBOARD_GRAPHS)
    try:
        growth = growth_chart(window)
    except Exception:
        logger.exception("Statistics page: library growth failed")
        growth = {"name": "library_growth", "title": _("Library growth"), "wide": False}
        growth["failed"] = True
    if growth is not None:
        result.append(growth)
    return result
