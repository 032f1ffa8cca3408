"""Add the every-minute "Update statistics" schedule (stats.tasks.update_statistics)."""

from django.db import migrations


def create_schedule(apps, schema_editor):
    from stats.tasks import ensure_schedule

    ensure_schedule(apps.get_model("django_q", "Schedule"))


def remove_schedule(apps, schema_editor):
    from stats.tasks import SCHEDULE_NAME

    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0002_items_date_index"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
