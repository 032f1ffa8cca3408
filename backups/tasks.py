"""django-q2 tasks of the backups app."""

from __future__ import annotations

from .models import Backup
from .service import backup_config, backup_database

# The django-q2 schedule that runs :func:`scheduled_backup` (BACKUP_CRON).
SCHEDULE_NAME = "backups: database"
SCHEDULE_TASK = "backups.tasks.scheduled_backup"


def scheduled_backup() -> dict:
    """The scheduled database backup (``BACKUP_CRON``): made, verified, retention applied.
    Returns ``{"backup_id", "file_name", "verified", "error"}``."""
    return _summary(backup_database("schedule"))


def run_backup(kind: str = Backup.DATABASE, trigger: str = "admin") -> dict:
    """A backup asked for now (the admin's "Back up now"), as a task."""
    backup = backup_config(trigger) if kind == Backup.CONFIG else backup_database(trigger)
    return _summary(backup)


def _summary(backup: Backup) -> dict:
    return {
        "backup_id": backup.pk,
        "file_name": backup.file_name,
        "verified": backup.verified,
        "error": backup.error,
    }
