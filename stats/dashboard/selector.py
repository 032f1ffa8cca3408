"""The window a statistics page shows, read from its query string, and the time-range selector
(preset ranges, custom dates, server, plays or duration) that changes it."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlencode

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import clock
from core.errors import InvalidInput
from core.tautulli_api import Params

from ..api_params import window_from_params
from ..window import StatsWindow

TIME_RANGES = (7, 30, 90, 365)
DEFAULT_TIME_RANGE = 30
# The query-string parameters the pages read (the rest of a URL's query is kept as it is).
WINDOW_PARAMS = ("time_range", "after", "before", "server", "y_axis")


def window_from_request(request, **fixed) -> tuple[StatsWindow, str]:
    """``(window, message)`` of the request's query string, read as the API reads its
    parameters (:func:`stats.api_params.window_from_params`); ``fixed`` fields of the window
    (``user_ids``, ``section_ids``, ``server_id``) replace what the query says.

    Bad input (``time_range=abc``, ``after`` later than ``before``, an unknown ``server``, a
    range of a hundred years or more…) gives
    the default window (:data:`DEFAULT_TIME_RANGE` days, all servers, plays) and the reason as
    ``message`` ("" when the query was fine). A date beyond the usable ones is moved to the
    nearest (:func:`core.limits.clamp_date`), not refused.
    """
    message = ""
    try:
        window = window_from_params(Params(request.GET.dict()))
    except InvalidInput as error:
        if "server_id" in fixed:  # a library's page: always its own server
            shown = _("Showing the last %(days)d days instead.")
        else:
            shown = _("Showing the last %(days)d days of all servers instead.")
        message = f"{str(error).rstrip('.')}. {shown % {'days': DEFAULT_TIME_RANGE}}"
        window = StatsWindow.build(default_days=DEFAULT_TIME_RANGE)
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
