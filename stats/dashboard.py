"""The admin's statistics pages: the dashboard (the admin's home) and the statistics of a user's
and a library's page.

Everything shown is computed by the same code as the API — :data:`stats.graphs.GRAPHS` for the
charts (the ``get_plays_*`` commands) and :func:`stats.home_stats.home_stats` for the cards
(``get_home_stats``), :mod:`history.stats` for watch-time, player and user statistics — over a
:class:`~stats.window.StatsWindow` read from the page's query string, exactly as the API reads
its parameters:

* ``time_range`` (days, default 30; the page offers 7, 30, 90 and 365), or a custom ``after`` /
  ``before`` (``YYYY-MM-DD``, local, inclusive);
* ``server`` (id, name or machine identifier; all servers without it);
* ``y_axis`` ``plays`` | ``duration``: what the charts draw and the cards rank by (the cards'
  ``stats_type``).

e.g. ``/admin/?time_range=90&server=2&y_axis=duration``. A bad value never breaks the page: it
shows the default window (the last 30 days of all servers, plays) and says what was wrong.

Units on the page: plays are counts; durations are shown as "1 day 2 hrs 3 mins" (Tautulli's
format, from seconds); duration charts draw **hours** (seconds / 3600, one decimal) where the API
answers seconds — the only difference between a chart's data and the API's answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import clock
from core.tautulli_api import ApiError, Params
from history.models import History
from history.stats import player_stats, user_stats, watch_time_stats
from history.table.serialize import human_duration
from libraries.models import Library
from servers.models import Server
from stats.library_growth import library_growth
from users.models import User

from . import graphs, home_stats
from .rollup import synced_once
from .window import StatsWindow, add_months

logger = logging.getLogger(__name__)

TIME_RANGES = (7, 30, 90, 365)
DEFAULT_TIME_RANGE = 30
HOME_STATS_COUNT = 5
# The query-string parameters the pages read (the rest of a URL's query is kept as it is).
WINDOW_PARAMS = ("time_range", "after", "before", "server", "y_axis")
# Dates a window may cover: the ends of the calendar overflow the local-to-UTC conversions.
# Watch-time windows of a user's or library's page (Tautulli's: last 24 h, 7 days, 30 days, all).
WATCH_TIME_DAYS = (1, 7, 30, 0)

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

USER_STAT_IDS = ("top_movies", "top_tv", "top_music", "top_platforms", "last_watched")
LIBRARY_STAT_IDS = {
    "movie": ("top_movies", "popular_movies"),
    "show": ("top_tv", "popular_tv"),
    "artist": ("top_music", "popular_music"),
}
LIBRARY_COMMON_STAT_IDS = ("top_users", "top_platforms", "last_watched")

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


# --- failures ------------------------------------------------------------------------------------


def guarded(what: str, function, *args):
    """``function(*args)``, or None when it raises: the error is logged and the page shows that
    block as "could not be computed" instead of failing whole (the admin's home must stay
    reachable whatever a statistic does)."""
    try:
        return function(*args)
    except Exception:
        logger.exception("Statistics page: %s failed", what)
        return None


# --- the window -----------------------------------------------------------------------------------


def window_from_request(request, **fixed) -> tuple[StatsWindow, str]:
    """``(window, message)`` of the request's query string; ``fixed`` fields of the window
    (``user_ids``, ``section_ids``, ``server_id``) replace what the query says.

    Bad input (``time_range=abc``, ``after`` later than ``before``, an unknown ``server``, a date
    outside :data:`stats.window.FIRST_DATE` … :data:`stats.window.LAST_DATE`…) gives
    the default window (:data:`DEFAULT_TIME_RANGE` days, all servers, plays) and the reason as
    ``message`` ("" when the query was fine).
    """
    message = ""
    try:
        window = StatsWindow.from_params(Params(request.GET.dict()))
    except ApiError as error:
        if "server_id" in fixed:  # a library's page: always its own server
            shown = _("Showing the last %(days)d days instead.")
        else:
            shown = _("Showing the last %(days)d days of all servers instead.")
        message = f"{str(error).rstrip('.')}. {shown % {'days': DEFAULT_TIME_RANGE}}"
        window = StatsWindow.from_params(Params({}), default_days=DEFAULT_TIME_RANGE)
    if fixed:
        window = dataclasses.replace(window, **fixed)
    return window, message


def range_selector(request, window: StatsWindow, *, servers=None, fallback=False) -> dict:
    """What the time-range (and server) selector shows: preset links, the custom dates, the
    server choices (``servers``: ``[(id, name)]``, None for no server choice) and the y-axis
    toggle. Every link and form carries the window actually shown (``fallback``: the query was
    bad and the default window is shown), plus the query's other parameters."""
    today = clock.today()
    days = (window.last_day - window.first_day).days + 1
    custom = not fallback and bool(request.GET.get("after") or request.GET.get("before"))
    extra = [(key, value) for key, value in request.GET.items() if key not in WINDOW_PARAMS]
    range_params = (
        [("after", window.first_day.isoformat()), ("before", window.last_day.isoformat())]
        if custom
        else [("time_range", str(days))]
    )
    server_params = [("server", str(window.server_id))] if window.server_id is not None else []
    y_params = [("y_axis", "duration")] if window.y_axis == "duration" else []

    def url(*params) -> str:
        encoded = urlencode([pair for group in params for pair in group])
        return f"{request.path}?{encoded}" if encoded else request.path

    presets = [
        {
            "days": preset,
            "label": _("%d days") % preset,
            "url": url(extra, [("time_range", str(preset))], server_params, y_params),
            "active": not custom and window.last_day == today and days == preset,
        }
        for preset in TIME_RANGES
    ]
    return {
        "presets": presets,
        "custom": custom,
        "after": window.first_day.isoformat(),
        "before": window.last_day.isoformat(),
        "today": today.isoformat(),
        "servers": servers,
        "server_id": window.server_id,
        "y_axis": window.y_axis,
        "plays_url": url(extra, range_params, server_params),
        "duration_url": url(extra, range_params, server_params, [("y_axis", "duration")]),
        # hidden fields of the server form and of the dates form: the rest of the window
        "server_hidden": extra + range_params + y_params,
        "range_hidden": extra + server_params + y_params,
        "action": request.path,
        "period": period_text(window),
    }


