"""django-q2 task of the statistics: bring the rollups up to date every minute.

Reading the rollups syncs them (their manager runs :func:`stats.rollup.sync_rollup`), so this
only moves the work of recomputing the days that new plays changed (under a second at 1M plays)
from the first page or API call after a play to the scheduler. The data migration ``0003_update_schedule``
creates its :class:`django_q.models.Schedule` row; ``ensure_schedule`` creates or corrects it.
"""

SCHEDULE_NAME = "Update statistics"
SCHEDULE_FUNC = "stats.tasks.update_statistics"
INTERVAL_MINUTES = 1  # django-q2's finest schedule


def update_statistics() -> str:
    """Recompute the rollup days and the items' watch statistics queued since the last sync
    (nothing when none are), then the
    home statistics asked for in the last hour that this changed (:mod:`stats.home_cache`)."""
    from .home_cache import refresh_recent
    from .media_stats import sync_media_stats
    from .rollup import sync_rollup

    sync_rollup()
    sync_media_stats()
    refreshed = refresh_recent()
    return f"ok, {refreshed} home statistics refreshed"


def ensure_schedule(schedule_model=None):
    """Create or correct the every-minute schedule (matched by name; an existing row keeps its
    ``next_run``: :func:`core.schedules.ensure_interval_schedules`); returns the row."""
    from core.schedules import ensure_interval_schedules

    [row] = ensure_interval_schedules(
        {SCHEDULE_NAME: (SCHEDULE_FUNC, INTERVAL_MINUTES)}, schedule_model
    )
    return row
