"""django-q2 task of the Tautulli sync and its schedule.

:data:`SCHEDULES` lists the schedules of this app (name → (task, minutes)), created by the data
migration ``0003_sync_schedule``; :func:`ensure_schedules` creates or corrects them.
"""

from __future__ import annotations

import logging

SYNC_INTERVAL_MINUTES = 12 * 60

SCHEDULES = {
    "Sync from Tautulli": (
        "tautulli_import.tasks.sync_tautulli_connections",
        SYNC_INTERVAL_MINUTES,
    ),
}

logger = logging.getLogger(__name__)


def sync_tautulli_connections(name: str | None = None) -> dict[str, dict]:
    """Sync every active :class:`~tautulli_import.models.TautulliConnection` (or only the one
    named ``name``, active or not), one after the other; a failing one does not stop the others.

    Returns ``{connection name: {"added": rows added, "error": one line or ''}}``.
    """
    from .models import TautulliConnection
    from .remote.sync import sync_connection

    connections = TautulliConnection.objects.all()
    connections = connections.filter(name=name) if name else connections.filter(active=True)
    summary = {}
    for conn in connections:
        result = sync_connection(conn)
        summary[conn.name] = {"added": result.added, "error": result.error}
    return summary


def ensure_schedules(schedule_model=None) -> list:
    """Create or correct the schedules of :data:`SCHEDULES` (matched by name; an existing row
    keeps its ``next_run``: :func:`core.schedules.ensure_interval_schedules`)."""
    from core.schedules import ensure_interval_schedules

    return ensure_interval_schedules(SCHEDULES, schedule_model)


IMPORT_TASK = "tautulli_import.tasks.import_database"


def import_database(path: str, delete_after: bool = False) -> dict:
    """django-q2 task of /api/v2 ``import_database``: import the Tautulli database at ``path``
    (:func:`tautulli_import.importer.import_tautulli`; one transaction) and log the outcome;
    ``delete_after``: remove the file afterwards (an upload saved in the cache). Returns
    ``{"added": rows, "server": name}`` or ``{"error": one line}``."""
    from pathlib import Path

    from .errors import TautulliImportError
    from .importer import import_tautulli

    try:
        result = import_tautulli(path, report=logger.info)
    except TautulliImportError as exc:
        logger.error("Tautulli database import failed: %s", exc)
        return {"error": str(exc)}
    finally:
        if delete_after:
            Path(path).unlink(missing_ok=True)
    logger.info(
        "Tautulli database import complete: %d rows into server '%s'.",
        result.added,
        result.server.name,
    )
    return {"added": result.added, "server": result.server.name}
