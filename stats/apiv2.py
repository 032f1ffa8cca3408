"""/api/v2 commands of the statistics app: the graph commands, get_home_stats, the tables and
the rating-key trees (get_new_rating_keys, get_old_rating_keys).

They live in the ``stats.api_*`` modules; importing them here registers them
(core discovers each app's ``apiv2`` module).
"""

from . import (  # noqa: F401
    api_graphs,
    api_growth,
    api_home,
    api_rating_keys,
    api_tables,
    api_watch_time,
)