def period_text(window: StatsWindow) -> str:
    """``"Oct 24 – Nov 22, 2026 (30 days)"``: the window's local dates."""
    first, last = window.first_day, window.last_day
    days = (last - first).days + 1
    first_fmt = "M j" if first.year == last.year else "M j, Y"
    span = f"{date_format(first, first_fmt)} – {date_format(last, 'M j, Y')}"
    if first == last:
        span = date_format(last, "M j, Y")
    return _("%(span)s (%(days)d days)") % {"span": span, "days": days} if days > 1 else span


# --- charts -----------------------------------------------------------------------------------


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


# --- home stat cards --------------------------------------------------------------------------

_RANKED_BY_TOTAL = {
    "top_movies",
    "top_tv",
    "top_music",
    "top_libraries",
    "top_users",
    "top_platforms",
}
_POPULAR = {"popular_movies", "popular_tv", "popular_music"}


def cards(window: StatsWindow, stat_ids=None, *, count: int = HOME_STATS_COUNT) -> list[dict]:
    """The home-stat cards (``get_home_stats`` with ``stats_count`` = ``count`` and
    ``stats_type`` = the window's y-axis) ready to show: ``{"stat_id", "title", "unit",
    "rows": [{"rank", "label", "detail", "value", "value_text", "href"}]}``.

    ``value`` is the API's number (plays, seconds, users, streams, or the epoch of a last play),
    ``value_text`` how the page shows it. Users and libraries link to their admin pages (two
    queries, whatever the number of rows).
    """
    raw = home_stats.home_stats(
        window,
        stat_ids=list(stat_ids) if stat_ids else None,
        stats_type=window.y_axis,
        stats_start=0,
        stats_count=count,
    )
    user_links = _user_links(
        row.get("user_id") for card in raw if card["stat_id"] == "top_users" for row in card["rows"]
    )
    library_links = _library_links(
        window,
        [
            row.get("section_id")
            for c in raw
            if c["stat_id"] == "top_libraries"
            for row in c["rows"]
        ],
    )
    result = []
    for card in raw:
        stat_id = card["stat_id"]
        rows = []
        for rank, row in enumerate(card["rows"], start=1):
            shown = _card_row(stat_id, row, window.y_axis)
            if stat_id == "top_users":
                shown["href"] = user_links.get(row.get("user_id"), "")
            elif stat_id == "top_libraries":
                shown["href"] = library_links.get(row.get("section_id"), "")
            rows.append({"rank": rank, **shown})
        result.append(
            {
                "stat_id": stat_id,
                "title": card.get("stat_title", stat_id),
                "unit": _card_unit(stat_id, window.y_axis),
                "rows": rows,
            }
        )
    return result


def _card_unit(stat_id: str, y_axis: str) -> str:
    if stat_id in _RANKED_BY_TOTAL:
        return _("time") if y_axis == "duration" else _("plays")
    if stat_id in _POPULAR:
        return _("users")
    if stat_id == "last_watched":
        return _("watched")
    if stat_id == "most_concurrent":
        return _("streams")
    return ""


