"""The ``backups.download_backup`` permission, and the django-q2 cron schedule
``backups: database`` (``backups.tasks.scheduled_backup`` on ``BACKUP_CRON``, default
``0 3 * * *``), created as :func:`core.schedules.sync_cron_schedule` does: first run at the
cron's next time, not at once; none when BACKUP_CRON is ``off`` or invalid. A later change of
BACKUP_CRON is applied after every ``migrate`` (:mod:`backups.apps`)."""

from django.conf import settings
from django.db import migrations

from core.schedules import next_runs, validate_cron

NAME = "backups: database"  # frozen, as of this migration
TASK = "backups.tasks.scheduled_backup"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    try:
        cron = validate_cron(getattr(settings, "BACKUP_CRON", "0 3 * * *"))
    except Exception:  # noqa: BLE001 - "off" or invalid: no schedule
        return
    Schedule.objects.using(schema_editor.connection.alias).filter(name=NAME).delete()
    Schedule.objects.using(schema_editor.connection.alias).create(
        name=NAME,
        func=TASK,
        args="()",
        schedule_type="C",  # Schedule.CRON
        cron=cron,
        repeats=-1,
        next_run=next_runs(cron, 1)[0],
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.using(schema_editor.connection.alias).filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("backups", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="backup",
            options={
                "ordering": ["-started_at", "-id"],
                "permissions": [("download_backup", "Can download a backup file")],
            },
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
