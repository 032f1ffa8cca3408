"""Create the 12-hourly "Refresh users from plex.tv" and "Refresh libraries" schedules."""

from django.db import migrations


SCHEDULES = {  # frozen: name → (task, interval in minutes), as of this migration
    "Refresh users from plex.tv": ("plex.tasks.refresh_users", 720),
    "Refresh libraries": ("plex.tasks.refresh_libraries", 720),
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
        ("plex", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
