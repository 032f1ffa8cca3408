"""The inventory with its watch statistics: what the media info table, the REST inventory and
the admin's library pages read (issue 13).

One queryset of :class:`~libraries.models.LibraryMedia` joined (LEFT JOIN on server and rating
key, :attr:`stats.models.MediaWatchStats.item`) to the item's statistics, brought up to date
first. An item never watched has no statistics row: its counts read 0 and its dates None.
"""

from django.db.models import F, Value
from django.db.models.functions import Coalesce

from core.freshness import ensure_fresh
from libraries.models import LibraryMedia

from .models import MediaWatchStats

SYNC = "stats.media_stats.sync_media_stats"
COUNTS = (
    "plays",
    "users",
    "watch_time",
    "watched_items",
    "plays_current",
    "users_current",
    "watch_time_current",
    "watched_items_current",
)
DATES = ("first_watched", "last_watched", "first_watched_current", "last_watched_current")


def items_with_stats(queryset=None):
    """``queryset`` (default: every :class:`LibraryMedia` row) annotated with the item's watch
    statistics under their :class:`MediaWatchStats` names (counts 0 and dates None for an item
    never watched; dates are epoch seconds, UTC; watch time seconds). The statistics are
    synced first (once per read scope). Filter and sort on the annotations (``plays``,
    ``last_watched``...), not through ``watch_stats__``, which would join a second time."""
    ensure_fresh(SYNC, covers=("history.grouping.sync_groups",))
    if queryset is None:
        queryset = LibraryMedia.objects.all()
    return queryset.annotate(
        **{
            name: Coalesce(F(f"watch_stats__{name}"), Value(0), output_field=_field(name))
            for name in COUNTS
        },
        **{name: F(f"watch_stats__{name}") for name in DATES},
    )


def _field(name: str):
    return MediaWatchStats._meta.get_field(name).__class__()