def _card_row(stat_id: str, row: dict, y_axis: str) -> dict:
    """label / detail / value of one card row (see :func:`cards`)."""
    label, detail, href = row.get("title") or "", "", ""
    if stat_id in _RANKED_BY_TOTAL:
        if y_axis == "duration":
            value = int(row.get("total_duration") or 0)
            value_text = human_duration(value)
        else:
            value = int(row.get("total_plays") or 0)
            value_text = f"{value:,}"
        if stat_id == "top_movies" and row.get("year"):
            label = f"{label} ({row['year']})"
        elif stat_id == "top_libraries":
            label = row.get("section_name") or label
        elif stat_id == "top_users":
            label = row.get("friendly_name") or row.get("user") or ""
        elif stat_id == "top_platforms":
            label = row.get("platform") or ""
    elif stat_id in _POPULAR:
        value = int(row.get("users_watched") or 0)
        value_text = f"{value:,}"
        plays = int(row.get("total_plays") or 0)
        detail = ngettext("%s play", "%s plays", plays) % f"{plays:,}"
        if stat_id == "popular_movies" and row.get("year"):
            label = f"{label} ({row['year']})"
    elif stat_id == "last_watched":
        value = int(row.get("last_watch") or 0)
        value_text = _epoch_text(value)
        detail = row.get("friendly_name") or row.get("user") or ""
    elif stat_id == "most_concurrent":
        value = int(row.get("count") or 0)
        value_text = f"{value:,}"
        started = _epoch_text(row.get("started"))
        detail = _("at %s") % started if started else ""
    else:  # a card this page does not know yet: its title and first number
        value = next((v for v in row.values() if isinstance(v, int)), 0)
        value_text = f"{value:,}"
    return {
        "label": label,
        "detail": detail,
        "value": value,
        "value_text": value_text,
        "href": href,
    }


def _epoch_text(value) -> str:
    """Epoch seconds (int or numeric string) as a short local date and time; "" for none."""
    try:
        epoch = int(float(value))
    except (TypeError, ValueError):
        return ""
    if epoch <= 0:
        return ""
    local = timezone.localtime(dt.datetime.fromtimestamp(epoch, tz=dt.UTC))
    fmt = "M j, P" if local.year == clock.today().year else "M j, Y, P"
    return date_format(local, fmt)


def _user_links(user_ids) -> dict:
    """Plex user id → the user's admin page (one query)."""
    ids = {uid for uid in user_ids if uid not in (None, "")}
    if not ids:
        return {}
    return {
        user_id: reverse("admin:users_user_change", args=[pk])
        for user_id, pk in User.objects.filter(user_id__in=ids).values_list("user_id", "pk")
    }


def _library_links(window: StatsWindow, section_ids) -> dict:
    """Section id → the library's admin page (one query); a section id that several servers
    share (all-servers window) links nowhere."""
    ids = {sid for sid in section_ids if sid not in (None, "")}
    if not ids:
        return {}
    libraries = Library.objects.filter(section_id__in=ids)
    if window.server_id is not None:
        libraries = libraries.filter(server_id=window.server_id)
    found: dict[int, list[int]] = {}
    for section_id, pk in libraries.values_list("section_id", "pk"):
        found.setdefault(section_id, []).append(pk)
    return {
        section_id: reverse("admin:libraries_library_change", args=[pks[0]])
        for section_id, pks in found.items()
        if len(pks) == 1
    }


# --- pages ------------------------------------------------------------------------------------


def can_view_statistics(request) -> bool:
    """Statistics are history: shown to staff who may view history."""
    return request.user.is_active and request.user.has_perm("history.view_history")


@synced_once()
def dashboard_context(request) -> dict:
    """Everything the dashboard template needs (``{"dashboard": {"window", "message",
    "selector", "server_name", "cards", "charts"}}``), or ``{}`` for a user who may not view
    history (the index then shows the app list only). ``cards`` is None when they failed."""
    if not can_view_statistics(request):
        return {}
    window, message = window_from_request(request)
    servers = list(Server.objects.order_by("name", "id").values_list("id", "name"))
    return {
        "dashboard": {
            "window": window,
            "message": message,
            "selector": range_selector(request, window, servers=servers, fallback=bool(message)),
            "server_name": dict(servers).get(window.server_id, ""),
            "cards": guarded("home stats", cards, window),
            "charts": charts_with_growth(window),
        }
    }


def dashboard_callback(request, context: dict) -> dict:
    """Unfold's ``DASHBOARD_CALLBACK``: the admin index's context plus the dashboard."""
    context.update(dashboard_context(request))
    return context


