"""Add the 12-hour "Sync from Tautulli" schedule (tautulli_import.tasks.sync_tautulli_connections)."""

from django.db import migrations

SCHEDULES = {  # frozen: name → (task, interval in minutes), as of this migration
    "Sync from Tautulli": ("tautulli_import.tasks.sync_tautulli_connections", 720),
}


def create_schedules(apps, schema_editor):
    schedule_model = apps.get_model("django_q", "Schedule")
    for name, (func, minutes) in SCHEDULES.items():
        schedule_model.objects.using(schema_editor.connection.alias).update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": "I", "minutes": minutes, "repeats": -1},
        )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.using(schema_editor.connection.alias).filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tautulli_import", "0002_tautulli_connection"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
