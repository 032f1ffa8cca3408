"""/api/v2 get_library_growth: items or bytes added per month, per library (see
:mod:`stats.library_growth`)."""

from core.tautulli_api import ApiError, Params, api_command

from .api_params import window_from_params
from .library_growth import GrowthAxis, library_growth
from .window import DEFAULT_MONTHS, StatsWindow


def growth_from_params(params: Params) -> tuple[StatsWindow, GrowthAxis]:
    """``(window, y_axis)`` of get_library_growth's parameters; raises ApiError (a malformed
    value) or InvalidInput (a bad range, an unknown server).

    ``y_axis`` is ``count`` (items, default) or ``size`` (bytes); the window is
    :func:`stats.api_params.window_from_params` in months (``time_range`` default 12, the
    current month included, from the first day of the first month). ``user_id`` and
    ``grouping`` mean nothing for an inventory: read (a malformed one is still an error) and
    ignored.
    """
    y_axis = (params.str("y_axis") or GrowthAxis.COUNT).strip().lower()
    if y_axis not in GrowthAxis.values:
        raise ApiError("Parameter y_axis must be count or size")
    # The graphs' y axes (plays/duration) are not ours: read the rest without it.
    window = window_from_params(params.without("y_axis"), default_days=DEFAULT_MONTHS, months=True)
    return window, GrowthAxis(y_axis)


@api_command()
def get_library_growth(request, params):
    """Get the number of items (or bytes) added to each library per month.

    ```
    Required parameters:
        None

    Optional parameters:
        time_range (str):       The number of months of data to return, current month
                                included (default 12)
        after (str):            Only items added on or after this local date, "YYYY-MM-DD"
        before (str):           Only items added on or before this local date, "YYYY-MM-DD"
        y_axis (str):           "count" (items, default) or "size" (bytes)
        section_id (str):       Comma separated library section ids
        server (str):           Only this server (id, name or machine identifier)

    Returns:
        json:
            {"categories":
                ["Dec 2025", "Jan 2026", ... "Nov 2026"],
             "series":
                [{"name": "Movies", "data": [12, 4, ... 7]},
                 {"name": "TV Shows", "data": [130, 0, ... 22]},
                 {"name": "Total", "data": [142, 4, ... 29]}
                 ]
             }
    ```
    Not a Tautulli command (its feature request #1403). Counts the movies, episodes and tracks
    Plex lists now (refreshed every 12 hours, or `manage.py refresh_library_media`), in the
    month of their `addedAt` in the server's time zone; one series per library, then "Total".
    """
    window, y_axis = growth_from_params(params)
    return library_growth(window, y_axis)
