"""Add the every-minute "Poll Plex sessions" schedule (the reconciling poll)."""

from django.db import migrations


def create_schedules(apps, schema_editor):
    from plex.tasks import ensure_schedules

    ensure_schedules(apps.get_model("django_q", "Schedule"))


def remove_poll(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="Poll Plex sessions").delete()


class Migration(migrations.Migration):
    dependencies = [("plex", "0003_server_connection_state")]

    operations = [migrations.RunPython(create_schedules, remove_poll)]
