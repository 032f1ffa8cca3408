"""django-q2 tasks refreshing users and libraries, and their 12-hour schedules.

Tautulli refreshes users from plex.tv and libraries from PMS every 12 hours (reference 3.2);
:func:`ensure_schedules` creates (or corrects) the two :class:`django_q.models.Schedule` rows,
and the data migration ``plex/migrations/0002_sync_schedules.py`` calls it so a fresh install
has them. Their first run is due at once (the cluster's first tick after start-up, as Tautulli
refreshes at start-up); missed runs are not caught up (``Q_CLUSTER["catch_up"] = False``).
"""

from __future__ import annotations

SYNC_INTERVAL_MINUTES = 12 * 60

# name → dotted path of the task function, as django-q2 stores it.
SCHEDULES = {
    "Refresh users from plex.tv": "plex.tasks.refresh_users",
    "Refresh libraries": "plex.tasks.refresh_libraries",
}


def _summary(result) -> dict:
    return {"synced": result.synced, "deactivated": result.deactivated, "errors": result.errors}


def refresh_users() -> dict:
    """Task: refresh users from plex.tv (see :func:`plex.sync.sync_users`).

    Returns ``{"synced": int, "deactivated": int, "errors": [str]}`` (stored as the task result).
    """
    from .sync import sync_users

    return _summary(sync_users())


def refresh_libraries() -> dict:
    """Task: refresh every active server's libraries (see :func:`plex.sync.sync_libraries`).

    Returns ``{"synced": int, "deactivated": int, "errors": [str]}``.
    """
    from .sync import sync_libraries

    return _summary(sync_libraries())


def ensure_schedules(schedule_model=None) -> list:
    """Create or correct the two 12-hourly schedules (matched by name); returns the rows.

    ``schedule_model`` is ``django_q.models.Schedule`` by default; a data migration passes its
    historical model. An existing row keeps its ``next_run`` (only func/type/interval/repeats
    are corrected), so calling this again never re-triggers a run.
    """
    if schedule_model is None:
        from django_q.models import Schedule as schedule_model
    rows = []
    for name, func in SCHEDULES.items():
        row, _ = schedule_model.objects.update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": "I",  # Schedule.MINUTES
                "minutes": SYNC_INTERVAL_MINUTES,
                "repeats": -1,  # forever
            },
        )
        rows.append(row)
    return rows
