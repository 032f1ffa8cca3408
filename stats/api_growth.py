"""/api/v2 get_library_growth: items or bytes added per month, per library (see
:mod:`stats.library_growth`)."""

from core.tautulli_api import api_command

from .library_growth import growth_params, library_growth


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
    window, y_axis = growth_params(params)
    return library_growth(window, y_axis)
