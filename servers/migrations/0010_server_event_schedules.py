"""Add the schedules of the server events: the every-minute "Check Plex remote access"
(on_extdown/on_extup) and the daily "Check for Plex updates" (on_pmsupdate)."""

from django.db import migrations


SCHEDULES = {  # frozen: name → (task, interval in minutes), as of this migration
    "Check Plex remote access": ("plex.tasks.check_remote_access", 1),
    "Check for Plex updates": ("plex.tasks.check_pms_updates", 24 * 60),
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
    dependencies = [("plex", "0009_server_remote_access_and_token")]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
