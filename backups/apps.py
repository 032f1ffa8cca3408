from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_backup_schedule(sender, using="default", **kwargs):
    """After every ``migrate`` (the run script migrates at each start): the schedule
    ``backups: database`` follows BACKUP_CRON (removed when it is ``off`` or invalid)."""
    from django.conf import settings
    from django.db import connections

    from core.schedules import sync_cron_schedule

    from .tasks import SCHEDULE_NAME, SCHEDULE_TASK

    if "django_q_schedule" not in connections[using].introspection.table_names():
        return
    cron = str(getattr(settings, "BACKUP_CRON", "0 3 * * *") or "")
    active = cron.strip().lower() != "off"
    sync_cron_schedule(SCHEDULE_NAME, SCHEDULE_TASK, (), cron, active=active, using=using)


class BackupsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "backups"
    verbose_name = "Backups"

    def ready(self):
        post_migrate.connect(
            sync_backup_schedule, sender=self, dispatch_uid="backups.sync_backup_schedule"
        )
