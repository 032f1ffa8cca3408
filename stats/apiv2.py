"""/api/v2 commands of the statistics app: the graph commands and get_home_stats.

They live in :mod:`stats.api_graphs` and :mod:`stats.api_home`; importing them here registers them
(core discovers each app's ``apiv2`` module).
"""

from . import api_graphs, api_growth, api_home, api_tables, api_watch_time  # noqa: F401
