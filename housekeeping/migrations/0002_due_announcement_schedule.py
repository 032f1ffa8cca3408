"""Add the hourly "Announce due deletion candidates" schedule
(:func:`housekeeping.notify.announce_due_candidates`)."""

from django.db import migrations

from core.schedules import ensure_interval_schedules

SCHEDULES = {  # frozen: name → (task, interval in minutes), as of this migration
    "Announce due deletion candidates": ("housekeeping.notify.announce_due_candidates", 60),
}


def create_schedules(apps, schema_editor):
    ensure_interval_schedules(
        SCHEDULES, apps.get_model("django_q", "Schedule"), using=schema_editor.connection.alias
    )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.using(schema_editor.connection.alias).filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [("housekeeping", "0001_initial"), ("django_q", "0018_task_success_index")]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
