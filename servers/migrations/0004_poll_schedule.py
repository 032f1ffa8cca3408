"""Add the every-minute "Poll Plex sessions" schedule (the reconciling poll)."""

from django.db import migrations


SCHEDULES = {  # frozen: name → (task, interval in minutes), as of this migration
    "Poll Plex sessions": ("plex.tasks.poll_sessions", 1),
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
    dependencies = [("plex", "0003_server_connection_state")]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