def watch_time_rows(history) -> list[dict]:
    """Watch-time tiles of ``history`` (a History queryset): ``{"label", "query_days",
    "total_plays", "total_time" (seconds), "time_text"}`` for the last 24 hours, 7 days, 30 days
    and all time (``get_*_watch_time_stats``: epoch windows ending now, not local days)."""
    labels = {1: _("Last 24 hours"), 7: _("Last 7 days"), 30: _("Last 30 days"), 0: _("All time")}
    rows = watch_time_stats(history, list(WATCH_TIME_DAYS), grouping=settings.GROUP_HISTORY_TABLES)
    return [
        {**row, "label": labels[row["query_days"]], "time_text": human_duration(row["total_time"])}
        for row in rows
    ]


def players_table(history, limit: int = 10) -> dict:
    """The players of ``history`` (``get_user_player_stats``: most plays first), as a table of
    the :data:`limit` first: player, platform, plays, time."""
    rows = player_stats(history, grouping=settings.GROUP_HISTORY_TABLES)[:limit]
    return {
        "headers": [
            (_("Player"), "left"),
            (_("Platform"), "left"),
            (_("Plays"), "right"),
            (_("Time"), "right"),
        ],
        "rows": [
            [
                (row["player_name"] or "", "left", "", None),
                (row["platform"] or "", "left", "", None),
                (f"{row['total_plays']:,}", "right", "", row["total_plays"]),
                (human_duration(row["total_time"]), "right", "", row["total_time"]),
            ]
            for row in rows
        ],
    }


def users_table(history, limit: int = 10) -> dict:
    """The users of ``history`` (``get_library_user_stats``: most plays first), as a table of the
    :data:`limit` first, each linked to the user's admin page: user, plays, time."""
    rows = user_stats(history, grouping=settings.GROUP_HISTORY_TABLES)[:limit]
    links = _user_links(row["user_id"] for row in rows)
    return {
        "headers": [(_("User"), "left"), (_("Plays"), "right"), (_("Time"), "right")],
        "rows": [
            [
                (row["friendly_name"] or "", "left", links.get(row["user_id"], ""), None),
                (f"{row['total_plays']:,}", "right", "", row["total_plays"]),
                (human_duration(row["total_time"]), "right", "", row["total_time"]),
            ]
            for row in rows
        ],
    }


@synced_once()
def user_statistics(request, user: User) -> dict | None:
    """The statistics section of a user's admin page, or None for who may not view history.

    ``{"window", "message", "selector", "watch_time", "players", "cards", "charts", "empty"}``:
    watch time (all time windows, on the selected server), the players this user played on
    (``get_user_player_stats``), top items and the graphs over the selected window. A block
    that failed is None (see :func:`guarded`).
    """
    if not can_view_statistics(request):
        return None
    servers = list(Server.objects.order_by("name", "id").values_list("id", "name"))
    if user.user_id is None:  # never played anything: no history can refer to this user
        window, message = window_from_request(request)
        return {
            "empty": True,
            "window": window,
            "message": message,
            "selector": range_selector(request, window, servers=servers, fallback=bool(message)),
        }
    window, message = window_from_request(request, user_ids=(user.user_id,))
    history = History.objects.filter(user_id=user.user_id)
    if window.server_id is not None:
        history = history.filter(server_id=window.server_id)
    return {
        "empty": False,
        "window": window,
        "message": message,
        "selector": range_selector(request, window, servers=servers, fallback=bool(message)),
        "watch_time": guarded("watch time", watch_time_rows, history),
        "players": guarded("player stats", players_table, history),
        "cards": guarded("home stats", cards, window, USER_STAT_IDS),
        "charts": charts(window, USER_GRAPHS),
    }


@synced_once()
def library_statistics(request, library: Library) -> dict | None:
    """The statistics section of a library's admin page, or None for who may not view history.

    ``{"window", "message", "selector", "watch_time", "users", "cards", "charts"}``: watch time,
    the users who played this library (``get_library_user_stats``, top 10, with links), top
    items of the library's kind, top users / platforms, recently watched, and the graphs, all
    over the library's server and section id. A block that failed is None (see :func:`guarded`).
    """
    if not can_view_statistics(request):
        return None
    window, message = window_from_request(
        request, section_ids=(library.section_id,), server_id=library.server_id
    )
    history = History.objects.filter(server_id=library.server_id, section_id=library.section_id)
    stat_ids = LIBRARY_STAT_IDS.get(library.section_type or "", ()) + LIBRARY_COMMON_STAT_IDS
    return {
        "empty": False,
        "window": window,
        "message": message,
        "selector": range_selector(request, window, fallback=bool(message)),
        "watch_time": guarded("watch time", watch_time_rows, history),
        "users": guarded("user stats", users_table, history),
        "cards": guarded("home stats", cards, window, stat_ids),
        "charts": charts(window, LIBRARY_GRAPHS),
    }
